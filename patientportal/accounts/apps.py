from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "patientportal.accounts"
    label = "accounts"

    def ready(self) -> None:
        from patientportal.accounts import signal_handlers  # noqa: F401
