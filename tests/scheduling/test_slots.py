"""The open times patients may book (scheduling.slots): working hours, exceptions, existing
appointments, the minimum notice and the horizon, in two time zones across the clocks changing."""

import datetime
import zoneinfo

import pytest

from patientportal.scheduling.choices import AppointmentStatus
from patientportal.scheduling.models import WorkingHours, WorkingHoursException
from patientportal.scheduling.slots import booking_days, open_slots, week_days
from tests.factories import AppointmentFactory, AppointmentTypeFactory, ClinicFactory, LocationFactory, ProviderFactory

pytestmark = pytest.mark.django_db

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
MONDAY = datetime.date(2030, 3, 4)  # EST
# The Friday before: every day of the next four weeks is within the horizon.
NOW = datetime.datetime(2030, 3, 1, 12, 0, tzinfo=datetime.UTC)


def local(day: datetime.date, hour: int, minute: int = 0, zone=NEW_YORK) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=zone)


def hours(provider, weekday: int, starts: tuple[int, int], ends: tuple[int, int], location=None) -> WorkingHours:
    return WorkingHours.objects.create(
        clinic=provider.clinic,
        provider=provider,
        weekday=weekday,
        starts=datetime.time(*starts),
        ends=datetime.time(*ends),
        location=location,
    )


@pytest.fixture
def practice():
    """Dr. Ana works Mondays 9–12 and 1–5 at Main Street (lunch off); a visit is 30 minutes."""
    clinic = ClinicFactory(time_zone="America/New_York", patients_may_book_online=True)
    provider = ProviderFactory(clinic=clinic, name="Dr. Ana Ruiz")
    location = LocationFactory(clinic=clinic, name="Main Street")
    hours(provider, 0, (9, 0), (12, 0), location)
    hours(provider, 0, (13, 0), (17, 0), location)
    visit = AppointmentTypeFactory(clinic=clinic, duration_minutes=30, bookable_online=True)
    return clinic, provider, location, visit


def starts(clinic, provider, visit, days, now=NOW, **kwargs) -> list[str]:
    found = open_slots(clinic=clinic, appointment_type=visit, providers=[provider], days=days, now=now, **kwargs)
    return [slot.starts_at.astimezone(clinic.zone).strftime("%a %H:%M %Z") for slot in found]


def quarter_hours(day: str, first: str, last: str) -> list[str]:
    """Every quarter hour from `first` to `last` (HH:MM, both included) on a EST day."""
    moment = datetime.datetime.strptime(first, "%H:%M")
    end = datetime.datetime.strptime(last, "%H:%M")
    found = []
    while moment <= end:
        found.append(f"{day} {moment:%H:%M} EST")
        moment += datetime.timedelta(minutes=15)
    return found


def test_open_times_are_the_quarter_hours_where_a_visit_fits_in_the_working_hours(practice):
    clinic, provider, location, visit = practice
    assert starts(clinic, provider, visit, [MONDAY]) == quarter_hours("Mon", "09:00", "11:30") + quarter_hours(
        "Mon", "13:00", "16:30"
    )
    found = open_slots(clinic=clinic, appointment_type=visit, providers=[provider], days=[MONDAY], now=NOW)
    assert {slot.location for slot in found} == {location} and {slot.provider for slot in found} == {provider}
    # Tuesday: no working hours, no open times; another location: none either.
    assert starts(clinic, provider, visit, [MONDAY + datetime.timedelta(days=1)]) == []
    assert starts(clinic, provider, visit, [MONDAY], location=LocationFactory(clinic=clinic)) == []
    # A longer visit fits fewer times.
    long_visit = AppointmentTypeFactory(clinic=clinic, duration_minutes=90, bookable_online=True)
    assert starts(clinic, provider, long_visit, [MONDAY]) == quarter_hours("Mon", "09:00", "10:30") + quarter_hours(
        "Mon", "13:00", "15:30"
    )


