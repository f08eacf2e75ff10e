"""The front desk's side of the schedule: moving a visit along from the day's list (check in,
no-show, complete, through the appointment machine), the free times between a provider's
appointments, and a provider's week in the clinic's time zone."""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from django.db import transaction
from django.utils import dateformat, timezone
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from patientportal.accounts.models import User
from patientportal.audit import services as audit
from patientportal.clinics.models import Clinic
from patientportal.scheduling.choices import APPOINTMENT_TRANSITIONS, FREEING_STATUSES, AppointmentStatus
from patientportal.scheduling.clock import local_to_aware
from patientportal.scheduling.errors import SchedulingError
from patientportal.scheduling.models import Appointment, Provider
from patientportal.scheduling.selectors import day_bounds
from patientportal.scheduling.services import appointment_set_status
from patientportal.scheduling.slots import Stretch


class DeskMove(StrEnum):
    """What the front desk does with a visit from the schedule, each a move of the machine."""

    # In the order of the buttons: what usually comes next first.
    CHECK_IN = "check_in"
    COMPLETE = "complete"
    NO_SHOW = "no_show"

    @property
    def status(self) -> AppointmentStatus:
        return DESK_MOVE_STATUS[self]

    @property
    def label(self) -> StrOrPromise:
        return DESK_MOVE_LABELS[self]


DESK_MOVE_STATUS = {
    DeskMove.CHECK_IN: AppointmentStatus.CHECKED_IN,
    DeskMove.NO_SHOW: AppointmentStatus.NO_SHOW,
    DeskMove.COMPLETE: AppointmentStatus.COMPLETED,
}
DESK_MOVE_LABELS = {
    DeskMove.CHECK_IN: _("Check in"),
    DeskMove.NO_SHOW: _("No-show"),
    DeskMove.COMPLETE: _("Complete"),
}


def local_day(moment: datetime.datetime, clinic: Clinic) -> datetime.date:
    return timezone.localtime(moment, clinic.zone).date()


def clock(moment: datetime.datetime, clinic: Clinic) -> str:
    """ "9:00 AM EST": the clinic's time with the zone's abbreviation, taken from the time itself
    (Django's "T" leaves it out in the hour the clocks go back)."""
    local = timezone.localtime(moment, clinic.zone)
    return f"{dateformat.format(local, 'g:i A')} {local.tzname()}"


def _refusal(
    appointment: Appointment, move: DeskMove, *, clinic: Clinic, now: datetime.datetime
) -> SchedulingError | None:
    """Why the desk may not make this move now, or None. The machine's table first; then the
    clock: nobody is checked in for a visit of a later day, nor a no-show before the visit's time."""
    if move.status not in APPOINTMENT_TRANSITIONS[appointment.status]:
        return SchedulingError(
            "invalid_transition",
            current=appointment.get_status_display().lower(),
            wanted=AppointmentStatus(move.status).label.lower(),
        )
    if move == DeskMove.CHECK_IN and local_day(now, clinic) < local_day(appointment.starts_at, clinic):
        day = dateformat.format(timezone.localtime(appointment.starts_at, clinic.zone), "l, F j")
        return SchedulingError("check_in_before_the_day", day=day)
    if move == DeskMove.NO_SHOW and now < appointment.starts_at:
        return SchedulingError("no_show_before_the_time", time=clock(appointment.starts_at, clinic))
    return None


def desk_moves(appointment: Appointment, *, clinic: Clinic, now: datetime.datetime) -> list[DeskMove]:
    """The moves the schedule offers for this visit of `clinic` now, in the order of a visit's day."""
    return [move for move in DeskMove if _refusal(appointment, move, clinic=clinic, now=now) is None]


@dataclass(frozen=True)
class DeskMoveResult:
    appointment: Appointment
    moved: bool  # False: it was already there (a second click), nothing changed


@transaction.atomic
def appointment_desk_move(*, appointment: Appointment, move: DeskMove, actor: User) -> DeskMoveResult:
    """Check a patient in, mark a no-show or complete a visit from the schedule. The move goes
    through the appointment machine (history row and audit event); asking again for the state
    the visit is already in (a double click, two people at the desk) changes nothing."""
    locked = Appointment.objects.select_for_update().get(pk=appointment.pk)
    locked.clinic = appointment.clinic
    if locked.status == move.status:
        return DeskMoveResult(appointment=locked, moved=False)
    refusal = _refusal(locked, move, clinic=locked.clinic, now=timezone.now())
    if refusal is not None:
        raise refusal
    moved = appointment_set_status(appointment=locked, to=move.status, actor=actor)
    return DeskMoveResult(appointment=moved, moved=True)


# Without working hours (scheduling.slots), a provider's day on the schedule runs from 8 AM to 6 PM of the
# clinic's clock, widened by any appointment outside it; shorter gaps are not offered.
DESK_DAY_STARTS = datetime.time(8, 0)
DESK_DAY_ENDS = datetime.time(18, 0)
SHORTEST_OPEN_TIME = datetime.timedelta(minutes=15)
# Open times start on a 5-minute mark (the booking form's step).
SLOT_STEP_MINUTES = 5


