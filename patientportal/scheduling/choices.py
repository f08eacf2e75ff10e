from django.db import models
from django.utils.translation import gettext_lazy as _


class AppointmentStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    CONFIRMED = "confirmed", _("Confirmed")
    CHECKED_IN = "checked_in", _("Checked in")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    NO_SHOW = "no_show", _("No-show")


S = AppointmentStatus
# The moves an appointment's status can make. Cancelled, completed and
# no-show are final: a mistake is corrected by booking again.
APPOINTMENT_TRANSITIONS: dict[str, frozenset[str]] = {
    S.SCHEDULED: frozenset({S.CONFIRMED, S.CHECKED_IN, S.CANCELLED, S.NO_SHOW}),
    S.CONFIRMED: frozenset({S.SCHEDULED, S.CHECKED_IN, S.CANCELLED, S.NO_SHOW}),
    S.CHECKED_IN: frozenset({S.COMPLETED, S.NO_SHOW}),
    S.COMPLETED: frozenset(),
    S.CANCELLED: frozenset(),
    S.NO_SHOW: frozenset(),
}

# Appointments in these states no longer take the provider's time.
FREEING_STATUSES = frozenset({S.CANCELLED, S.NO_SHOW})
# Upcoming means: starts in the future and none of these.
NOT_UPCOMING_STATUSES = frozenset({S.CANCELLED, S.NO_SHOW, S.COMPLETED})
# Over, whatever the clock says: shown under Past even when the start time is still ahead.
FINISHED_STATUSES = frozenset({S.NO_SHOW, S.COMPLETED})


class CancelledBy(models.TextChoices):
    """Who cancelled an appointment: the clinic (staff) or the patient in the portal. Empty while
    the appointment is not cancelled."""

    CLINIC = "clinic", _("The clinic")
    PATIENT = "patient", _("The patient")


# Reminders (and booking and change emails) go only for visits still expected: not for
# cancelled ones, no-shows, or a patient already checked in.
REMINDED_STATUSES = frozenset({S.SCHEDULED, S.CONFIRMED})


class ReminderOutcome(models.TextChoices):
    """What became of one reminder of one appointment (scheduling.reminders)."""

    SENT = "sent", _("Sent")
    # Due already when the visit was booked or moved: the email about that gave the time.
    COVERED = "covered", _("Covered by the booking or change email")
    # Due together with a later one (after an outage): only the one closest to the visit went.
    SUPERSEDED = "superseded", _("Replaced by a later reminder")
    # Nobody to tell: no email address, or everyone turned reminders off.
    NOBODY = "nobody", _("No one to send it to")


class AppointmentRequestStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the clinic")
    BOOKED = "booked", _("Booked")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")


R = AppointmentRequestStatus
# A request waits for the clinic, which books or declines it; the patient may withdraw it while it
# waits. All three answers are final: a new wish is a new request.
APPOINTMENT_REQUEST_TRANSITIONS: dict[str, frozenset[str]] = {
    R.PENDING: frozenset({R.BOOKED, R.DECLINED, R.WITHDRAWN}),
    R.BOOKED: frozenset(),
    R.DECLINED: frozenset(),
    R.WITHDRAWN: frozenset(),
}

REQUEST_BADGES: dict[str, str] = {
    R.PENDING: "info",
    R.BOOKED: "success",
    R.DECLINED: "danger",
    R.WITHDRAWN: "neutral",
}


class DayPart(models.TextChoices):
    """A preferred time of day, in the clinic's time zone (the hours are said on the form)."""

    MORNING = "morning", _("Morning (8 AM – 12 PM)")
    AFTERNOON = "afternoon", _("Afternoon (12 – 5 PM)")
    EVENING = "evening", _("Evening (5 – 8 PM)")


STATUS_BADGES: dict[str, str] = {
    S.SCHEDULED: "info",
    S.CONFIRMED: "success",
    S.CHECKED_IN: "success",
    S.COMPLETED: "neutral",
    S.CANCELLED: "danger",
    S.NO_SHOW: "warning",
}

# Calendar colours for appointment types: each is dark enough for white text
# (contrast at least 4.5:1), so a label on it stays readable.
TYPE_COLOURS = [
    ("#0b5cad", _("Blue")),
    ("#1d6b3a", _("Green")),
    ("#7a3e9d", _("Purple")),
    ("#a3261e", _("Red")),
    ("#8a4b00", _("Brown")),
    ("#0f6e6e", _("Teal")),
    ("#4a5565", _("Slate")),
]
