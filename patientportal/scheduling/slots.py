"""Self-booking: the open times patients may book, and booking one.

A provider works the stretches of their week (`WorkingHours`, local times of the clinic's clock)
unless an exception covers the day (`WorkingHoursException`: the day off, or other hours that day).
An open time ("slot") of an appointment type is a start, on the SLOT_STEP marks of a stretch, where
a visit of the type's length fits inside the stretch and clashes with none of the provider's
appointments that take time (cancelled visits and no-shows free theirs), from MIN_NOTICE after now
to the clinic's horizon. Patients see only start times, provider and location: nothing of anybody
else's visits.

Stretches are turned into instants day by day with the zone's rules for that day, so a 9 AM start
is 9 AM on the day the clocks change too; a visit is its length in elapsed time.

Booking a slot checks that it is still offered, then books it through `appointment_book`, which
locks the provider's row and refuses an overlap: of two patients taking one slot, the second is
refused ("slot_taken") whatever the timing."""

import datetime
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from patientportal.accounts.models import User
from patientportal.clinics.models import Clinic
from patientportal.notifications.choices import NotificationKind
from patientportal.patients.models import Patient
from patientportal.scheduling.choices import FREEING_STATUSES
from patientportal.scheduling.clock import NonexistentLocalTime, local_to_aware
from patientportal.scheduling.errors import SchedulingError
from patientportal.scheduling.models import (
    MAX_DURATION,
    Appointment,
    AppointmentType,
    Location,
    Provider,
    WorkingHours,
    WorkingHoursException,
)
from patientportal.scheduling.services import appointment_book, appointment_notify_staff

# The first open time is at least this far ahead: the clinic gets time to see who comes.
MIN_NOTICE = datetime.timedelta(hours=2)
# Open times start every quarter hour of a stretch (9:00, 9:15, …), whatever the visit's length.
SLOT_STEP = datetime.timedelta(minutes=15)
DAYS_A_WEEK = 7


@dataclass(frozen=True)
class Stretch:
    """A time a provider works, as instants, and where."""

    starts_at: datetime.datetime
    ends_at: datetime.datetime
    location_id: int | None


@dataclass(frozen=True)
class Slot:
    starts_at: datetime.datetime
    provider: Provider
    location: Location | None

    @property
    def location_id(self) -> int | None:
        return self.location.pk if self.location else None

    @property
    def key(self) -> str:
        """The slot in a form: provider, location (0: none) and the start as a Unix time."""
        return f"{self.provider.pk}.{self.location_id or 0}.{int(self.starts_at.timestamp())}"


def _instant(day: datetime.date, time: datetime.time, zone: zoneinfo.ZoneInfo) -> datetime.datetime:
    """`day time` on the clinic's clock, in UTC: Python adds and compares datetimes of one zone on
    the wall clock, so a step across the clocks changing would be an hour off. A time the clocks
    skip is read with the offset before the change (2:30 AM on a spring-forward day is 3:30 AM)."""
    try:
        return local_to_aware(day, time, zone).astimezone(datetime.UTC)
    except NonexistentLocalTime:
        return datetime.datetime.combine(day, time, tzinfo=zone).astimezone(datetime.UTC)


def stretches_of_day(
    *,
    day: datetime.date,
    weekly: Iterable[WorkingHours],
    exceptions: Iterable[WorkingHoursException],
    zone: zoneinfo.ZoneInfo,
) -> list[Stretch]:
    """One provider's working stretches on `day`: the exceptions covering the day if any (a day off
    among them wins), else the week's stretches of that weekday. No query."""
    covering = [item for item in exceptions if item.first_day <= day <= item.last_day]
    if covering:
        if any(item.is_day_off for item in covering):
            return []
        times = [(item.starts, item.ends, item.location_id) for item in covering]
    else:
        times = [(item.starts, item.ends, item.location_id) for item in weekly if item.weekday == day.weekday()]
    stretches = []
    for starts, ends, location_id in times:
        assert starts is not None and ends is not None
        stretches.append(Stretch(_instant(day, starts, zone), _instant(day, ends, zone), location_id))
    return sorted(stretches, key=lambda stretch: stretch.starts_at)


