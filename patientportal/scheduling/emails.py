"""Emails to the patient about an appointment: booked, changed (saying what changed),
cancelled (by the clinic, or confirming the patient's own cancellation), reminders, and a declined
appointment request. Each goes to the record's own address and to every
account that can use the record in the portal (a parent for a child), one email each, with the
appointment's .ics attached, through the email deliveries (`core.emails`, queued in the
caller's transaction, retried). They say what a visit needs — type, time in the clinic's
time zone (named), provider, location — and the clinic's contact; never the clinic's notes,
which stay in the portal."""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from django.conf import settings
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.translation import gettext as _

from patientportal.accounts.emails import normalize_email
from patientportal.accounts.models import User
from patientportal.clinics.models import Clinic
from patientportal.core.deliveries import Attachment
from patientportal.core.emails import queue_templated_email
from patientportal.patients.links import record_link_query
from patientportal.patients.models import Patient
from patientportal.patients.selectors import portal_users_for_patient
from patientportal.scheduling.calendar import alarm_before, appointment_ics
from patientportal.scheduling.models import Appointment, AppointmentRequest, Location, ReminderPreference
from patientportal.scheduling.windows import windows_from_json


class AppointmentEmail(StrEnum):
    BOOKED = "booked"
    CHANGED = "changed"
    CANCELLED = "cancelled"
    REMINDER = "reminder"

    @property
    def template_prefix(self) -> str:
        return f"scheduling/email/appointment_{self.value}"


# What the patient is told changed, by the fields that make it; other fields (notes) send nothing.
CHANGE_LABELS = {
    "time": ("starts_at", "duration_minutes"),
    "provider": ("provider",),
    "location": ("location",),
    "type": ("appointment_type",),
}
NOTIFIED_FIELDS = frozenset(name for names in CHANGE_LABELS.values() for name in names)


@dataclass(frozen=True)
class Recipient:
    email: str
    user: User | None  # an account that can use the record; None for the record's own address


@dataclass(frozen=True)
class Change:
    what: str
    before: str
    after: str


@dataclass(frozen=True)
class Snapshot:
    """What the patient was told about a visit, kept to say what changed."""

    starts_at: datetime.datetime
    duration_minutes: int
    provider: str
    location: str
    type_name: str


def appointment_recipients(*, patient: Patient, reminder: bool) -> list[Recipient]:
    """Who is told: every account that can use the record now, then the record's own address if
    no such account has it. For a reminder, the accounts that turned reminders off for this
    record are left out, and so is the record's address when it is one of theirs."""
    users = portal_users_for_patient(patient=patient)
    off = (
        set(ReminderPreference.objects.for_patient(patient).filter(reminders=False).values_list("user_id", flat=True))
        if reminder and users
        else set()
    )
    seen: set[str] = set()
    recipients = []
    for user in users:
        address = normalize_email(user.email)
        if address in seen:
            continue
        seen.add(address)
        if user.pk not in off:
            recipients.append(Recipient(email=user.email, user=user))
    if patient.email and normalize_email(patient.email) not in seen:
        recipients.append(Recipient(email=patient.email, user=None))
    return recipients


def local_when(moment: datetime.datetime, clinic: Clinic) -> str:
    """ "Tuesday, March 4, 2030 at 9:00 AM EST (America/New_York)": the clinic's time, named."""
    local = timezone.localtime(moment, clinic.zone)
    return _("%(day)s at %(time)s (%(zone)s)") % {
        "day": dateformat.format(local, "l, F j, Y"),
        "time": _clock(local),
        "zone": clinic.time_zone,
    }


def short_when(moment: datetime.datetime, clinic: Clinic) -> str:
    """ "Tue, Mar 4, 9:00 AM EST", for subject lines."""
    local = timezone.localtime(moment, clinic.zone)
    return f"{dateformat.format(local, 'D, M j')}, {_clock(local)}"


def _clock(local: datetime.datetime) -> str:
    # The zone's abbreviation from the datetime itself: Django's "T" leaves it out in the hour the
    # clocks go back, the one hour where "1:30 AM EDT" and "1:30 AM EST" must be told apart.
    return f"{dateformat.format(local, 'g:i A')} {local.tzname()}"


