"""The clinic's queue of appointment requests: only its own waiting requests, oldest first; booking
opens the booking form pre-filled from the request and, saved, books the visit, links it and closes
the request; declining sends the patient a message. Every page is the clinic team's only."""

import datetime

import pytest
from django.utils import timezone

from patientportal.audit.models import AuditEvent
from patientportal.scheduling.choices import AppointmentRequestStatus
from patientportal.scheduling.models import Appointment, AppointmentRequest
from tests.access_matrix import assert_staff_url_is_scoped
from tests.conftest import client_for
from tests.factories import (
    AppointmentFactory,
    AppointmentRequestFactory,
    AppointmentTypeFactory,
    LocationFactory,
    PatientFactory,
    ProviderFactory,
)
from tests.scheduling.helpers import emails_from, with_contact

pytestmark = pytest.mark.django_db

QUEUE = "/staff/alpha/appointments/requests/"


def book_url(found) -> str:
    return f"{QUEUE}{found.pk}/book/"


def decline_url(found) -> str:
    return f"{QUEUE}{found.pk}/decline/"


@pytest.fixture
def asked(world):
    """Paula asks for a physiotherapy visit with Dr. Lee at the Harbor office, Tuesday morning first."""
    with_contact(world.clinic_a, accepts_appointment_requests=True)
    tomorrow = timezone.localtime(timezone.now(), world.clinic_a.zone).date() + datetime.timedelta(days=1)
    return AppointmentRequestFactory(
        patient=world.p1,
        appointment_type=AppointmentTypeFactory(clinic=world.clinic_a, name="Physiotherapy", duration_minutes=45),
        provider=ProviderFactory(clinic=world.clinic_a, name="Dr. Lee"),
        location=LocationFactory(clinic=world.clinic_a, name="Harbor office"),
        windows=[
            {"day": tomorrow.isoformat(), "part": "morning"},
            {"day": (tomorrow + datetime.timedelta(days=1)).isoformat(), "part": "evening"},
        ],
        reason="Sore shoulder",
    )


def test_the_queue_is_scoped_to_the_clinics_team_and_lists_only_its_waiting_requests(world, asked):
    AppointmentRequestFactory(patient=world.p2, status=AppointmentRequestStatus.DECLINED, reason="answered already")
    AppointmentRequestFactory(patient=world.pb, reason="Bella's own")
    assert_staff_url_is_scoped(world, QUEUE)
    page = client_for(world.staff_a).get(QUEUE)
    assert [item.pk for item in page.context["page"].object_list] == [asked.pk]
    assert "Sore shoulder" in page.text and "Bella" not in page.text and "answered already" not in page.text
    assert "Morning (8 AM – 12 PM)" in page.text
    event = AuditEvent.objects.filter(action="scheduling.request_queue.viewed").last()
    assert event.metadata == {"request_ids": [asked.pk], "patient_ids": [world.p1.pk]}
    assert client_for(world.owner_b).get("/staff/beta/appointments/requests/").context["page"].object_list[
        0
    ].reason == ("Bella's own")


def test_the_book_and_decline_pages_are_scoped_to_the_clinics_team(world, asked):
    assert_staff_url_is_scoped(world, f"/staff/alpha/appointments/requests/{asked.pk}/book/")
    assert_staff_url_is_scoped(world, f"/staff/alpha/appointments/requests/{asked.pk}/decline/")
    bellas = AppointmentRequestFactory(patient=world.pb).pk
    client = client_for(world.owner_a)
    for url in (
        f"/staff/alpha/appointments/requests/{bellas}/book/",
        f"/staff/alpha/appointments/requests/{bellas}/decline/",
    ):
        assert client.get(url).status_code == 404
        assert client.post(url, {"message": "no"}).status_code == 404
    assert AppointmentRequest.objects.get(pk=bellas).status == AppointmentRequestStatus.PENDING


def test_the_booking_form_opens_pre_filled_from_the_request(world, asked):
    page = client_for(world.staff_a).get(book_url(asked))
    initial = page.context["form"].initial
    assert (initial["appointment_type"], initial["provider"], initial["location"]) == (
        asked.appointment_type_id,
        asked.provider_id,
        asked.location_id,
    )
    assert (initial["day"], initial["time"]) == (asked.window_list[0].day, datetime.time(9, 0))
    assert "What the patient asked for" in page.text and "Sore shoulder" in page.text
    assert "Book an appointment for Paula One" in page.text


