import datetime

import pytest
from django.test import Client
from django.utils import timezone
from icalendar import Calendar

from patientportal.scheduling.choices import AppointmentStatus
from patientportal.scheduling.models import Appointment
from tests.clinics.test_features import all_combinations
from tests.conftest import client_for
from tests.factories import AppointmentFactory, AppointmentRequestFactory, LocationFactory, ProviderFactory

pytestmark = pytest.mark.django_db

MINUTE = datetime.timedelta(minutes=1)


def page_of(client, tab="upcoming", page=1):
    return client.get(f"/portal/appointments/?tab={tab}&page={page}")


def listed_ids(response) -> list[int]:
    return [appointment.pk for appointment in response.context["page"].object_list]


def test_the_split_between_upcoming_and_past_is_now(world):
    now = timezone.now()
    started = AppointmentFactory(patient=world.p1, starts_at=now - MINUTE)
    starting = AppointmentFactory(patient=world.p1, starts_at=now + MINUTE, provider__clinic=world.clinic_a)
    client = client_for(world.patient_user_1)
    assert listed_ids(page_of(client, "upcoming")) == [starting.pk]
    assert listed_ids(page_of(client, "past")) == [started.pk]


def test_cancelled_no_show_and_completed_are_not_upcoming(world):
    soon = timezone.now() + datetime.timedelta(days=2)
    kept = AppointmentFactory(patient=world.p1, starts_at=soon, status=AppointmentStatus.CONFIRMED)
    for offset, status in enumerate(
        [AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW, AppointmentStatus.COMPLETED], start=1
    ):
        AppointmentFactory(patient=world.p1, starts_at=soon + offset * datetime.timedelta(hours=1), status=status)
    response = page_of(client_for(world.patient_user_1))
    assert listed_ids(response) == [kept.pk]
    # The cancelled one is shown apart, so the patient knows not to come.
    assert [appointment.status for appointment in response.context["cancelled"]] == [AppointmentStatus.CANCELLED]
    assert "These appointments were cancelled" in response.text
    # Completed or missed ahead of its start time, it is over: listed under Past, so it is never lost.
    past = page_of(client_for(world.patient_user_1), "past")
    assert sorted(appointment.status for appointment in past.context["page"].object_list) == [
        AppointmentStatus.COMPLETED,
        AppointmentStatus.NO_SHOW,
    ]


def test_upcoming_is_soonest_first_and_past_is_newest_first(world):
    now = timezone.now()
    future = [AppointmentFactory(patient=world.p1, starts_at=now + datetime.timedelta(days=d)) for d in (5, 1, 3)]
    past = [AppointmentFactory(patient=world.p1, starts_at=now - datetime.timedelta(days=d)) for d in (5, 1, 3)]
    client = client_for(world.patient_user_1)
    assert listed_ids(page_of(client, "upcoming")) == [future[1].pk, future[2].pk, future[0].pk]
    assert listed_ids(page_of(client, "past")) == [past[1].pk, past[2].pk, past[0].pk]


def test_past_appointments_are_paginated(world):
    now = timezone.now()
    for day in range(1, 24):
        AppointmentFactory(patient=world.p1, starts_at=now - datetime.timedelta(days=day))
    client = client_for(world.patient_user_1)
    first, third = page_of(client, "past", 1), page_of(client, "past", 3)
    assert len(listed_ids(first)) == 10 and len(listed_ids(third)) == 3
    assert "Page 1 of 3" in first.text
    assert 'href="?tab=past&amp;page=2"' in first.text


def test_every_field_is_shown_in_the_clinics_time_zone(world):
    starts = datetime.datetime(2030, 7, 4, 13, 30, tzinfo=datetime.UTC)  # 9:30 AM in New York (EDT)
    appointment = AppointmentFactory(
        patient=world.p1,
        starts_at=starts,
        duration_minutes=45,
        status=AppointmentStatus.CONFIRMED,
        appointment_type__name="Annual physical",
        provider=ProviderFactory(clinic=world.clinic_a, name="Dr. Ana Ruiz", credentials="MD"),
        location=LocationFactory(clinic=world.clinic_a, name="Main Street Clinic", address="120 Main Street"),
        patient_notes="Please come fasting.",
        internal_notes="Patient is anxious about needles.",
    )
    text = page_of(client_for(world.patient_user_1)).text
    for expected in (
        "Annual physical",
        "45 minutes",
        "Thursday, July 4, 2030",
        "· 9:30 AM EDT",
        "(America/New_York)",
        "Dr. Ana Ruiz, MD",
        "Main Street Clinic",
        "120 Main Street",
        "Confirmed",
        "Please come fasting.",
    ):
        assert expected in text, expected
    assert "anxious" not in text
    assert f"/portal/appointments/{appointment.pk}/calendar.ics" in text


def test_internal_notes_never_reach_the_portal(world):
    AppointmentFactory(patient=world.p1, internal_notes="SECRET-INTERNAL", starts_at=timezone.now() + MINUTE * 90)
    AppointmentFactory(patient=world.p1, internal_notes="SECRET-INTERNAL", starts_at=timezone.now() - MINUTE * 90)
    client = client_for(world.patient_user_1)
    for url in ("/portal/", "/portal/appointments/", "/portal/appointments/?tab=past"):
        assert "SECRET-INTERNAL" not in client.get(url).text
    appointment = world.p1.appointments.first()
    assert b"SECRET-INTERNAL" not in client.get(f"/portal/appointments/{appointment.pk}/calendar.ics").content


