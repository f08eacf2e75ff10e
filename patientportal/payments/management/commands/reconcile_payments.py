from django.core.management.base import BaseCommand

from patientportal.payments.services import payments_reconcile


class Command(BaseCommand):
    help = (
        "Ask the payment provider about checkouts still open after PAYMENT_RECONCILE_AFTER_MINUTES, card "
        "authorisations ending within a day and the refunds of payments taken lately, and record what it says "
        "through the webhooks' path, so a lost webhook changes nothing; report provider events that waited too "
        "long for their payment. The periodic runner does this every minute; safe to run in several copies."
    )

    def handle(self, *args: object, **options: object) -> None:
        summary = payments_reconcile()
        self.stdout.write(str(summary))
        if summary.stale_events:
            # On stderr too, so cron's mail and a timer's failure log carry it.
            self.stderr.write(
                f"{len(summary.stale_events)} provider event(s) are waiting for a payment that has not turned "
                "up: see the operator area, Payments > Provider events."
            )
