from django.apps import AppConfig


class OnboardingConfig(AppConfig):
    name = "incost_portal.onboarding"
    label = "onboarding"
