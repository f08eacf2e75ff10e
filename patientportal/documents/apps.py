from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "patientportal.documents"
    label = "documents"

    def ready(self) -> None:
        from django.core import checks

        from patientportal.documents.checks import seal_configured

        checks.register(seal_configured)
