from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "patientportal.notifications"
    label = "notifications"

    def ready(self) -> None:
        # core (below this app) says when it gives up on an email; this app tells the clinic.
        from patientportal.notifications import undelivered

        undelivered.connect()
