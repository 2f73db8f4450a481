from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "incost_portal.accounts"
    label = "accounts"
