"""Keeping background processes alive: the loop every one of them runs.

A background process (the task worker, the periodic runner) must outlive a
database outage: a restart of PostgreSQL, a dropped connection, a failover.
`run_loop` records a heartbeat (also as each task starts, so a worker busy with
a long batch is not taken for silent), does one step of work, and when the database
fails it logs the error's class (never its message, which may quote data),
closes the broken connections and waits longer each time (capped), then goes
on. Any other error is a bug and ends the process, for its service manager to
restart (deploy/). Several copies may run at once: the worker's tasks are
claimed with row locks, and `run_periodic_jobs` leases each job.
"""

import contextlib
import datetime
import logging
import os
import random
import signal
import socket
import threading
from collections.abc import Callable, Iterator, Sequence
from types import FrameType

from django.db import Error as DatabaseError
from django.db import connections
from django.db.models import Q
from django.utils import timezone
from django_tasks.signals import task_started

from patientportal.core.models import Heartbeat, PeriodicJob

logger = logging.getLogger("patientportal.background")

Job = tuple[str, Callable[[], object]]
Clock = Callable[[], datetime.datetime]

# A periodic job is leased for this long: a runner that dies mid-job holds it no longer.
# Longer than any job should take, so two runners never run one at once.
JOB_LEASE = datetime.timedelta(minutes=15)
# Heartbeats are written at most this often (a worker loops every second, and a batch of
# quick tasks starts many a second).
BEAT_EVERY = datetime.timedelta(seconds=5)


def instance_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


class Backoff:
    """Capped exponential waits: 1, 2, 4 … up to `cap` seconds, each shortened by up to a
    half at random so that copies cut off together do not all reconnect at once."""

    def __init__(self, *, first: float = 1.0, cap: float = 60.0) -> None:
        self.first = first
        self.cap = cap
        self.failures = 0

    def next(self) -> float:
        delay = min(self.cap, self.first * 2.0**self.failures)
        self.failures += 1
        return delay * random.uniform(0.5, 1.0)  # noqa: S311 - spreading reconnections, not a secret

    def reset(self) -> None:
        self.failures = 0


class Heart:
    """One process's heartbeat row. `clock` is for tests (default: `timezone.now`)."""

    def __init__(self, role: str, instance: str, *, clock: Clock | None = None) -> None:
        self.role = role
        self.instance = instance
        self.clock = clock or timezone.now
        self.last: datetime.datetime | None = None

    def beat(self) -> None:
        now = self.clock()
        if self.last is not None and now - self.last < BEAT_EVERY:
            return
        updated = Heartbeat.objects.filter(role=self.role, instance=self.instance).update(beat_at=now)
        if not updated:
            Heartbeat.objects.update_or_create(
                role=self.role, instance=self.instance, defaults={"beat_at": now, "started_at": now}
            )
        self.last = now

    def stop(self) -> None:
        """A clean stop: the health check then says "stopped" at once, not after the alert time."""
        with contextlib.suppress(DatabaseError):
            Heartbeat.objects.filter(role=self.role, instance=self.instance).update(stopped_at=self.clock())

    @contextlib.contextmanager
    def beating_per_task(self) -> Iterator[None]:
        """While inside, beat (throttled as always) each time this thread starts a task: one
        step of a worker runs every ready task, and thirty emails to an unreachable mail
        server at a 20-second timeout each outlast the alert time. The library's worker sends
        `task_started` outside any transaction, so the beat is seen at once."""
        thread = threading.get_ident()

        def on_task_started(**kwargs: object) -> None:
            if threading.get_ident() != thread:  # another loop's task (tests run loops in threads)
                return
            try:
                self.beat()
            except DatabaseError as error:  # the task must not fail for its heartbeat; the loop beats next
                logger.debug("%s: heartbeat not written (%s).", self.role, type(error).__name__)

        task_started.connect(on_task_started, weak=False)
        try:
            yield
        finally:
            task_started.disconnect(on_task_started)


def close_connections() -> None:
    """Drop every database connection of this thread; the next query opens a new one."""
    for connection in connections.all(initialized_only=True):
        with contextlib.suppress(DatabaseError):  # already broken: closing it is all that was wanted
            connection.close()


