from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "partners.audit"
    label = "audit"
