from django.apps import AppConfig


class SandboxConfig(AppConfig):
    name = "incost_portal.sandbox"
    label = "sandbox"
