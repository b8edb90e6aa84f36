from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "partners.demo"
    label = "demo"
