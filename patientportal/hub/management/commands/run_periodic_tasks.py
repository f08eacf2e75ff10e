import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from patientportal.payments.services import cancel_unpaid_orders


class Command(BaseCommand):
    help = (
        "Run the portal's periodic work (today: cancelling unpaid orders) every few minutes, until stopped. "
        "Run one of these next to the web processes, or call `cancel_unpaid_orders` from cron instead."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--every", type=int, default=300, help="Seconds between runs (default 300).")
        parser.add_argument("--once", action="store_true", help="Run once and stop.")

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            cancelled = cancel_unpaid_orders()
            if cancelled:
                self.stdout.write(f"Cancelled unpaid orders: {', '.join(cancelled)}")
            if options["once"]:
                return
            time.sleep(max(30, int(options["every"])))
