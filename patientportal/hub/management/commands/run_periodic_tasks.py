import datetime
import threading
from functools import partial
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from patientportal.core.background import Job, run_loop, run_periodic_jobs, stop_on_signals
from patientportal.core.choices import ProcessRole
from patientportal.core.jobs import background_records_purge, email_deliveries_resubmit
from patientportal.notifications.digest import notification_digests_send
from patientportal.patients.proxies import proxies_age_out
from patientportal.payments.authorisations import authorisations_lapse
from patientportal.payments.services import cancel_unpaid_orders, payments_reconcile
from patientportal.scheduling.reminders import appointment_reminders_send

# The portal's periodic work, in the order it runs each round: one line per job, (name, callable).
# Every job must be safe to run at any time and as often as wanted; the runner makes sure that
# two copies never run the same job at once and that each runs at most once per interval.
JOBS: list[Job] = [
    ("cancel_unpaid_orders", cancel_unpaid_orders),
    ("payments_reconcile", payments_reconcile),
    ("authorisations_lapse", authorisations_lapse),
    ("appointment_reminders_send", appointment_reminders_send),
    ("notification_digests_send", notification_digests_send),
    ("proxies_age_out", proxies_age_out),
    ("email_deliveries_resubmit", email_deliveries_resubmit),
    ("background_records_purge", background_records_purge),
]


class Command(BaseCommand):
    help = (
        "Run the portal's periodic work (cancelling unpaid orders, reconciling payments with the provider, "
        "appointment reminders, staff notification summaries, ending parental proxy access at 18, retrying "
        "emails, purging old task rows) "
        "every minute, until stopped, surviving database outages. Any number may run at once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--every", type=int, default=60, help="Seconds between rounds (default 60, at least 10).")
        parser.add_argument("--once", action="store_true", help="Run one round and stop.")

    def handle(self, *args: Any, **options: Any) -> None:
        every = datetime.timedelta(seconds=max(10, int(options["every"])))
        if options["once"]:
            run_periodic_jobs(JOBS, every=every)
            return
        stop = threading.Event()
        stop_on_signals(stop)
        run_loop(
            role=ProcessRole.PERIODIC,
            step=partial(run_periodic_jobs, JOBS, every=every),
            idle_seconds=every.total_seconds(),
            stop=stop,
        )
