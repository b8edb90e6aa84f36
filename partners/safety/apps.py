from django.apps import AppConfig


class SafetyConfig(AppConfig):
    name = "partners.safety"
    label = "safety"
