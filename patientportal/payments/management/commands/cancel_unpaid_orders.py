from django.core.management.base import BaseCommand

from patientportal.payments.services import cancel_unpaid_orders


class Command(BaseCommand):
    help = (
        "Cancel orders that stayed payable but unpaid longer than their clinic allows, returning their stock. "
        "Run it every few minutes (cron, a systemd timer or your platform's scheduler)."
    )

    def handle(self, *args: object, **options: object) -> None:
        cancelled = cancel_unpaid_orders()
        self.stdout.write(
            f"Cancelled {len(cancelled)} unpaid order(s){': ' + ', '.join(cancelled) if cancelled else '.'}"
        )
