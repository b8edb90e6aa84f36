from django.apps import AppConfig


class InteropConfig(AppConfig):
    name = "partners.interop"
    label = "interop"
