from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "incost_portal.dashboard"
    label = "dashboard"
