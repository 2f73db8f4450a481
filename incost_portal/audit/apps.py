from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "incost_portal.audit"
    label = "audit"