def stop_on_signals(stop: threading.Event, also: Callable[[], None] | None = None) -> None:
    """SIGTERM or SIGINT ends the loop after the step under way (a task being sent finishes)."""

    def handle(signum: int, frame: FrameType | None) -> None:
        logger.info("Received %s: stopping after the current step.", signal.strsignal(signum))
        stop.set()
        if also is not None:
            also()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)


def run_loop(
    *,
    role: str,
    step: Callable[[], object],
    idle_seconds: float,
    stop: threading.Event,
    wait: Callable[[float], object] | None = None,
    backoff: Backoff | None = None,
    clock: Clock | None = None,
) -> None:
    """Beat, do one step, wait `idle_seconds`; until `stop` is set. The heartbeat is also
    written as each task of a step starts (`Heart.beating_per_task`). On a database error:
    log, close the connections, wait (backoff), go on. `wait` and `clock` are for tests
    (default: `stop.wait`, `timezone.now`)."""
    wait = wait or stop.wait
    backoff = backoff or Backoff()
    heart = Heart(role, instance_name(), clock=clock)
    logger.info("%s %s started.", role, heart.instance)
    with heart.beating_per_task():
        while not stop.is_set():
            try:
                heart.beat()
                step()
            except DatabaseError as error:
                delay = backoff.next()
                logger.warning(
                    "%s: the database failed (%s); trying again in %.0f s (failure %d in a row).",
                    role,
                    type(error).__name__,
                    delay,
                    backoff.failures,
                )
                close_connections()
                wait(delay)
                continue
            if backoff.failures:
                logger.warning("%s: the database answers again after %d failure(s).", role, backoff.failures)
                backoff.reset()
            wait(idle_seconds)
    heart.stop()
    logger.info("%s %s stopped.", role, heart.instance)


def _claim(name: str, *, now: datetime.datetime, owner: str) -> bool:
    PeriodicJob.objects.get_or_create(name=name, defaults={"next_run_at": now})
    return (
        PeriodicJob.objects.filter(name=name, next_run_at__lte=now)
        # Free, run out, or this very process's (its run was cut off by a database failure).
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now) | Q(leased_by=owner))
        .update(lease_until=now + JOB_LEASE, leased_by=owner, last_started_at=now)
        == 1
    )


def _release(name: str, *, owner: str, next_run_at: datetime.datetime, outcome: str) -> None:
    PeriodicJob.objects.filter(name=name, leased_by=owner).update(
        lease_until=None, leased_by="", last_finished_at=timezone.now(), next_run_at=next_run_at, last_outcome=outcome
    )


def run_periodic_jobs(jobs: Sequence[Job], *, every: datetime.timedelta, owner: str | None = None) -> dict[str, str]:
    """Run each job that is due and not being run by another copy; at most once per `every`
    across all copies. A job's own error is logged (its class and where) and does not stop
    the others; a database error stops the round, for `run_loop` to wait and retry.
    Returns each job's outcome: "ok", "skipped", or the error's class."""
    owner = owner or instance_name()
    outcomes: dict[str, str] = {}
    for name, job in jobs:
        started = timezone.now()
        if not _claim(name, now=started, owner=owner):
            outcomes[name] = "skipped"
            continue
        try:
            result = job()
        except DatabaseError:
            raise  # the lease runs out by itself; the next round after the outage runs the job
        except Exception as error:  # noqa: BLE001 - one job's bug must not stop the others
            outcome = type(error).__name__
            where = error.__traceback__
            while where is not None and where.tb_next is not None:
                where = where.tb_next
            logger.error(
                "Periodic job %s failed: %s at %s:%s",
                name,
                outcome,
                where.tb_frame.f_code.co_filename if where else "?",
                where.tb_lineno if where else "?",
            )
        else:
            outcome = "ok"
            if result:
                logger.info("Periodic job %s: %s", name, _summary(result))
        _release(name, owner=owner, next_run_at=started + every, outcome=outcome)
        outcomes[name] = outcome
    return outcomes


def _summary(result: object) -> str:
    # A count only: what a job returns (order numbers, addresses) stays out of the logs.
    if isinstance(result, list | tuple | set | dict):
        return f"{len(result)} done"
    if isinstance(result, int):
        return f"{result} done"
    return "done"
