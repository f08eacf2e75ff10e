"""The front desk on the staff side: the buttons of the day's schedule, booking from a free
time with the patient picked there, a provider's week (across a change of the clocks, in two
zones), the day's list to print; who may open each, and their query counts."""

import datetime
import re

import pytest
from django.utils import timezone

from patientportal.audit.models import AuditEvent, StateChange
from patientportal.scheduling.choices import AppointmentStatus
from patientportal.scheduling.models import Appointment, WorkingHours, WorkingHoursException
from tests.access_matrix import assert_staff_url_is_scoped
from tests.conftest import client_for
from tests.factories import AppointmentFactory, AppointmentTypeFactory, LocationFactory, ProviderFactory

pytestmark = pytest.mark.django_db

S = AppointmentStatus
MINUTE = datetime.timedelta(minutes=1)


@pytest.fixture
def desk(world):
    """Today at Alpha Clinic, Dr. Ana's visits that started ten minutes ago, one in each state."""
    provider = ProviderFactory(clinic=world.clinic_a, name="Dr. Ana Ruiz", credentials="MD")
    location = LocationFactory(clinic=world.clinic_a, name="Main Street")
    now = timezone.now()
    # Ten minutes ago, or just after midnight when the day is younger than that: today, and started.
    midnight = timezone.localtime(now, world.clinic_a.zone).replace(hour=0, minute=0, second=0, microsecond=0)
    start = max(now - 10 * MINUTE, midnight)
    visits = {
        status: AppointmentFactory(
            patient=world.p1,
            provider=provider,
            location=location,
            status=status,
            starts_at=start + list(S).index(status) * MINUTE,
            duration_minutes=5,
        )
        for status in S
    }
    day = timezone.localtime(start, world.clinic_a.zone).date()
    return {"provider": provider, "location": location, "visits": visits, "day": day}


def day_url(desk, **extra):
    query = "&".join(f"{name}={value}" for name, value in extra.items())
    return f"/staff/alpha/schedule/?date={desk['day'].isoformat()}" + (f"&{query}" if query else "")


def buttons_of(html: str, appointment) -> list[str]:
    row = re.search(rf'<tr id="appointment-{appointment.pk}">(.*?)</tr>', html, re.S).group(1)
    return re.findall(r'<button type="submit" name="move" value="(\w+)"', row)


def move_url(appointment) -> str:
    return f"/staff/alpha/appointments/{appointment.pk}/desk/"


def test_each_appointment_on_the_schedule_gets_the_buttons_its_state_allows(world, desk):
    page = client_for(world.staff_a).get(day_url(desk, provider=desk["provider"].pk))
    visits = desk["visits"]
    assert buttons_of(page.text, visits[S.SCHEDULED]) == ["check_in", "no_show"]
    assert buttons_of(page.text, visits[S.CONFIRMED]) == ["check_in", "no_show"]
    assert buttons_of(page.text, visits[S.CHECKED_IN]) == ["complete", "no_show"]
    for final in (S.COMPLETED, S.CANCELLED, S.NO_SHOW):
        assert buttons_of(page.text, visits[final]) == []
    # Each button says whom it is for, for a screen reader going from button to button.
    assert 'Check in<span class="visually-hidden"> for Paula One, ' in page.text


def test_a_visit_of_a_later_day_gets_no_buttons_yet(world, desk):
    later = AppointmentFactory(
        patient=world.p2, provider=desk["provider"], starts_at=timezone.now() + datetime.timedelta(days=2)
    )
    day = timezone.localtime(later.starts_at, world.clinic_a.zone).date()
    page = client_for(world.staff_a).get(f"/staff/alpha/schedule/?date={day}&provider={desk['provider'].pk}")
    assert buttons_of(page.text, later) == []


