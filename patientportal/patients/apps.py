from django.apps import AppConfig


class PatientsConfig(AppConfig):
    name = "patientportal.patients"
    label = "patients"
