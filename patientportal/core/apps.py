from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "patientportal.core"
    label = "core"