def test_checking_in_goes_back_to_the_same_day_provider_and_row(world, desk):
    visit = desk["visits"][S.SCHEDULED]
    client = client_for(world.staff_a)
    response = client.post(move_url(visit), {"move": "check_in", "provider": desk["provider"].pk})
    assert response.status_code == 302
    assert response["Location"] == (
        f"/staff/alpha/schedule/?date={desk['day'].isoformat()}&provider={desk['provider'].pk}#appointment-{visit.pk}"
    )
    page = client.get(response["Location"])
    assert "Paula One is checked in." in page.text
    assert Appointment.objects.get(pk=visit.pk).status == S.CHECKED_IN
    assert buttons_of(page.text, visit) == ["complete", "no_show"]
    assert StateChange.objects.get(object_id=visit.pk).to_state == "checked_in"


def test_the_page_of_providers_is_kept_too(world, desk):
    visit = desk["visits"][S.CHECKED_IN]
    response = client_for(world.staff_a).post(move_url(visit), {"move": "complete", "page": "2", "provider": "x"})
    assert (
        response["Location"] == f"/staff/alpha/schedule/?date={desk['day'].isoformat()}&page=2#appointment-{visit.pk}"
    )
    assert Appointment.objects.get(pk=visit.pk).status == S.COMPLETED


def test_a_move_the_state_does_not_allow_is_refused_with_a_message(world, desk):
    visit = desk["visits"][S.SCHEDULED]
    page = client_for(world.staff_a).post(move_url(visit), {"move": "complete"}, follow=True)
    assert page.status_code == 200
    assert "An appointment that is scheduled cannot be changed to completed." in page.text
    assert Appointment.objects.get(pk=visit.pk).status == S.SCHEDULED
    final = desk["visits"][S.CANCELLED]
    page = client_for(world.staff_a).post(move_url(final), {"move": "check_in"}, follow=True)
    assert "An appointment that is cancelled cannot be changed to checked in." in page.text
    assert not StateChange.objects.exists()


def test_an_unknown_move_or_a_get_changes_nothing(world, desk):
    visit = desk["visits"][S.SCHEDULED]
    client = client_for(world.staff_a)
    page = client.post(move_url(visit), {"move": "cancelled"}, follow=True)
    assert "That is not something the schedule can do to an appointment." in page.text
    assert client.get(move_url(visit)).status_code == 405
    assert Appointment.objects.get(pk=visit.pk).status == S.SCHEDULED


def test_a_double_submit_checks_in_once(world, desk):
    visit = desk["visits"][S.CONFIRMED]
    client = client_for(world.staff_a)
    client.post(move_url(visit), {"move": "check_in"})
    again = client.post(move_url(visit), {"move": "check_in"}, follow=True)
    assert "Paula One was already checked in. Nothing changed." in again.text
    assert StateChange.objects.filter(object_id=visit.pk).count() == 1
    assert AuditEvent.objects.filter(action="scheduling.appointment.status_changed").count() == 1


@pytest.fixture
def future_day(world):
    """March 4, 2030 at Alpha Clinic (New York): Dr. Ana sees Peter from 9:00 to 9:30 at Main
    Street and is free before and after."""
    provider = ProviderFactory(clinic=world.clinic_a, name="Dr. Ana Ruiz", credentials="MD")
    location = LocationFactory(clinic=world.clinic_a, name="Main Street")
    kind = AppointmentTypeFactory(clinic=world.clinic_a, name="Check-up", duration_minutes=20)
    AppointmentFactory(
        patient=world.p2,
        provider=provider,
        location=location,
        appointment_type=kind,
        starts_at=datetime.datetime(2030, 3, 4, 14, 0, tzinfo=datetime.UTC),
        duration_minutes=30,
    )
    return {"provider": provider, "location": location, "type": kind}


