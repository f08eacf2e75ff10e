from django.apps import AppConfig


class HubConfig(AppConfig):
    """The top of the house: the start page that sends an account to its areas,
    the development outbox, and the periodic runner that calls each app's periodic work."""

    name = "patientportal.hub"
    label = "hub"
