from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "partners.dashboards"
    label = "dashboards"
