"""The clinic's appointment policy as patients meet it in the portal: until when a visit can be
cancelled online, and what an appointment request may ask for.

The cancellation window is counted in elapsed hours (UTC arithmetic), as reminders are: for a
9:00 AM visit on the day the clocks go forward, "24 hours before" is 8:00 AM the day before, not
9:00 AM (and 10:00 AM when they go back). The page names the deadline in the clinic's time zone,
so nobody has to work it out. Cancelling exactly at the deadline is still allowed ("up to 24 hours before")."""

import datetime

from patientportal.clinics.models import Clinic
from patientportal.scheduling.choices import REMINDED_STATUSES
from patientportal.scheduling.models import Appointment

# A request names two or three preferred times, from tomorrow to this many days ahead.
MIN_WINDOWS = 2
MAX_WINDOWS = 3
REQUEST_DAYS_AHEAD = 90
REASON_MAX_LENGTH = 300
# How many requests one record may have waiting for the clinic at once.
MAX_PENDING_REQUESTS = 3


def cancel_deadline(appointment: Appointment, clinic: Clinic) -> datetime.datetime:
    """The last moment the patient may cancel online (in UTC: arithmetic on a time zone's wall clock
    would count 23 or 25 hours across the clocks changing)."""
    return appointment.starts_at.astimezone(datetime.UTC) - datetime.timedelta(hours=clinic.cancellation_window_hours)


def patient_cancel_refusal(*, appointment: Appointment, clinic: Clinic, now: datetime.datetime) -> str | None:
    """Why the patient may not cancel this visit online (a SchedulingError code), or None if they may.
    Reads only the appointment, its type (select_related) and the clinic: no query."""
    if appointment.status not in REMINDED_STATUSES or appointment.starts_at <= now:
        return "cancel_not_upcoming"
    if not appointment.appointment_type.patients_may_cancel:
        return "cancel_not_online"
    if now > cancel_deadline(appointment, clinic):
        return "cancel_too_late"
    return None


def request_days(*, clinic: Clinic, now: datetime.datetime) -> tuple[datetime.date, datetime.date]:
    """The first and last day a request may name: tomorrow in the clinic's time zone, to
    REQUEST_DAYS_AHEAD days later."""
    today = now.astimezone(clinic.zone).date()
    return today + datetime.timedelta(days=1), today + datetime.timedelta(days=REQUEST_DAYS_AHEAD)
