from django.core.management.base import BaseCommand

from patientportal.payments.authorisations import authorisations_lapse


class Command(BaseCommand):
    help = (
        "Release the card authorisations that reached PAYMENT_AUTHORISATION_DAYS without their order being "
        "approved: each order falls back to paying after approval and the patient is emailed. Run it every few "
        "minutes (cron, a systemd timer or your platform's scheduler); run_periodic_tasks runs it too."
    )

    def handle(self, *args: object, **options: object) -> None:
        lapsed = authorisations_lapse()
        self.stdout.write(
            f"Released {len(lapsed)} lapsed card authorisation(s){': ' + ', '.join(lapsed) if lapsed else '.'}"
        )