def test_an_exception_takes_the_day_off_or_gives_other_hours(practice):
    clinic, provider, _location, visit = practice
    next_monday = MONDAY + datetime.timedelta(days=7)
    WorkingHoursException.objects.create(clinic=clinic, provider=provider, first_day=MONDAY, last_day=MONDAY)
    WorkingHoursException.objects.create(
        clinic=clinic,
        provider=provider,
        first_day=next_monday,
        last_day=next_monday,
        starts=datetime.time(10),
        ends=datetime.time(11),
    )
    assert starts(clinic, provider, visit, [MONDAY]) == []
    assert starts(clinic, provider, visit, [next_monday]) == ["Mon 10:00 EDT", "Mon 10:15 EDT", "Mon 10:30 EDT"]
    # A day off among the exceptions of a day wins over other hours that day.
    WorkingHoursException.objects.create(
        clinic=clinic, provider=provider, first_day=next_monday - datetime.timedelta(days=3), last_day=next_monday
    )
    assert starts(clinic, provider, visit, [next_monday]) == []


def test_the_providers_appointments_take_their_time_and_cancelled_ones_free_it(practice):
    clinic, provider, _location, visit = practice
    booked = AppointmentFactory(
        patient__clinic=clinic, provider=provider, starts_at=local(MONDAY, 9, 30), duration_minutes=30
    )
    AppointmentFactory(
        patient__clinic=clinic,
        provider=provider,
        starts_at=local(MONDAY, 14, 0),
        duration_minutes=60,
        status=AppointmentStatus.CANCELLED,
    )
    # Another provider's visit changes nothing of Dr. Ana's.
    AppointmentFactory(patient__clinic=clinic, starts_at=local(MONDAY, 13, 0), duration_minutes=60)
    morning = [item for item in starts(clinic, provider, visit, [MONDAY]) if item < "Mon 12"]
    assert morning == ["Mon 09:00 EST", *quarter_hours("Mon", "10:00", "11:30")]
    assert len(starts(clinic, provider, visit, [MONDAY])) == len(morning) + 15
    # A visit that began the evening before and runs into the day takes its time too.
    booked.starts_at, booked.duration_minutes = local(MONDAY, 8, 0), 120
    booked.ends_at = local(MONDAY, 10, 0)
    booked.save()
    assert starts(clinic, provider, visit, [MONDAY])[0] == "Mon 10:00 EST"


def test_nothing_sooner_than_the_minimum_notice_nor_beyond_the_horizon(practice):
    clinic, provider, _location, visit = practice
    eight_am = local(MONDAY, 8, 0).astimezone(datetime.UTC)
    assert starts(clinic, provider, visit, [MONDAY], now=eight_am)[0] == "Mon 10:00 EST"
    two_pm = local(MONDAY, 14, 5)
    assert starts(clinic, provider, visit, [MONDAY], now=two_pm)[0] == "Mon 16:15 EST"
    # Four weeks by default: today and 27 more days; the fifth Monday is out, and a day before today.
    assert booking_days(clinic=clinic, now=NOW) == (datetime.date(2030, 3, 1), datetime.date(2030, 3, 28))
    assert starts(clinic, provider, visit, [datetime.date(2030, 3, 25)]) != []
    assert starts(clinic, provider, visit, [datetime.date(2030, 4, 1)]) == []
    assert starts(clinic, provider, visit, [MONDAY], now=local(MONDAY + datetime.timedelta(days=1), 8)) == []
    clinic.booking_horizon_weeks = 1
    assert starts(clinic, provider, visit, [MONDAY + datetime.timedelta(days=7)]) == []
    assert week_days(clinic=clinic, now=NOW, week=0)[-1] == datetime.date(2030, 3, 7)
    assert week_days(clinic=clinic, now=NOW, week=1) == []


