from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "partners.supervision"
    label = "supervision"
