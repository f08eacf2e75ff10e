from django.apps import AppConfig


class StaffConfig(AppConfig):
    name = "patientportal.staff"
    label = "staff"
