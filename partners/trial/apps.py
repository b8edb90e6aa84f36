from django.apps import AppConfig


class TrialConfig(AppConfig):
    name = "partners.trial"
    label = "trial"