def test_staff_book_from_a_free_time_of_the_schedule(world, future_day):
    provider, location = future_day["provider"], future_day["location"]
    client = client_for(world.staff_a)
    day = client.get(f"/staff/alpha/schedule/?date=2030-03-04&provider={provider.pk}")
    assert [link.label for link in day.context["open_times"]] == [
        "8:00 AM EST – 9:00 AM EST",
        "9:30 AM EST – 6:00 PM EST",
    ]
    book = day.context["open_times"][1].url
    assert (
        book
        == f"/staff/alpha/schedule/book/?date=2030-03-04&time=09%3A30&provider={provider.pk}&location={location.pk}"
    )
    # Step one: the time chosen, and who it is for.
    pick = client.get(book)
    assert "Time: Monday, March 4, 2030, 9:30 AM EST." in pick.text and "Provider: Dr. Ana Ruiz, MD." in pick.text
    found = client.get(book + "&q=paula")
    assert [patient.pk for patient in found.context["patients"]] == [world.p1.pk]
    slot = f"date=2030-03-04&time=09%3A30&provider={provider.pk}&location={location.pk}"
    form_url = f"/staff/alpha/schedule/book/{world.p1.pk}/?{slot}"
    assert form_url.replace("&", "&amp;") in found.text
    # Step two: the existing booking form, filled in from the free time.
    form = client.get(form_url).context["form"]
    assert {name: form.initial.get(name) for name in ("day", "time", "provider", "location")} == {
        "day": datetime.date(2030, 3, 4),
        "time": datetime.time(9, 30),
        "provider": provider.pk,
        "location": location.pk,
    }
    booked = client.post(
        form_url,
        {
            "provider": provider.pk,
            "appointment_type": future_day["type"].pk,
            "location": location.pk,
            "day": "2030-03-04",
            "time": "09:30",
            "duration_minutes": "",
            "patient_notes": "",
            "internal_notes": "",
        },
    )
    appointment = Appointment.objects.get(patient=world.p1)
    assert appointment.starts_at == datetime.datetime(2030, 3, 4, 14, 30, tzinfo=datetime.UTC)
    assert (appointment.provider, appointment.location, appointment.created_by) == (provider, location, world.staff_a)
    assert (
        booked["Location"]
        == f"/staff/alpha/schedule/?date=2030-03-04&provider={provider.pk}#appointment-{appointment.pk}"
    )
    back = client.get(booked["Location"])
    assert "Appointment booked for Paula One at 9:30 AM EST." in back.text
    assert f'id="appointment-{appointment.pk}"' in back.text
    assert [link.label for link in back.context["open_times"]][1] == "9:50 AM EST – 6:00 PM EST"
    assert AuditEvent.objects.filter(action="scheduling.appointment.booked", patient=world.p1).count() == 1


def test_a_clash_is_shown_on_the_booking_form_and_nothing_is_booked(world, future_day):
    client = client_for(world.staff_a)
    response = client.post(
        f"/staff/alpha/schedule/book/{world.p1.pk}/",
        {
            "provider": future_day["provider"].pk,
            "appointment_type": future_day["type"].pk,
            "location": "",
            "day": "2030-03-04",
            "time": "09:10",
            "duration_minutes": "",
            "patient_notes": "Keep me",
            "internal_notes": "",
        },
    )
    assert response.status_code == 200
    assert "Dr. Ana Ruiz, MD already has an appointment from 9:00 AM to 9:30 AM" in response.text
    assert "Keep me" in response.text
    assert not Appointment.objects.filter(patient=world.p1).exists()


def test_the_patient_search_finds_only_this_clinics_patients(world):
    client = client_for(world.staff_a)
    assert client.get("/staff/alpha/schedule/book/?q=bella").context["patients"] == []
    assert "No patient matches your search." in client.get("/staff/alpha/schedule/book/?q=bella").text
    assert [p.pk for p in client.get("/staff/alpha/schedule/book/?q=one").context["patients"]] == [world.p1.pk]
    event = AuditEvent.objects.filter(action="patients.patient_list.viewed").order_by("pk").last()
    assert event.metadata["shown"] == 1


