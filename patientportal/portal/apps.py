from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "patientportal.portal"
    label = "portal"
