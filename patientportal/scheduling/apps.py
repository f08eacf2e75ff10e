from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "patientportal.scheduling"
    label = "scheduling"
