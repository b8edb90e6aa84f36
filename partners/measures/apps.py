from django.apps import AppConfig


class MeasuresConfig(AppConfig):
    name = "partners.measures"
    label = "measures"
