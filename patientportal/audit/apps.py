from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "patientportal.audit"
    label = "audit"