def test_the_calendar_file_has_utc_times_and_a_stable_uid(world, settings):
    settings.SITE_URL = "https://portal.example.com"
    starts = datetime.datetime(2030, 1, 15, 14, 0, tzinfo=datetime.UTC)
    appointment = AppointmentFactory(
        patient=world.p1,
        starts_at=starts,
        duration_minutes=30,
        appointment_type__name="Flu shot",
        patient_notes="Wear short sleeves.",
    )
    client = client_for(world.patient_user_1)
    response = client.get(f"/portal/appointments/{appointment.pk}/calendar.ics")
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="appointment-2030-01-15.ics"'
    assert b"DTSTART:20300115T140000Z" in response.content
    assert b"DTEND:20300115T143000Z" in response.content
    [event] = Calendar.from_ical(response.content).walk("VEVENT")
    assert str(event["uid"]) == f"appointment-{appointment.pk}@portal.example.com"
    assert str(event["summary"]) == "Flu shot — Alpha Clinic"
    assert "Wear short sleeves." in str(event["description"])
    again = client.get(f"/portal/appointments/{appointment.pk}/calendar.ics")
    assert str(Calendar.from_ical(again.content).walk("VEVENT")[0]["uid"]) == str(event["uid"])


def test_another_patients_or_clinics_appointment_never_appears_and_is_404(world):
    mine = AppointmentFactory(patient=world.p1, starts_at=timezone.now() + MINUTE * 60)
    same_clinic = AppointmentFactory(
        patient=world.p2, starts_at=timezone.now() + MINUTE * 60, appointment_type__name="Peter's visit"
    )
    other_clinic = AppointmentFactory(
        patient=world.pb, starts_at=timezone.now() + MINUTE * 60, appointment_type__name="Bella's visit"
    )
    client = client_for(world.patient_user_1)
    page = page_of(client)
    assert listed_ids(page) == [mine.pk]
    assert "Peter's visit" not in page.text and "Bella's visit" not in page.text
    for other in (same_clinic, other_clinic):
        assert client.get(f"/portal/appointments/{other.pk}/calendar.ics").status_code == 404
    assert Client().get(f"/portal/appointments/{mine.pk}/calendar.ics").status_code == 302
    assert client_for(world.staff_a).get(f"/portal/appointments/{mine.pk}/calendar.ics").status_code == 403


@pytest.mark.parametrize(("plan", "add_ons"), list(all_combinations()))
def test_appointments_are_in_the_navigation_and_reachable_on_every_plan(world, plan, add_ons):
    world.clinic_a.plan, world.clinic_a.add_ons = plan, list(add_ons)
    world.clinic_a.save()
    client = client_for(world.patient_user_1)
    dashboard = client.get("/portal/")
    assert 'href="/portal/appointments/"' in dashboard.text
    assert "Upcoming appointments" in dashboard.text
    assert page_of(client).status_code == 200


@pytest.mark.parametrize("count", [1, 300])
def test_the_appointment_pages_and_dashboard_need_a_fixed_number_of_queries(world, count, django_assert_num_queries):
    now = timezone.now()
    provider = ProviderFactory(clinic=world.clinic_a)
    location = LocationFactory(clinic=world.clinic_a)
    # `count` upcoming and `count` past appointments, so every listing has rows at both sizes.
    for index in range(count):
        for sign in (1, -1):
            AppointmentFactory(
                patient=world.p1,
                provider=provider,
                location=location,
                starts_at=now + sign * datetime.timedelta(hours=index + 1),
            )
        # requests for new visits and for new times, with their provider, location and visit
        AppointmentRequestFactory(
            patient=world.p1,
            provider=provider,
            location=location,
            reschedule_of=Appointment.objects.filter(patient=world.p1).first() if index == 0 else None,
        )
    world.clinic_a.accepts_appointment_requests = True
    world.clinic_a.save()
    client = client_for(world.patient_user_1)
    client.get("/portal/")
    # The clinic has the shop, so the header's cart count adds one query to each page.
    # session, user, links, count, one page, cancelled list, the account's reminder choice, the
    # requests, audit, cart count (the session is saved at most once a minute:
    # core.middleware.ACTIVITY_PRECISION_SECONDS)
    with django_assert_num_queries(10):
        upcoming = page_of(client, "upcoming")
    assert len(upcoming.context["appointment_requests"]) == min(count, 10)
    assert "Withdraw request" in upcoming.text and "Ask for another time" in upcoming.text
    # session, user, links, count, one page, audit, cart count
    with django_assert_num_queries(7):
        page_of(client, "past")
    # session, user, links, next three with the upcoming total, order counts, recent orders,
    # documents to sign, audit, cart count
    with django_assert_num_queries(9):
        dashboard = client.get("/portal/")
    assert f'<p class="stat" aria-hidden="true">{count}</p>' in dashboard.text
    assert f"{count} upcoming appointment" in dashboard.text
