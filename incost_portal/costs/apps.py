from django.apps import AppConfig


class CostsConfig(AppConfig):
    name = "incost_portal.costs"
    label = "costs"
