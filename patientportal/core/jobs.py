"""Core's periodic jobs, run by `manage.py run_periodic_tasks` (hub)."""

import datetime

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult, get_date_max

from patientportal.core.deliveries import deliveries_overdue, deliveries_retry_now, delivery_messages_expire
from patientportal.core.models import Heartbeat
from patientportal.core.tasks import send_email, task_store_is_the_database

# An email whose attempt was due this long ago and has no task waiting has lost its task
# (a worker died between sending and recording, or the task backend cannot wait).
RESUBMIT_AFTER = datetime.timedelta(minutes=10)
# A task still "running" this long after it started belongs to a worker that died: an email
# is sent within EMAIL_TIMEOUT (20 s).
LOST_TASK_AFTER = datetime.timedelta(minutes=30)
RESUBMIT_BATCH = 200


def _send_email_path() -> str:
    return send_email.module_path


def email_deliveries_resubmit(*, now: datetime.datetime | None = None) -> int:
    """Enqueue again the emails that are due and have no task that will send them. With the
    immediate backend of development (which cannot wait) this is what runs every retry."""
    now = now or timezone.now()
    if not task_store_is_the_database():
        due = list(deliveries_overdue(now=now, by=datetime.timedelta(0)).values_list("pk", flat=True)[:RESUBMIT_BATCH])
        for delivery_id in due:
            send_email.enqueue(delivery_id=delivery_id)
        return len(due)
    tasks = DBTaskResult.objects.filter(task_path=_send_email_path())
    tasks.filter(status=TaskResultStatus.RUNNING, started_at__lte=now - LOST_TASK_AFTER).update(
        status=TaskResultStatus.FAILED, finished_at=now, exception_class_path="worker lost", traceback=""
    )
    waiting = {
        args_kwargs.get("kwargs", {}).get("delivery_id")
        for args_kwargs in tasks.filter(status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING]).values_list(
            "args_kwargs", flat=True
        )
    }
    lost = [
        delivery_id
        for delivery_id in deliveries_overdue(now=now, by=RESUBMIT_AFTER).values_list("pk", flat=True)[:RESUBMIT_BATCH]
        if delivery_id not in waiting
    ]
    for delivery_id in lost:
        send_email.enqueue(delivery_id=delivery_id)
    return len(lost)


def background_records_purge(*, now: datetime.datetime | None = None) -> int:
    """Delete finished task rows and old heartbeats, and wipe the kept message of emails given
    up on, after their retention periods (TASK_RETENTION_DAYS, EMAIL_MESSAGE_RETENTION_DAYS)."""
    now = now or timezone.now()
    tasks_deleted, _by_model = DBTaskResult.objects.filter(
        Q(status=TaskResultStatus.SUCCESSFUL) | Q(status=TaskResultStatus.FAILED),
        finished_at__lte=now - datetime.timedelta(days=settings.TASK_RETENTION_DAYS),
    ).delete()
    messages_wiped = delivery_messages_expire(
        now=now, older_than=datetime.timedelta(days=settings.EMAIL_MESSAGE_RETENTION_DAYS)
    )
    beats_deleted, _by_model = Heartbeat.objects.filter(beat_at__lte=now - datetime.timedelta(days=7)).delete()
    return tasks_deleted + messages_wiped + beats_deleted


def email_deliveries_retry_now(*, now: datetime.datetime | None = None) -> int:
    """Try every email waiting for a retry now rather than at its next scheduled attempt (for
    an operator who has just fixed the mail server). Returns how many were brought forward."""
    now = now or timezone.now()
    count = deliveries_retry_now(now=now)
    if task_store_is_the_database():
        DBTaskResult.objects.filter(
            task_path=_send_email_path(), status=TaskResultStatus.READY, run_after__gt=now
        ).exclude(run_after=get_date_max()).update(run_after=now)
    else:
        email_deliveries_resubmit(now=now)
    return count
