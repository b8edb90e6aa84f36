from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "partners.registry"
    label = "registry"
