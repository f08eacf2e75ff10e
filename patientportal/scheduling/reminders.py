"""Appointment reminders: when each is due, and sending each exactly once.

A clinic sets 0 to 3 reminder times in hours before a visit (`Clinic.appointment_reminder_hours`,
48 and 2 by default). The periodic runner's job `appointment_reminders_send` (every minute)
deals with every reminder that is due:

- **Due** when the visit starts within its hours (real elapsed time: across a change of the
  clocks "48 hours before" is 48 hours before, as a calendar alarm counts it).
- **Still useful** while at least half its lead time remains (the 48-hour reminder up to 24
  hours before, the 2-hour one up to 1 hour before). After an outage the runner catches up on
  those; one that is too late is not sent (the next one, closer to the visit, will be).
- **One at a time**: when several of a visit's reminders are due together (an outage, or times
  close together), only the one closest to the visit is sent; the others are recorded as
  superseded.
- **Not twice for what an email already said**: reminders already due when a visit is booked or
  moved are recorded as covered (`reminders_cover`), as the booking or change email gave the time.
- **Only for visits still expected** (scheduled or confirmed) and still ahead.

Exactly once: each reminder dealt with is a row of `AppointmentReminder`, unique on (appointment,
hours, start time), written in the transaction that queues its emails, under the appointment's
row lock. A second runner (or one restarted after a crash) waits for the lock, then finds the row
and sends nothing; if the transaction does not commit, neither the row nor the emails exist and
the next round tries again. A visit moved to another time gets its reminders again.
"""

import datetime
from collections import defaultdict

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from patientportal.audit import services as audit
from patientportal.clinics.models import Clinic
from patientportal.scheduling.choices import REMINDED_STATUSES, ReminderOutcome
from patientportal.scheduling.emails import AppointmentEmail, appointment_email_send, appointment_recipients
from patientportal.scheduling.models import Appointment, AppointmentReminder

# At most this many appointments a round (the most urgent first); the rest wait a minute.
REMINDER_BATCH = 500


def lead_time(hours: int) -> datetime.timedelta:
    return datetime.timedelta(hours=hours)


def is_due(*, starts_at: datetime.datetime, hours: int, now: datetime.datetime) -> bool:
    """Due (the visit is at most `hours` away) and still useful (at least half of that remains)."""
    return lead_time(hours) / 2 <= starts_at - now <= lead_time(hours)


def _clinics_by_hours() -> dict[int, list[int]]:
    """Each reminder time in use, with the clinics that use it."""
    by_hours: dict[int, list[int]] = defaultdict(list)
    for clinic_id, hours_list in Clinic.objects.values_list("pk", "appointment_reminder_hours"):
        for hours in hours_list or []:
            by_hours[int(hours)].append(clinic_id)
    return by_hours


def appointments_with_due_reminders(*, now: datetime.datetime) -> list[int]:
    """The appointments with a reminder due and not yet dealt with, soonest visit first: per
    reminder time, one range of the (clinic, starts_at) index, less those with a row."""
    found: dict[int, datetime.datetime] = {}
    for hours, clinic_ids in _clinics_by_hours().items():
        lead = lead_time(hours)
        dealt_with = AppointmentReminder.objects.filter(
            appointment=OuterRef("pk"), hours_before=hours, starts_at=OuterRef("starts_at")
        )
        rows = (
            Appointment.objects.filter(
                clinic_id__in=clinic_ids,
                status__in=REMINDED_STATUSES,
                starts_at__gte=now + lead / 2,
                starts_at__lte=now + lead,
            )
            .exclude(Exists(dealt_with))
            .order_by("starts_at")
            .values_list("pk", "starts_at")[:REMINDER_BATCH]
        )
        found.update(rows)
    return sorted(found, key=lambda pk: (found[pk], pk))[:REMINDER_BATCH]


def appointment_reminders_send(*, now: datetime.datetime | None = None) -> int:
    """The periodic job: deal with every due reminder (sent, superseded, or nobody to tell).
    Returns how many emails were queued. Safe to run by several runners at once."""
    now = now or timezone.now()
    return sum(appointment_remind(appointment_id=pk, now=now) for pk in appointments_with_due_reminders(now=now))


def appointment_remind(*, appointment_id: int, now: datetime.datetime) -> int:
    """Deal with the due reminders of one appointment, once: under its row lock, those not yet
    recorded are recorded and the closest to the visit is emailed, in one transaction.
    Returns how many emails were queued."""
    try:
        with transaction.atomic():
            appointment = (
                Appointment.objects.select_for_update(of=("self",))
                .select_related("clinic", "patient", "provider", "appointment_type", "location")
                .filter(pk=appointment_id, status__in=REMINDED_STATUSES)
                .first()
            )
            if appointment is None:
                return 0
            appointment.patient.clinic = appointment.clinic
            due = _not_yet_recorded(appointment, now=now)
            if not due:
                return 0
            return _remind(appointment, due=due, now=now)
    except IntegrityError:  # recorded by another runner that did not take the lock first: nothing to do
        return 0


def _not_yet_recorded(appointment: Appointment, *, now: datetime.datetime) -> list[int]:
    starts_at = appointment.starts_at
    due = [hours for hours in appointment.clinic.reminder_hours if is_due(starts_at=starts_at, hours=hours, now=now)]
    recorded = set(
        AppointmentReminder.objects.filter(
            appointment=appointment, starts_at=appointment.starts_at, hours_before__in=due
        ).values_list("hours_before", flat=True)
    )
    return [hours for hours in due if hours not in recorded]


def _remind(appointment: Appointment, *, due: list[int], now: datetime.datetime) -> int:
    closest = min(due)
    recipients = appointment_recipients(patient=appointment.patient, reminder=True)
    AppointmentReminder.objects.bulk_create(
        [
            _row(
                appointment,
                hours=hours,
                outcome=(ReminderOutcome.SENT if recipients else ReminderOutcome.NOBODY)
                if hours == closest
                else ReminderOutcome.SUPERSEDED,
                emails=len(recipients) if hours == closest else 0,
            )
            for hours in due
        ]
    )
    emails = appointment_email_send(appointment=appointment, kind=AppointmentEmail.REMINDER, recipients=recipients)
    audit.record(
        action="scheduling.appointment.reminder_sent" if emails else "scheduling.appointment.reminder_not_sent",
        clinic=appointment.clinic,
        patient=appointment.patient,
        obj=appointment,
        metadata={"hours_before": closest, "emails": emails, "superseded": sorted(set(due) - {closest})},
    )
    return emails


def _row(appointment: Appointment, *, hours: int, outcome: str, emails: int = 0) -> AppointmentReminder:
    return AppointmentReminder(
        clinic_id=appointment.clinic_id,
        patient_id=appointment.patient_id,
        appointment=appointment,
        hours_before=hours,
        starts_at=appointment.starts_at,
        due_at=appointment.starts_at - lead_time(hours),
        outcome=outcome,
        emails=emails,
    )


def reminders_cover(*, appointment: Appointment, now: datetime.datetime) -> None:
    """Record as covered the reminders of the appointment's (new) time that are due already: the
    booking or change email that is going out says the time. Call in the booking's transaction."""
    if appointment.starts_at <= now:
        return
    AppointmentReminder.objects.bulk_create(
        [
            _row(appointment, hours=hours, outcome=ReminderOutcome.COVERED)
            for hours in appointment.clinic.reminder_hours
            if appointment.starts_at - lead_time(hours) <= now
        ],
        ignore_conflicts=True,
    )
