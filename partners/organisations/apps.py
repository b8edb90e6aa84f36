from django.apps import AppConfig


class OrganisationsConfig(AppConfig):
    name = "partners.organisations"
    label = "organisations"