def test_saving_books_the_visit_links_it_closes_the_request_and_emails_the_patient(
    world, asked, django_capture_on_commit_callbacks
):
    day = asked.window_list[0].day
    data = {
        "appointment_type": asked.appointment_type_id,
        "provider": asked.provider_id,
        "location": asked.location_id,
        "day": day.isoformat(),
        "time": "10:30",
        "duration_minutes": "",
        "patient_notes": "Bring your scans.",
        "internal_notes": "",
    }
    response = None

    def action():
        nonlocal response
        response = client_for(world.staff_a).post(book_url(asked), data)

    messages = emails_from(django_capture_on_commit_callbacks, action)
    assert response.status_code == 302 and response["Location"] == QUEUE
    appointment = Appointment.objects.get()
    asked.refresh_from_db()
    assert (asked.status, asked.appointment) == (AppointmentRequestStatus.BOOKED, appointment)
    assert (appointment.patient, appointment.duration_minutes, appointment.patient_notes) == (
        world.p1,
        45,
        "Bring your scans.",
    )
    assert timezone.localtime(appointment.starts_at, world.clinic_a.zone).time() == datetime.time(10, 30)
    assert "paula@example.com" in {message.to[0] for message in messages}
    assert "Appointment booked" in messages[0].subject
    assert list(client_for(world.staff_a).get(QUEUE).context["page"].object_list) == []
    # The patient sees it under Upcoming, and the request as booked.
    portal = client_for(world.patient_user_1).get("/portal/appointments/")
    assert [visit.appointment.pk for visit in portal.context["visits"]] == [appointment.pk]
    assert "Booked for" in portal.text
    # A second booking of the same request books nothing.
    again = client_for(world.staff_a).get(book_url(asked))
    assert again.status_code == 302 and Appointment.objects.count() == 1


def test_a_double_booking_is_shown_beside_the_time_and_the_request_keeps_waiting(world, asked):
    day = asked.window_list[0].day
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time(9, 0)), world.clinic_a.zone)
    AppointmentFactory(patient=world.p2, provider=asked.provider, starts_at=start)
    data = {
        "appointment_type": asked.appointment_type_id,
        "provider": asked.provider_id,
        "location": "",
        "day": day.isoformat(),
        "time": "09:00",
    }
    response = client_for(world.staff_a).post(book_url(asked), data)
    assert response.status_code == 200 and "already has an appointment" in str(response.context["form"].errors["time"])
    asked.refresh_from_db()
    assert asked.status == AppointmentRequestStatus.PENDING and Appointment.objects.count() == 1


def test_declining_sends_the_message_and_closes_the_request(world, asked, django_capture_on_commit_callbacks):
    client = client_for(world.staff_a)
    assert "Decline the request of Paula One" in client.get(decline_url(asked)).text
    empty = client.post(decline_url(asked), {"message": ""})
    assert empty.status_code == 200 and "message" in empty.context["form"].errors
    messages = emails_from(
        django_capture_on_commit_callbacks,
        lambda: client.post(decline_url(asked), {"message": "Dr. Lee is away; please call us."}),
    )
    asked.refresh_from_db()
    assert (asked.status, asked.decline_message) == (
        AppointmentRequestStatus.DECLINED,
        "Dr. Lee is away; please call us.",
    )
    assert "Dr. Lee is away; please call us." in messages[0].body
    portal = client_for(world.patient_user_1).get("/portal/appointments/")
    assert "Declined" in portal.text and "Dr. Lee is away; please call us." in portal.text


@pytest.mark.parametrize("size", [2, 40])
def test_the_queue_needs_the_same_number_of_queries_whatever_the_size(world, size, django_assert_num_queries):
    with_contact(world.clinic_a, accepts_appointment_requests=True)
    provider = ProviderFactory(clinic=world.clinic_a)
    location = LocationFactory(clinic=world.clinic_a)
    for patient in PatientFactory.create_batch(size, clinic=world.clinic_a):
        visit = AppointmentFactory(
            patient=patient, provider=provider, starts_at=timezone.now() + datetime.timedelta(days=3)
        )
        AppointmentRequestFactory(patient=patient, provider=provider, location=location)
        AppointmentRequestFactory(patient=patient, reschedule_of=visit)
    client = client_for(world.staff_a)
    client.get(QUEUE)
    # session, user, membership with clinic, count, one page of requests with their patients,
    # types, providers, locations and visits to move, the header's unread notifications, audit insert
    with django_assert_num_queries(7):
        page = client.get(QUEUE)
    assert len(page.context["page"].object_list) == min(2 * size, 25)