@dataclass(frozen=True)
class OpenTime:
    """A stretch of a provider's day with no appointment taking their time."""

    starts_at: datetime.datetime
    ends_at: datetime.datetime
    location_id: int | None  # where the provider is next to it, to book there


def _next_mark(moment: datetime.datetime) -> datetime.datetime:
    """`moment` if it is on a 5-minute mark of the clock, else the next mark."""
    whole = moment.replace(second=0, microsecond=0)
    if whole < moment:
        whole += datetime.timedelta(minutes=1)
    return whole + datetime.timedelta(minutes=-whole.minute % SLOT_STEP_MINUTES)


def open_times(
    *,
    clinic: Clinic,
    day: datetime.date,
    appointments: Sequence[Appointment],
    now: datetime.datetime,
    stretches: Sequence[Stretch] | None = None,
) -> list[OpenTime]:
    """The free times of one provider's day between `appointments` (that provider's, that day's),
    from now on: a past day has none. Cancelled visits and no-shows free their time. The day is the
    provider's working stretches (`stretches`, scheduling.slots) when they have working hours, else
    8 AM to 6 PM widened by any appointment outside it."""
    busy = sorted(
        (appointment for appointment in appointments if appointment.status not in FREEING_STATUSES),
        key=lambda appointment: appointment.starts_at,
    )
    if stretches is not None:
        found: list[OpenTime] = []
        for stretch in stretches:
            inside = [item for item in busy if item.starts_at < stretch.ends_at and item.ends_at > stretch.starts_at]
            found.extend(_gaps(stretch.starts_at, stretch.ends_at, inside, now=now, location_id=stretch.location_id))
        return found
    start = local_to_aware(day, DESK_DAY_STARTS, clinic.zone)
    end = local_to_aware(day, DESK_DAY_ENDS, clinic.zone)
    if busy:
        start, end = min(start, busy[0].starts_at), max(end, max(item.ends_at for item in busy))
    return _gaps(start, end, busy, now=now, location_id=None)


def _gaps(
    start: datetime.datetime,
    end: datetime.datetime,
    busy: Sequence[Appointment],
    *,
    now: datetime.datetime,
    location_id: int | None,
) -> list[OpenTime]:
    """The gaps of at least SHORTEST_OPEN_TIME between `busy` (sorted) from `start` to `end`, from
    now on; each at `location_id` if given, else where the provider is next to it."""
    cursor = _next_mark(max(start, now))
    found: list[OpenTime] = []
    previous_location: int | None = None
    for appointment in busy:
        if min(appointment.starts_at, end) - cursor >= SHORTEST_OPEN_TIME:
            location = previous_location if previous_location is not None else appointment.location_id
            found.append(
                OpenTime(starts_at=cursor, ends_at=min(appointment.starts_at, end), location_id=location_id or location)
            )
        cursor = max(cursor, _next_mark(appointment.ends_at))
        previous_location = appointment.location_id
    if end - cursor >= SHORTEST_OPEN_TIME:
        found.append(OpenTime(starts_at=cursor, ends_at=end, location_id=location_id or previous_location))
    return found


def week_of(day: datetime.date) -> datetime.date:
    """The Monday of the week `day` is in."""
    return day - datetime.timedelta(days=day.weekday())


@dataclass(frozen=True)
class WeekDay:
    day: datetime.date
    appointments: list[Appointment]


def provider_week(*, clinic: Clinic, provider: Provider, monday: datetime.date) -> list[WeekDay]:
    """The provider's appointments from Monday to Sunday, each under its day of the clinic's clock
    (a week with a change of the clocks is 167 or 169 hours): one query."""
    start, _end = day_bounds(clinic=clinic, day=monday)
    _start, end = day_bounds(clinic=clinic, day=monday + datetime.timedelta(days=6))
    appointments = list(
        Appointment.objects.for_clinic(clinic)
        .filter(provider=provider, starts_at__gte=start, starts_at__lt=end)
        .with_related()
        .select_related("patient")
        .order_by("starts_at", "id")
    )
    days = [WeekDay(day=monday + datetime.timedelta(days=offset), appointments=[]) for offset in range(7)]
    for appointment in appointments:
        appointment.clinic = clinic
        days[(local_day(appointment.starts_at, clinic) - monday).days].appointments.append(appointment)
    return days


def schedule_week_viewed(
    *, clinic: Clinic, provider: Provider, monday: datetime.date, days: Sequence[WeekDay], actor: User
) -> None:
    """Staff saw a provider's week (who comes, for what): one event naming the patients and
    appointments on it, as for the day's schedule."""
    appointments = [appointment for week_day in days for appointment in week_day.appointments]
    audit.record(
        action="scheduling.schedule.week_viewed",
        actor=actor,
        clinic=clinic,
        obj=provider,
        metadata={
            "week_of": monday.isoformat(),
            "appointment_ids": [appointment.pk for appointment in appointments],
            "patient_ids": sorted({appointment.patient_id for appointment in appointments}),
        },
    )