def _place(location: Location | None) -> str:
    if location is None:
        return _("not given")
    return f"{location.name}, {location.address}" if location.address else location.name


def _time_text(starts_at: datetime.datetime, minutes: int, clinic: Clinic) -> str:
    return _("%(when)s, %(minutes)s minutes") % {"when": local_when(starts_at, clinic), "minutes": minutes}


def snapshot(appointment: Appointment) -> Snapshot:
    return Snapshot(
        starts_at=appointment.starts_at,
        duration_minutes=appointment.duration_minutes,
        provider=appointment.provider.display_name,
        location=_place(appointment.location),
        type_name=appointment.appointment_type.name,
    )


def changes_between(before: Snapshot, after: Appointment) -> list[Change]:
    """What the patient sees changed, in the order time, provider, location, type."""
    clinic = after.clinic
    now = snapshot(after)
    found = []
    if (before.starts_at, before.duration_minutes) != (now.starts_at, now.duration_minutes):
        found.append(
            Change(
                _("Time"),
                _time_text(before.starts_at, before.duration_minutes, clinic),
                _time_text(now.starts_at, now.duration_minutes, clinic),
            )
        )
    for what, old, new in (
        (_("Provider"), before.provider, now.provider),
        (_("Location"), before.location, now.location),
        (_("Appointment type"), before.type_name, now.type_name),
    ):
        if old != new:
            found.append(Change(what, old, new))
    return found


def calendar_file(appointment: Appointment) -> Attachment:
    clinic = appointment.clinic
    day = timezone.localtime(appointment.starts_at, clinic.zone).strftime("%Y-%m-%d")
    content = appointment_ics(
        appointment,
        clinic_name=clinic.name,
        alarm=alarm_before(clinic.reminder_hours),
        with_notes=False,
        url=settings.SITE_URL + reverse("portal:appointments"),
    )
    return Attachment(filename=f"appointment-{day}.ics", content=content, mimetype="text/calendar")


def appointment_email_send(
    *,
    appointment: Appointment,
    kind: AppointmentEmail,
    recipients: Sequence[Recipient] | None = None,
    changes: Sequence[Change] = (),
) -> int:
    """Queue one email of `kind` to each recipient (by default everyone who is told of a booking,
    change or cancellation) in the caller's transaction. Returns how many were queued."""
    patient = appointment.patient
    if recipients is None:
        recipients = appointment_recipients(patient=patient, reminder=False)
    if not recipients:
        return 0
    clinic = appointment.clinic
    attachment = calendar_file(appointment)
    portal_url = settings.SITE_URL + reverse("portal:appointments") + record_link_query(patient.pk)
    context = {
        "clinic": clinic,
        "patient": patient,
        "appointment": appointment,
        "when": local_when(appointment.starts_at, clinic),
        "when_short": short_when(appointment.starts_at, clinic),
        "place": _place(appointment.location) if appointment.location else "",
        "changes": list(changes),
    }
    for recipient in recipients:
        queue_templated_email(
            template_prefix=kind.template_prefix,
            to=recipient.email,
            about=appointment,
            # Only an account can follow a link into the portal (and turn reminders off there).
            context={**context, "url": portal_url if recipient.user else ""},
            attachments=[attachment],
        )
    return len(recipients)


def request_declined_email_send(*, appointment_request: AppointmentRequest) -> int:
    """Tell everyone who is told of the record's visits that the clinic declined a request, with
    the clinic's message and contact (no calendar file: nothing was booked). Returns how many were queued."""
    patient = appointment_request.patient
    clinic = appointment_request.clinic
    recipients = appointment_recipients(patient=patient, reminder=False)
    portal_url = settings.SITE_URL + reverse("portal:appointments") + record_link_query(patient.pk)
    context = {
        "clinic": clinic,
        "patient": patient,
        "appointment_request": appointment_request,
        "windows": windows_from_json(appointment_request.windows),
        "reschedule_when": (
            local_when(appointment_request.reschedule_of.starts_at, clinic) if appointment_request.reschedule_of else ""
        ),
    }
    for recipient in recipients:
        queue_templated_email(
            template_prefix="scheduling/email/appointment_request_declined",
            to=recipient.email,
            about=appointment_request,
            context={**context, "url": portal_url if recipient.user else ""},
        )
    return len(recipients)
