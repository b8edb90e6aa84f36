from django.apps import AppConfig


class LettersConfig(AppConfig):
    name = "partners.letters"
    label = "letters"
    verbose_name = "Letters"