def test_another_clinics_provider_location_patient_or_appointment_is_404(world):
    beta_provider = ProviderFactory(clinic=world.clinic_b)
    beta_location = LocationFactory(clinic=world.clinic_b)
    beta_visit = AppointmentFactory(patient=world.pb, starts_at=timezone.now() - 10 * MINUTE)
    client = client_for(world.staff_a)
    for path in (
        f"/staff/alpha/schedule/book/?provider={beta_provider.pk}",
        f"/staff/alpha/schedule/book/?location={beta_location.pk}",
        f"/staff/alpha/schedule/book/{world.p1.pk}/?provider={beta_provider.pk}",
        f"/staff/alpha/schedule/book/{world.pb.pk}/",
        f"/staff/alpha/schedule/week/?provider={beta_provider.pk}",
    ):
        assert client.get(path).status_code == 404, path
    assert client.post(f"/staff/alpha/schedule/book/{world.pb.pk}/", {}).status_code == 404
    assert client.post(f"/staff/alpha/appointments/{beta_visit.pk}/desk/", {"move": "check_in"}).status_code == 404
    assert Appointment.objects.get(pk=beta_visit.pk).status == S.SCHEDULED
    assert not Appointment.objects.filter(patient=world.pb).exclude(pk=beta_visit.pk).exists()


@pytest.mark.parametrize(
    "path",
    [
        "/staff/alpha/schedule/week/",
        "/staff/alpha/schedule/print/",
        "/staff/alpha/schedule/book/",
        "/staff/alpha/schedule/book/{p1}/",
    ],
)
def test_front_desk_pages_are_scoped_to_the_clinics_team(world, path):
    ProviderFactory(clinic=world.clinic_a)
    assert_staff_url_is_scoped(world, path.format(p1=world.p1.pk))


def test_the_buttons_are_scoped_to_the_clinics_team(world):
    visit = AppointmentFactory(patient=world.p1, starts_at=timezone.now() - 10 * MINUTE)
    assert_staff_url_is_scoped(
        world, f"/staff/alpha/appointments/{visit.pk}/desk/", method="post", data={"move": "check_in"}
    )
    assert Appointment.objects.get(pk=visit.pk).status == S.CHECKED_IN  # by the clinic's staff, last


def week_in(world, zone: str, monday: datetime.date, starts: list[datetime.datetime]):
    world.clinic_a.time_zone = zone
    world.clinic_a.save()
    provider = ProviderFactory(clinic=world.clinic_a, name="Dr. Ana")
    for moment in starts:
        AppointmentFactory(patient=world.p1, provider=provider, starts_at=moment, duration_minutes=30)
    page = client_for(world.staff_a).get(
        f"/staff/alpha/schedule/week/?date={monday.isoformat()}&provider={provider.pk}"
    )
    return page, {
        week_day.day: [(entry.starts, entry.ends) for entry in entries] for week_day, entries in page.context["days"]
    }


def utc(*parts):
    return datetime.datetime(*parts, tzinfo=datetime.UTC)


def test_the_week_the_clocks_go_forward_in_new_york(world):
    page, days = week_in(
        world,
        "America/New_York",
        datetime.date(2030, 3, 6),  # a Wednesday: the week from Monday, March 4
        [
            utc(2030, 3, 4, 5, 0),  # Monday, 12:00 AM EST: the first minute of the week
            utc(2030, 3, 9, 14, 0),  # Saturday 9:00 AM EST
            utc(2030, 3, 10, 13, 0),  # Sunday 9:00 AM EDT
            utc(2030, 3, 11, 3, 30),  # Sunday 11:30 PM EDT (Monday in UTC)
            utc(2030, 3, 11, 4, 0),  # Monday, March 11, 12:00 AM EDT: the next week
            utc(2030, 3, 4, 4, 59),  # Sunday, March 3, 11:59 PM EST: the week before
        ],
    )
    assert list(days) == [datetime.date(2030, 3, 4) + datetime.timedelta(days=n) for n in range(7)]
    assert days[datetime.date(2030, 3, 4)] == [("12:00 AM EST", "12:30 AM EST")]
    assert days[datetime.date(2030, 3, 9)] == [("9:00 AM EST", "9:30 AM EST")]
    assert days[datetime.date(2030, 3, 10)] == [("9:00 AM EDT", "9:30 AM EDT"), ("11:30 PM EDT", "12:00 AM EDT")]
    assert sum(len(entries) for entries in days.values()) == 4
    assert "Dr. Ana, MD: week of Mar 4 to Mar 10, 2030" in page.text
    assert "Times in America/New_York" in page.text
    assert "?date=2030-03-11&amp;provider=" in page.text and "?date=2030-02-25&amp;provider=" in page.text


