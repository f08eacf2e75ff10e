from django.apps import AppConfig


class ClinicsConfig(AppConfig):
    name = "patientportal.clinics"
    label = "clinics"

    def ready(self) -> None:
        from patientportal.clinics import signal_handlers  # noqa: F401
