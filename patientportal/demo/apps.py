from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data for the zero-setup run and the screenshots: the seeder and the sample files it uses."""

    name = "patientportal.demo"
    label = "demo"
