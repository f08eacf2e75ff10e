from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "patientportal.catalog"
    label = "catalog"
