from django.apps import AppConfig


class CasefindingConfig(AppConfig):
    name = "partners.casefinding"
    label = "casefinding"