def test_a_dst_week_in_new_york_keeps_the_local_hours_and_the_visits_length(practice):
    """March 10, 2030: New York's clocks go forward at 2 AM. 9 AM is 9 AM on both sides (14:00 UTC
    before, 13:00 UTC after); a stretch across the change lasts the hours that really pass."""
    clinic, provider, _location, visit = practice
    for weekday in (4, 5, 6):  # Friday to Sunday, 9–10
        hours(provider, weekday, (9, 0), (10, 0))
    friday, sunday = datetime.date(2030, 3, 8), datetime.date(2030, 3, 10)
    found = open_slots(clinic=clinic, appointment_type=visit, providers=[provider], days=[friday, sunday], now=NOW)
    assert [slot.starts_at.astimezone(datetime.UTC).strftime("%d %H:%M") for slot in found] == [
        "08 14:00",
        "08 14:15",
        "08 14:30",
        "10 13:00",
        "10 13:15",
        "10 13:30",
    ]
    # 1 AM to 4 AM on the day of the change is two hours of work: a 60-minute visit fits five times.
    WorkingHoursException.objects.create(
        clinic=clinic,
        provider=provider,
        first_day=sunday,
        last_day=sunday,
        starts=datetime.time(1),
        ends=datetime.time(4),
    )
    hour_visit = AppointmentTypeFactory(clinic=clinic, duration_minutes=60, bookable_online=True)
    assert starts(clinic, provider, hour_visit, [sunday]) == [
        "Sun 01:00 EST",
        "Sun 01:15 EST",
        "Sun 01:30 EST",
        "Sun 01:45 EST",
        "Sun 03:00 EDT",
    ]


def test_a_dst_week_in_berlin_keeps_the_local_hours(practice):
    """March 31, 2030: Berlin's clocks go forward (a different week from New York's)."""
    _clinic, _provider, _location, _visit = practice
    clinic = ClinicFactory(time_zone="Europe/Berlin", patients_may_book_online=True)
    provider = ProviderFactory(clinic=clinic)
    visit = AppointmentTypeFactory(clinic=clinic, duration_minutes=30, bookable_online=True)
    for weekday in range(7):
        hours(provider, weekday, (9, 0), (9, 30))
    days = [datetime.date(2030, 3, 30), datetime.date(2030, 3, 31), datetime.date(2030, 4, 1)]
    now = datetime.datetime(2030, 3, 20, tzinfo=datetime.UTC)
    found = open_slots(clinic=clinic, appointment_type=visit, providers=[provider], days=days, now=now)
    assert [slot.starts_at.astimezone(BERLIN).strftime("%a %H:%M %Z") for slot in found] == [
        "Sat 09:00 CET",
        "Sun 09:00 CEST",
        "Mon 09:00 CEST",
    ]
    assert [slot.starts_at.astimezone(datetime.UTC).hour for slot in found] == [8, 7, 7]
    # And back in October: 9 AM is 07:00 UTC on the Saturday, 08:00 UTC on the Sunday.
    october = [datetime.date(2030, 10, 26), datetime.date(2030, 10, 27)]
    found = open_slots(
        clinic=clinic,
        appointment_type=visit,
        providers=[provider],
        days=october,
        now=datetime.datetime(2030, 10, 20, tzinfo=datetime.UTC),
    )
    assert [slot.starts_at.astimezone(datetime.UTC).hour for slot in found] == [7, 8]


@pytest.mark.parametrize("size", [1, 40])
def test_the_open_times_take_three_queries_whatever_the_number_of_rows(practice, size, django_assert_num_queries):
    clinic, provider, location, visit = practice
    others = [ProviderFactory(clinic=clinic) for _ in range(size)]
    for index, other in enumerate([provider, *others]):
        for weekday in range(7):
            hours(other, weekday, (8, 0), (12, 0), location)
        WorkingHoursException.objects.create(clinic=clinic, provider=other, first_day=MONDAY, last_day=MONDAY)
        for number in range(size):
            AppointmentFactory(
                patient__clinic=clinic,
                provider=other,
                starts_at=local(MONDAY + datetime.timedelta(days=1 + number % 6), 8 + index % 4),
            )
    days = [MONDAY + datetime.timedelta(days=offset) for offset in range(7)]
    with django_assert_num_queries(3):
        found = open_slots(
            clinic=clinic,
            appointment_type=visit,
            providers=[provider, *others],
            days=days,
            now=NOW,
            locations={location.pk: location},
        )
    assert found
