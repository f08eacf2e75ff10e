from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "patientportal.core"
    label = "core"

    def ready(self) -> None:
        from django.core import checks

        from patientportal.core.checks import front_end_assets

        checks.register(front_end_assets)
