from typing import Any

from django.core.management.base import BaseCommand

from patientportal.core.jobs import email_deliveries_retry_now


class Command(BaseCommand):
    help = (
        "Try every email that is waiting for a retry now, instead of at its next scheduled attempt "
        "(after the mail server is fixed). The worker sends them."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        count = email_deliveries_retry_now()
        self.stdout.write(f"{count} email(s) will be tried again now.")
