"""Is the background work being done? For `/healthz?background=1` and `manage.py check_background`.

Each finding names a component and a level: "ok", "warning" (something the
clinic should look at: an email delayed or given up on) or "problem" (the work
is not being done: a process missing, silent or stopped, tasks ready and not
run). An email waiting is a warning, not a problem: one address whose mail
server answers "later" keeps its email retrying for a day while everything
else works; when the worker itself is not working, its own finding or the
tasks' says so. Counts and ages only: no addresses, no content.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Max, Min, Q
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult, get_date_max

from patientportal.core.choices import UNDELIVERED, DeliveryStatus, ProcessRole
from patientportal.core.models import EmailDelivery, Heartbeat
from patientportal.core.tasks import task_store_is_the_database

OK, WARNING, PROBLEM = "ok", "warning", "problem"
LEVELS = (OK, WARNING, PROBLEM)
FAILED_EMAILS_WINDOW = datetime.timedelta(hours=24)


@dataclass(frozen=True)
class Finding:
    component: str
    level: str
    state: str  # a short word for machines: ok, silent, missing, waiting, delayed, failed_recently, not_used
    detail: str  # a sentence for people


def _minutes(delta: datetime.timedelta) -> int:
    return int(delta.total_seconds() // 60)


def _process(role: str, beats: dict[str, object], now: datetime.datetime) -> Finding:
    limit = datetime.timedelta(minutes=settings.BACKGROUND_ALERT_MINUTES)
    label = ProcessRole(role).label
    last, alive, stopped = beats.get("last"), beats.get("alive", 0), beats.get("stopped")
    if not isinstance(last, datetime.datetime):
        if isinstance(stopped, datetime.datetime):
            return Finding(role, PROBLEM, "stopped", f"{label}: stopped {_minutes(now - stopped)} min ago.")
        return Finding(role, PROBLEM, "missing", f"{label}: has never run.")
    if now - last > limit:
        return Finding(role, PROBLEM, "silent", f"{label}: silent for {_minutes(now - last)} min.")
    return Finding(role, OK, "ok", f"{label}: {alive} running, last seen {int((now - last).total_seconds())} s ago.")


def _tasks(now: datetime.datetime) -> Finding:
    late = now - datetime.timedelta(minutes=settings.BACKGROUND_ALERT_MINUTES)
    waiting = DBTaskResult.objects.filter(status=TaskResultStatus.READY).filter(
        Q(run_after=get_date_max(), enqueued_at__lte=late) | Q(run_after__lte=late)
    )
    count = waiting.count()
    if count:
        return Finding("tasks", PROBLEM, "waiting", f"Tasks: {count} ready for more than the alert time, not run.")
    return Finding("tasks", OK, "ok", "Tasks: none waiting too long.")


def _emails(now: datetime.datetime) -> Finding:
    limit = datetime.timedelta(minutes=settings.BACKGROUND_ALERT_MINUTES)
    numbers = EmailDelivery.objects.aggregate(
        delayed=Count("pk", filter=Q(status__in=UNDELIVERED, created_at__lte=now - limit)),
        oldest=Min("created_at", filter=Q(status__in=UNDELIVERED)),
        failed=Count("pk", filter=Q(status=DeliveryStatus.FAILED, failed_at__gte=now - FAILED_EMAILS_WINDOW)),
    )
    if numbers["delayed"]:
        return Finding(
            "email",
            WARNING,
            "delayed",
            f"Email: {numbers['delayed']} not delivered after {settings.BACKGROUND_ALERT_MINUTES} min "
            f"(oldest waiting {_minutes(now - numbers['oldest'])} min); is the mail server reachable?",
        )
    if numbers["failed"]:
        return Finding(
            "email", WARNING, "failed_recently", f"Email: {numbers['failed']} given up on in the last 24 hours."
        )
    return Finding("email", OK, "ok", "Email: nothing waiting too long, nothing given up on in the last 24 hours.")


def background_findings(*, now: datetime.datetime | None = None) -> list[Finding]:
    now = now or timezone.now()
    running = Q(stopped_at__isnull=True)
    recent = running & Q(beat_at__gte=now - datetime.timedelta(minutes=settings.BACKGROUND_ALERT_MINUTES))
    beats: dict[str, dict[str, object]] = {
        row["role"]: {"last": row["last"], "alive": row["alive"], "stopped": row["stopped"]}
        for row in Heartbeat.objects.values("role").annotate(
            last=Max("beat_at", filter=running), alive=Count("pk", filter=recent), stopped=Max("stopped_at")
        )
    }
    findings = []
    if task_store_is_the_database():
        findings.append(_process(ProcessRole.WORKER, beats.get(ProcessRole.WORKER, {}), now))
        findings.append(_tasks(now))
    else:  # tasks run inside the web process (development): no worker to watch
        findings.append(Finding(ProcessRole.WORKER, OK, "not_used", "Task worker: not used (tasks run at once)."))
    findings.append(_process(ProcessRole.PERIODIC, beats.get(ProcessRole.PERIODIC, {}), now))
    findings.append(_emails(now))
    return findings


def overall(findings: list[Finding]) -> str:
    return max((finding.level for finding in findings), key=LEVELS.index, default=OK)