def booking_days(*, clinic: Clinic, now: datetime.datetime) -> tuple[datetime.date, datetime.date]:
    """The first and last day patients may book: today in the clinic's time zone, to the last day
    of the clinic's horizon (4 weeks: today and the next 27 days)."""
    today = timezone.localtime(now, clinic.zone).date()
    return today, today + datetime.timedelta(days=DAYS_A_WEEK * clinic.booking_horizon_weeks - 1)


def week_days(*, clinic: Clinic, now: datetime.datetime, week: int) -> list[datetime.date]:
    """The days of page `week` (0 is today and the next six days) of the booking horizon."""
    first, last = booking_days(clinic=clinic, now=now)
    start = first + datetime.timedelta(days=DAYS_A_WEEK * week)
    return [day for offset in range(DAYS_A_WEEK) if (day := start + datetime.timedelta(days=offset)) <= last]


@dataclass
class _Week:
    """What the open times of some providers over some days are made from, by provider id."""

    weekly: dict[int, list[WorkingHours]]
    exceptions: dict[int, list[WorkingHoursException]]
    busy: dict[int, list[tuple[datetime.datetime, datetime.datetime]]]


def _load(*, provider_ids: list[int], days: Sequence[datetime.date], zone: zoneinfo.ZoneInfo) -> _Week:
    """Three queries: the providers' weekly hours, their exceptions over `days`, and the times of
    their appointments that take time over `days` (only the times: nothing about the patients)."""
    week = _Week(defaultdict(list), defaultdict(list), defaultdict(list))
    for hours in WorkingHours.objects.filter(provider_id__in=provider_ids):
        week.weekly[hours.provider_id].append(hours)
    for exception in WorkingHoursException.objects.filter(
        provider_id__in=provider_ids, first_day__lte=days[-1], last_day__gte=days[0]
    ):
        week.exceptions[exception.provider_id].append(exception)
    window_start = _instant(days[0], datetime.time.min, zone)
    window_end = _instant(days[-1] + datetime.timedelta(days=1), datetime.time.min, zone)
    for provider_id, starts_at, ends_at in (
        Appointment.objects.filter(
            provider_id__in=provider_ids,
            starts_at__gt=window_start - datetime.timedelta(minutes=MAX_DURATION),
            starts_at__lt=window_end,
        )
        .exclude(status__in=FREEING_STATUSES)
        .values_list("provider_id", "starts_at", "ends_at")
    ):
        week.busy[provider_id].append((starts_at, ends_at))
    return week


def _starts_in(
    stretch: Stretch,
    *,
    length: datetime.timedelta,
    earliest: datetime.datetime,
    taken: Sequence[tuple[datetime.datetime, datetime.datetime]],
) -> list[datetime.datetime]:
    """The starts on the stretch's marks where a visit of `length` fits, from `earliest`, clear of `taken`."""
    clashes = [(s, e) for s, e in taken if s < stretch.ends_at and e > stretch.starts_at]
    starts = []
    start = stretch.starts_at
    while start + length <= stretch.ends_at:
        end = start + length
        if start >= earliest and not any(s < end and e > start for s, e in clashes):
            starts.append(start)
        start += SLOT_STEP
    return starts