def test_the_week_the_clocks_go_back_in_london(world):
    _page, days = week_in(
        world,
        "Europe/London",
        datetime.date(2030, 10, 27),  # the Sunday: the week from Monday, October 21
        [
            utc(2030, 10, 26, 8, 0),  # Saturday 9:00 AM BST
            utc(2030, 10, 27, 0, 30),  # Sunday 1:30 AM BST, the first time round
            utc(2030, 10, 27, 1, 30),  # Sunday 1:30 AM GMT, the second
            utc(2030, 10, 27, 9, 0),  # Sunday 9:00 AM GMT
            utc(2030, 10, 27, 23, 45),  # Sunday 11:45 PM GMT
        ],
    )
    assert days[datetime.date(2030, 10, 26)] == [("9:00 AM BST", "9:30 AM BST")]
    assert days[datetime.date(2030, 10, 27)] == [
        ("1:30 AM BST", "1:00 AM GMT"),
        ("1:30 AM GMT", "2:00 AM GMT"),
        ("9:00 AM GMT", "9:30 AM GMT"),
        ("11:45 PM GMT", "12:15 AM GMT"),
    ]
    assert all(days[datetime.date(2030, 10, 21) + datetime.timedelta(days=n)] == [] for n in range(5))


def test_the_week_opens_on_the_first_provider_and_names_the_page_in_the_audit(world):
    ben = ProviderFactory(clinic=world.clinic_a, name="Dr. Ben")
    ProviderFactory(clinic=world.clinic_a, name="Dr. Ann", active=False)
    visit = AppointmentFactory(patient=world.p2, provider=ben, starts_at=timezone.now())
    page = client_for(world.staff_a).get("/staff/alpha/schedule/week/")
    assert page.context["provider"] == ben  # active ones first
    assert "Two, Peter" in page.text
    event = AuditEvent.objects.get(action="scheduling.schedule.week_viewed")
    assert (event.metadata["appointment_ids"], event.metadata["patient_ids"]) == ([visit.pk], [world.p2.pk])


def test_the_print_list_has_one_line_per_appointment_of_the_day_shown(world, future_day):
    AppointmentFactory(
        patient=world.p1,
        provider=future_day["provider"],
        appointment_type=future_day["type"],
        starts_at=utc(2030, 3, 4, 20, 0),
        status=S.CONFIRMED,
    )
    AppointmentFactory(patient=world.pb, starts_at=utc(2030, 3, 4, 15, 0))  # Beta's
    page = client_for(world.staff_a).get("/staff/alpha/schedule/print/?date=2030-03-04")
    rows = re.findall(r"<tr>\s*(<td.*?)</tr>", page.text, re.S)
    cells = [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)] for row in rows
    ]
    assert cells == [
        ["9:00 AM EST", "Two, Peter", "Check-up", "Dr. Ana Ruiz, MD", "Main Street", "Scheduled"],
        ["3:00 PM EST", "One, Paula", "Check-up", "Dr. Ana Ruiz, MD", "—", "Confirmed"],
    ]
    assert "data-print hidden" in page.text and "Bella" not in page.text
    assert 'class="main-nav"' in page.text  # on screen; print CSS hides it (the browser test looks)


@pytest.mark.parametrize("count", [1, 30])
def test_the_week_and_the_print_list_need_the_same_number_of_queries_whatever_the_size(
    world, count, django_assert_num_queries
):
    provider = ProviderFactory(clinic=world.clinic_a)
    location = LocationFactory(clinic=world.clinic_a)
    for number in range(count):
        AppointmentFactory(
            patient=world.p1 if number % 2 else world.p2,
            provider=provider,
            location=location if number % 3 else None,
            starts_at=utc(2030, 3, 4, 13, 0) + datetime.timedelta(hours=5 * number),
            status=list(S)[number % len(S)],
        )
    client = client_for(world.staff_a)
    client.get("/staff/alpha/")
    # session, user, membership with clinic, the clinic's providers, the week's appointments
    # (with patient, provider, type and location), the header's unread notifications, audit insert
    with django_assert_num_queries(7):
        client.get(f"/staff/alpha/schedule/week/?date=2030-03-04&provider={provider.pk}")
    # session, user, membership, providers with their counts, the appointments, the header's unread
    # notifications, audit insert
    with django_assert_num_queries(7):
        client.get(f"/staff/alpha/schedule/print/?date=2030-03-04&provider={provider.pk}")


