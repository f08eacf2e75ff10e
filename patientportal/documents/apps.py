from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "patientportal.documents"
    label = "documents"
