from django.apps import AppConfig


class IncostConfig(AppConfig):
    name = "incost_portal.incost"
    label = "incost"