def open_slots(
    *,
    clinic: Clinic,
    appointment_type: AppointmentType,
    providers: Sequence[Provider],
    days: Sequence[datetime.date],
    now: datetime.datetime,
    location: Location | None = None,
    locations: dict[int, Location] | None = None,
) -> list[Slot]:
    """The open times of `appointment_type` with `providers` on `days` (consecutive days; those
    outside the booking horizon are left out), at `location` only if given, earliest first. Three
    queries whatever the number of providers, hours, exceptions and appointments (a fourth for the
    locations unless `locations` gives them by id)."""
    first_day, last_day = booking_days(clinic=clinic, now=now)
    days = [day for day in days if first_day <= day <= last_day]
    if not providers or not days:
        return []
    week = _load(provider_ids=[provider.pk for provider in providers], days=days, zone=clinic.zone)
    if locations is None:
        locations = {item.pk: item for item in Location.objects.for_clinic(clinic)}
    length = datetime.timedelta(minutes=appointment_type.duration_minutes)
    earliest = now + MIN_NOTICE
    found: list[Slot] = []
    for provider in providers:
        for day in days:
            for stretch in stretches_of_day(
                day=day, weekly=week.weekly[provider.pk], exceptions=week.exceptions[provider.pk], zone=clinic.zone
            ):
                if location is not None and stretch.location_id != location.pk:
                    continue
                place = locations.get(stretch.location_id) if stretch.location_id else None
                found.extend(
                    Slot(starts_at=start, provider=provider, location=place)
                    for start in _starts_in(stretch, length=length, earliest=earliest, taken=week.busy[provider.pk])
                )
    found.sort(key=lambda slot: (slot.starts_at, slot.provider.name, slot.provider.pk))
    return found


def provider_stretches(*, clinic: Clinic, provider_id: int, day: datetime.date) -> list[Stretch] | None:
    """The provider's working stretches on `day` for the front desk's open times, or None when the
    provider has no working hours at all (the desk then uses its fixed day). Two queries."""
    weekly = list(WorkingHours.objects.filter(provider_id=provider_id))
    if not weekly:
        return None
    exceptions = WorkingHoursException.objects.filter(provider_id=provider_id, first_day__lte=day, last_day__gte=day)
    return stretches_of_day(day=day, weekly=weekly, exceptions=exceptions, zone=clinic.zone)


def self_booking_open(clinic: Clinic) -> bool:
    return clinic.patients_may_book_online


@transaction.atomic
def appointment_self_book(
    *,
    patient: Patient,
    appointment_type: AppointmentType,
    provider: Provider,
    location: Location | None,
    starts_at: datetime.datetime,
    actor: User,
) -> Appointment:
    """The patient (or an account with the record's appointments) books an open time. It must
    still be one of the open times offered (working hours, notice, horizon, free); then
    `appointment_book` books it under the provider's row lock, which refuses it if another booking
    took the time meanwhile: "slot_taken". Emailed, audited (actor: the account) and told to the
    front desk as any booking from the portal."""
    clinic = patient.clinic
    if not clinic.patients_may_book_online:
        raise SchedulingError("self_booking_closed")
    if (
        appointment_type.clinic_id != clinic.pk
        or provider.clinic_id != clinic.pk
        or not (appointment_type.bookable_online and appointment_type.active and provider.active)
    ):
        raise SchedulingError("self_booking_closed")
    now = timezone.now()
    day = timezone.localtime(starts_at, clinic.zone).date()
    offered = open_slots(
        clinic=clinic,
        appointment_type=appointment_type,
        providers=[provider],
        days=[day],
        now=now,
        location=location,
        locations={location.pk: location} if location else {},
    )
    if not any(
        slot.starts_at == starts_at and slot.location_id == (location.pk if location else None) for slot in offered
    ):
        raise SchedulingError("slot_taken")
    try:
        appointment = appointment_book(
            patient=patient,
            provider=provider,
            appointment_type=appointment_type,
            location=location,
            starts_at=starts_at,
            actor=actor,
            booked_online=True,
        )
    except SchedulingError as error:
        if error.code == "double_booked":
            raise SchedulingError("slot_taken") from None
        raise
    appointment_notify_staff(
        clinic,
        NotificationKind.APPOINTMENT_REQUESTED,
        url=reverse("staff:patient_appointments", args=[clinic.slug, patient.pk]),
        actor=actor,
        starts_at=appointment.starts_at,
        booked=True,
    )
    return appointment
