from django.apps import AppConfig


class CareConfig(AppConfig):
    name = "partners.care"
    label = "care"
