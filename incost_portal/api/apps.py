from django.apps import AppConfig


class ApiConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "incost_portal.api"
    label = "api"
    verbose_name = "API keys and the portal's API"
