from django.apps import AppConfig


class RuntimeConfig(AppConfig):
    name = "incost_portal.runtime"
    label = "runtime"