@pytest.mark.parametrize("count", [1, 30])
def test_the_day_schedule_with_its_buttons_and_free_times_needs_a_fixed_number_of_queries(
    world, count, django_assert_num_queries
):
    provider = ProviderFactory(clinic=world.clinic_a)
    start = utc(2030, 3, 4, 15, 0)
    for number in range(count):
        AppointmentFactory(
            patient=world.p1 if number % 2 else world.p2,
            provider=provider,
            location=LocationFactory(clinic=world.clinic_a) if number % 3 else None,
            starts_at=start + 2 * number * MINUTE,
            duration_minutes=5,
            status=list(S)[number % len(S)],
        )
    # Working hours (a row per weekday and more), and an exception: the free times come from them.
    for weekday in range(7):
        for hour in range(8, 8 + max(1, count // 10)):
            WorkingHours.objects.create(
                clinic=world.clinic_a,
                provider=provider,
                weekday=weekday,
                starts=datetime.time(hour),
                ends=datetime.time(hour + 1),
            )
    WorkingHoursException.objects.create(
        clinic=world.clinic_a,
        provider=provider,
        first_day=datetime.date(2030, 3, 5),
        last_day=datetime.date(2030, 3, 9),
    )
    client = client_for(world.staff_a)
    client.get("/staff/alpha/")
    # 7, and 2 for the provider's working hours and exceptions of the day.
    with django_assert_num_queries(8 + 1):
        page = client.get(f"/staff/alpha/schedule/?date=2030-03-04&provider={provider.pk}")
    assert len(page.context["desk_rows"]) == count and page.context["open_times"]


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
@pytest.mark.parametrize(
    "path",
    [
        "/staff/alpha/schedule/?date={day}",
        "/staff/alpha/schedule/week/?date={day}",
        "/staff/alpha/schedule/print/?date={day}",
        "/staff/alpha/schedule/book/?date={day}&time=23:00",
        "/staff/alpha/audit/?since={day}&until={day}",
    ],
)
def test_a_day_at_the_ends_of_the_calendar_is_answered_not_a_crash(world, path, day):
    """Far dates fall back to today (or are a form error): never an overflow turned into a 500."""
    response = client_for(world.owner_a).get(path.format(day=day))
    assert response.status_code == 200


def test_the_free_times_of_a_provider_with_working_hours_are_within_them(world, future_day):
    """Dr. Ana works 9–12 at Main Street and 1–5 on Mondays: the free times are inside those
    stretches, not the desk's 8 AM–6 PM; a day off has none."""
    provider, location = future_day["provider"], future_day["location"]
    for starts, ends in ((9, 12), (13, 17)):
        WorkingHours.objects.create(
            clinic=world.clinic_a,
            provider=provider,
            weekday=0,
            starts=datetime.time(starts),
            ends=datetime.time(ends),
            location=location,
        )
    client = client_for(world.staff_a)
    day = client.get(f"/staff/alpha/schedule/?date=2030-03-04&provider={provider.pk}")
    assert [link.label for link in day.context["open_times"]] == [
        "9:30 AM EST – 12:00 PM EST",
        "1:00 PM EST – 5:00 PM EST",
    ]
    assert f"location={location.pk}" in day.context["open_times"][1].url
    WorkingHoursException.objects.create(
        clinic=world.clinic_a,
        provider=provider,
        first_day=datetime.date(2030, 3, 4),
        last_day=datetime.date(2030, 3, 4),
    )
    day = client.get(f"/staff/alpha/schedule/?date=2030-03-04&provider={provider.pk}")
    assert day.context["open_times"] == []
