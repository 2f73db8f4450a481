from django.apps import AppConfig


class SubmissionsConfig(AppConfig):
    name = "incost_portal.submissions"
    label = "submissions"
