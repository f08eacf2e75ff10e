import logging
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django_tasks_db.management.commands.db_worker import Worker

from patientportal.core.background import instance_name, run_loop, stop_on_signals
from patientportal.core.choices import ProcessRole


def worker_for(*, queues: list[str], worker_id: str | None = None) -> Worker:
    """django-tasks-db's worker in batch mode: each call of `run()` runs every task that is
    ready, one by one (claimed with a row lock, so any number of workers may run), then returns."""
    return Worker(
        queue_names=queues,
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id or instance_name()[:64],
        excluded_queue_names=[],
    )


class Command(BaseCommand):
    help = (
        "Run background tasks (emails) from the database until stopped, surviving database outages. "
        "Use this instead of django-tasks-db's `db_worker`, which exits on the first database error. "
        "Any number may run at once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--queue-name", default="default", help="Comma-separated queues (default: default).")
        parser.add_argument(
            "--interval", type=float, default=1.0, help="Seconds to wait when no task is ready (default 1)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # The library logs "Starting worker" and "No more tasks" on every batch; the tasks
        # themselves are still logged by django_tasks.
        logging.getLogger("django_tasks_db").setLevel(logging.WARNING)
        worker = worker_for(queues=str(options["queue_name"]).split(","))
        stop = threading.Event()

        def finish_the_current_task() -> None:
            worker.running = False

        stop_on_signals(stop, also=finish_the_current_task)
        run_loop(role=ProcessRole.WORKER, step=worker.run, idle_seconds=max(0.1, options["interval"]), stop=stop)
