from django.apps import AppConfig


class SourcesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "incost_portal.sources"
    label = "sources"
    verbose_name = "Sources: scheduled pulls of cost from a network's own reporting"
