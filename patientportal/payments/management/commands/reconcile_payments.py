from django.core.management.base import BaseCommand

from patientportal.payments.services import checkouts_reconcile


class Command(BaseCommand):
    help = (
        "Ask the payment provider about checkouts still open after PAYMENT_RECONCILE_AFTER_MINUTES and record "
        "what it says (paid, processing, failed, expired), so a lost webhook cannot leave a paid checkout "
        "unrecorded; report provider events that waited too long for their payment. Run it every few minutes "
        "(cron, a systemd timer or your platform's scheduler); safe to run in several copies."
    )

    def handle(self, *args: object, **options: object) -> None:
        summary = checkouts_reconcile()
        self.stdout.write(str(summary))
        if summary.stale_events:
            # On stderr too, so cron's mail and a timer's failure log carry it.
            self.stderr.write(
                f"{len(summary.stale_events)} provider event(s) are waiting for a payment that has not turned "
                "up: see the operator area, Payments > Provider events."
            )
