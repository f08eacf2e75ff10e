from django.apps import AppConfig


class ClinicsConfig(AppConfig):
    name = "patientportal.clinics"
    label = "clinics"
