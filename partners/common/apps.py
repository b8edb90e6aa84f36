from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "partners.common"
    label = "common"
    verbose_name = "Common"
