"""Self-booking in the portal (issue 14, part 5): the open times of a bookable type, booking one
after confirming it, a time taken meanwhile, and who may open the pages."""

import datetime

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from patientportal.audit.models import AuditEvent
from patientportal.notifications.models import Notification
from patientportal.patients.choices import AccessLevel, Relationship
from patientportal.scheduling.models import Appointment, WorkingHours
from patientportal.scheduling.slots import open_slots, week_days
from tests.conftest import client_for
from tests.factories import (
    AppointmentFactory,
    AppointmentTypeFactory,
    LocationFactory,
    PortalAccessFactory,
    ProviderFactory,
)
from tests.scheduling.helpers import event_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def booking(world):
    """Alpha lets patients book its 30-minute follow-up; Dr. Ana works every day 9–12 and 1–5 at
    Main Street."""
    clinic = world.clinic_a
    clinic.patients_may_book_online = True
    clinic.save()
    provider = ProviderFactory(clinic=clinic, name="Dr. Ana Ruiz")
    location = LocationFactory(clinic=clinic, name="Main Street")
    for weekday in range(7):
        for starts, ends in ((9, 12), (13, 17)):
            WorkingHours.objects.create(
                clinic=clinic,
                provider=provider,
                weekday=weekday,
                starts=datetime.time(starts),
                ends=datetime.time(ends),
                location=location,
            )
    visit = AppointmentTypeFactory(clinic=clinic, name="Follow-up visit", duration_minutes=30, bookable_online=True)
    return provider, location, visit


def first_slot(world, visit, provider):
    days = week_days(clinic=world.clinic_a, now=timezone.now(), week=1)  # next week: clear of the notice
    return open_slots(
        clinic=world.clinic_a, appointment_type=visit, providers=[provider], days=days, now=timezone.now()
    )[0]


def url(visit) -> str:
    return f"/portal/appointments/book/{visit.pk}/"


def test_the_pages_are_404_unless_the_clinic_offers_self_booking_and_the_type_is_bookable(world, booking):
    provider, _location, visit = booking
    client = client_for(world.patient_user_1)
    assert client.get("/portal/appointments/book/").status_code == 200
    assert client.get(url(visit)).status_code == 200
    assert "Book a visit" in client.get("/portal/appointments/").text
    # A type not bookable online, or inactive: 404, also to book by POST.
    not_bookable = AppointmentTypeFactory(clinic=world.clinic_a)
    inactive = AppointmentTypeFactory(clinic=world.clinic_a, bookable_online=True, active=False)
    slot = first_slot(world, visit, provider)
    for other in (not_bookable, inactive):
        assert client.get(url(other)).status_code == 404
        assert client.post(url(other), {"slot": slot.key, "confirm": "1"}).status_code == 404
    # The clinic's option off: every page is 404, and the Appointments page offers no booking.
    world.clinic_a.patients_may_book_online = False
    world.clinic_a.save()
    assert client.get("/portal/appointments/book/").status_code == 404
    assert client.get(url(visit)).status_code == 404
    assert client.post(url(visit), {"slot": slot.key, "confirm": "1"}).status_code == 404
    assert "/portal/appointments/book/" not in client.get("/portal/appointments/").text
    assert not Appointment.objects.exists()
    # Anonymous: to sign in.
    anonymous = Client().get(url(visit))
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")


def test_another_clinics_type_is_404_and_a_booking_is_for_the_record_in_use_only(world, booking):
    provider, _location, visit = booking
    world.clinic_b.patients_may_book_online = True
    world.clinic_b.save()
    slot = first_slot(world, visit, provider)
    beta = client_for(world.patient_user_b)
    assert beta.get(url(visit)).status_code == 404
    assert beta.post(url(visit), {"slot": slot.key, "confirm": "1"}).status_code == 404
    # Another clinic's provider in the slot: refused (404), nothing booked.
    beta_provider = ProviderFactory(clinic=world.clinic_b)
    alien = slot.key.replace(f"{provider.pk}.", f"{beta_provider.pk}.", 1)
    assert client_for(world.patient_user_1).post(url(visit), {"slot": alien, "confirm": "1"}).status_code == 404
    assert not Appointment.objects.exists()
    # Peter books: the visit is on his record, never Paula's, whatever he sends.
    response = client_for(world.patient_user_2).post(
        url(visit), {"slot": slot.key, "confirm": "1", "patient": world.p1.pk}
    )
    assert response.status_code == 302
    booked = Appointment.objects.get()
    assert booked.patient == world.p2 and booked.created_by == world.patient_user_2


