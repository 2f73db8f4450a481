from django.apps import AppConfig


class NetworksConfig(AppConfig):
    name = "incost_portal.networks"
    label = "networks"
