"""Audit events at chosen times, as `audit.record` writes them (the time is the one thing a
test cannot choose through the application: `occurred_at` is set when the event is added)."""

import datetime
from unittest import mock

from django.utils import timezone

from patientportal.audit.models import AuditEvent


def add_events(
    *,
    count: int,
    actor,
    patient=None,
    clinic=None,
    action: str = "patients.patient.viewed",
    metadata: dict | None = None,
    newest: datetime.datetime | None = None,
    apart: datetime.timedelta = datetime.timedelta(minutes=1),
    obj=None,
) -> list[AuditEvent]:
    """`count` events, the newest at `newest` (default: a minute ago), each `apart` before the next."""
    clinic = clinic if clinic is not None else patient.clinic
    newest = newest or timezone.now() - datetime.timedelta(minutes=1)
    times = iter([newest - apart * n for n in range(count)])
    with mock.patch("django.utils.timezone.now", side_effect=lambda: next(times)):
        return AuditEvent.objects.bulk_create(
            [
                AuditEvent(
                    actor=actor,
                    actor_email=getattr(actor, "email", ""),
                    clinic=clinic,
                    patient=patient,
                    action=action,
                    object_type=obj._meta.label_lower if obj is not None else "patients.patient" if patient else "",
                    object_id=str(obj.pk if obj is not None else patient.pk if patient else ""),
                    metadata=metadata if metadata is not None else {"page": "overview"},
                )
                for _ in range(count)
            ],
            batch_size=1000,
        )
