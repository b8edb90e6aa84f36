from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "partners.accounts"
    label = "accounts"