def test_the_page_shows_free_start_times_by_day_with_the_zone_named_and_nothing_of_other_patients(world, booking):
    provider, _location, visit = booking
    slot = first_slot(world, visit, provider)
    AppointmentFactory(
        patient=world.p2, provider=provider, starts_at=slot.starts_at, duration_minutes=30, patient_notes="Knee pain"
    )
    page = client_for(world.patient_user_1).get(url(visit) + "?week=1")
    assert page.status_code == 200
    assert "America/New York" in page.text and ("(EST)" in page.text or "(EDT)" in page.text)
    assert "Dr. Ana Ruiz" in page.text and "Main Street" in page.text
    assert slot.key not in page.text  # Peter's time is not offered
    assert "Peter" not in page.text and "Knee pain" not in page.text
    day = timezone.localtime(slot.starts_at, world.clinic_a.zone)
    assert day.strftime("%A, %B ") + str(day.day) in page.text
    assert 'href="/portal/appointments/book/' in page.text  # the weeks before and after
    # Filtered by another provider, who has no hours: no open times.
    other = ProviderFactory(clinic=world.clinic_a)
    assert "No open times." in client_for(world.patient_user_1).get(url(visit) + f"?provider={other.pk}").text


def test_patient_confirms_a_time_and_it_is_booked_emailed_audited_and_told_to_the_front_desk(
    world, booking, django_capture_on_commit_callbacks
):
    provider, location, visit = booking
    slot = first_slot(world, visit, provider)
    client = client_for(world.patient_user_1)
    confirm = client.post(url(visit), {"slot": slot.key})
    assert confirm.status_code == 200 and "Book this time?" in confirm.text
    assert not Appointment.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(url(visit), {"slot": slot.key, "confirm": "1"}, follow=True)
    assert done.redirect_chain == [("/portal/appointments/?tab=upcoming", 302)]
    assert "Your visit is booked." in done.text and "Follow-up visit" in done.text
    booked = Appointment.objects.get()
    assert (booked.patient, booked.provider, booked.location, booked.starts_at) == (
        world.p1,
        provider,
        location,
        slot.starts_at,
    )
    event = AuditEvent.objects.get(action="scheduling.appointment.booked")
    assert event.actor == world.patient_user_1 and event.metadata["online"] is True
    [email] = [message for message in mail.outbox if world.patient_user_1.email in message.to]
    event = event_of(email)
    assert event.decoded("dtstart") == slot.starts_at
    told = Notification.objects.filter(clinic=world.clinic_a)
    assert told.exists() and all(item.title.startswith("A patient booked an appointment online for ") for item in told)
    assert all("Paula" not in item.title and "Follow-up" not in item.title for item in told)


def test_a_time_taken_meanwhile_is_refused_plainly_and_the_next_open_times_are_offered(world, booking):
    provider, _location, visit = booking
    slot = first_slot(world, visit, provider)
    assert client_for(world.patient_user_2).post(url(visit), {"slot": slot.key, "confirm": "1"}).status_code == 302
    late = client_for(world.patient_user_1).post(url(visit), {"slot": slot.key, "confirm": "1"})
    assert late.status_code == 409
    assert "Sorry, that time was just taken. Please choose another open time." in late.text
    assert "The next open times" in late.text
    offered = late.context["next_slots"]
    assert offered and all(item.starts_at > slot.starts_at for item in offered)
    assert Appointment.objects.count() == 1
    # A time outside the working hours is refused the same way.
    outside = slot.key.rsplit(".", 1)[0] + "." + str(int(slot.starts_at.timestamp()) - 3 * 3600)
    assert client_for(world.patient_user_1).post(url(visit), {"slot": outside, "confirm": "1"}).status_code == 409
    assert Appointment.objects.count() == 1


def test_a_proxy_with_appointments_and_documents_only_may_book(world, booking):
    provider, _location, visit = booking
    limited = PortalAccessFactory(
        patient=world.p1, relationship=Relationship.PARENT_GUARDIAN, level=AccessLevel.APPOINTMENTS_DOCUMENTS
    )
    slot = first_slot(world, visit, provider)
    client = client_for(limited.user)
    assert client.get(url(visit)).status_code == 200
    assert client.post(url(visit), {"slot": slot.key, "confirm": "1"}).status_code == 302
    assert Appointment.objects.get().patient == world.p1


@pytest.mark.parametrize("size", [1, 30])
def test_the_open_times_page_needs_the_same_number_of_queries_whatever_the_size(
    world, booking, size, django_assert_num_queries
):
    provider, location, visit = booking
    for number in range(size):
        other = ProviderFactory(clinic=world.clinic_a)
        WorkingHours.objects.create(
            clinic=world.clinic_a, provider=other, weekday=number % 7, starts=datetime.time(9), ends=datetime.time(17)
        )
        AppointmentFactory(
            patient=world.p2,
            provider=provider if number % 2 else other,
            location=location,
            starts_at=timezone.now() + datetime.timedelta(days=8 + number % 6, hours=number % 5),
        )
    client = client_for(world.patient_user_1)
    client.get(url(visit))
    with django_assert_num_queries(QUERIES):
        page = client.get(url(visit) + "?week=1")
    assert page.status_code == 200 and page.context["slot_days"]


# The portal's own (session, account, link, clinic …), the type, providers, locations, and the
# open times' three (hours, exceptions, appointments).
QUERIES = 10
