"""The portal's request pages: asking for a visit (where the clinic takes requests) with two or
three preferred times in the clinic's time zone, asking for a new time for a booked visit,
withdrawing; each request's state on the Appointments page; only ever the record in use."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from patientportal.scheduling.choices import AppointmentRequestStatus
from patientportal.scheduling.models import AppointmentRequest
from tests.conftest import client_for
from tests.factories import AppointmentFactory, AppointmentRequestFactory, AppointmentTypeFactory, ProviderFactory
from tests.scheduling.helpers import with_contact

pytestmark = pytest.mark.django_db

NEW = "/portal/appointments/requests/new/"


@pytest.fixture
def open_clinic(world):
    with_contact(world.clinic_a, accepts_appointment_requests=True)
    return {
        "type": AppointmentTypeFactory(clinic=world.clinic_a, name="Physiotherapy"),
        "provider": ProviderFactory(clinic=world.clinic_a, name="Dr. Lee"),
    }


def in_days(world, days: int) -> str:
    return (timezone.localtime(timezone.now(), world.clinic_a.zone).date() + datetime.timedelta(days=days)).isoformat()


def form(world, choices, **overrides) -> dict:
    return {
        "appointment_type": choices["type"].pk,
        "provider": "",
        "location": "",
        "day_1": in_days(world, 2),
        "part_1": "morning",
        "day_2": in_days(world, 3),
        "part_2": "evening",
        "day_3": "",
        "part_3": "",
        "reason": "Sore shoulder",
        **overrides,
    }


def test_a_request_is_made_for_the_record_in_use_only(world, open_clinic):
    client = client_for(world.patient_user_1)
    response = client.post(NEW, form(world, open_clinic, provider=open_clinic["provider"].pk))
    assert response.status_code == 302 and response["Location"] == "/portal/appointments/#requests"
    made = AppointmentRequest.objects.get()
    assert (made.patient, made.provider, made.reason, made.created_by) == (
        world.p1,
        open_clinic["provider"],
        "Sore shoulder",
        world.patient_user_1,
    )
    assert [(window.day.isoformat(), window.part) for window in made.window_list] == [
        (in_days(world, 2), "morning"),
        (in_days(world, 3), "evening"),
    ]
    listing = client.get("/portal/appointments/")
    assert "Your requests" in listing.text and "Waiting for the clinic" in listing.text
    # Peter (same clinic) and Bella (another clinic) never see it.
    assert "Sore shoulder" not in client_for(world.patient_user_2).get("/portal/appointments/").text
    assert "Physiotherapy" not in client_for(world.patient_user_b).get("/portal/appointments/").text
    # Another clinic's type is not a choice.
    other = AppointmentTypeFactory(clinic=world.clinic_b)
    refused = client.post(NEW, form(world, open_clinic, appointment_type=other.pk))
    assert refused.status_code == 200 and "appointment_type" in refused.context["form"].errors
    assert Client().post(NEW, form(world, open_clinic)).status_code == 302  # to sign in
    assert AppointmentRequest.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"day_2": "", "part_2": ""}, "day_2", "This field is required."),
        ({"part_2": ""}, "part_2", "This field is required."),
        ({"day_1": "today"}, "day_1", "Enter a valid date."),
        ({"day_2": "2000-01-01"}, "day_2", "Choose a day from"),
        ({"day_3": "__day_1__", "part_3": "morning"}, "day_3", "This time is already one of your choices."),
        ({"day_3": "__day_1__"}, "part_3", "Choose both a day and a time of day, or neither."),
        ({"reason": "x" * 301}, "reason", "Ensure this value has at most 300 characters"),
        ({"reason": ""}, "reason", "This field is required."),
    ],
)
def test_bad_answers_are_refused_beside_the_field_and_keep_what_was_typed(
    world, open_clinic, overrides, field, message
):
    data = form(world, open_clinic)
    data.update({key: data["day_1"] if value == "__day_1__" else value for key, value in overrides.items()})
    response = client_for(world.patient_user_1).post(NEW, data)
    assert response.status_code == 200
    assert any(message in error for error in response.context["form"].errors[field])
    assert field == "reason" or "Sore shoulder</textarea>" in response.text  # nothing typed is lost
    assert not AppointmentRequest.objects.exists()


def test_a_clinic_that_takes_no_requests_shows_its_contact_instead(world, open_clinic):
    world.clinic_a.accepts_appointment_requests = False
    world.clinic_a.save()
    client = client_for(world.patient_user_1)
    page = client.get(NEW)
    assert "does not take appointment requests in the portal" in page.text and 'href="tel:' in page.text
    assert "Request a visit" not in client.get("/portal/appointments/").text.split("<h1>")[1].split("</div>")[0]
    client.post(NEW, form(world, open_clinic))
    assert not AppointmentRequest.objects.exists()


def test_a_new_time_is_asked_for_a_booked_visit_once(world, open_clinic):
    visit = AppointmentFactory(patient=world.p1, starts_at=timezone.now() + datetime.timedelta(days=5))
    client = client_for(world.patient_user_1)
    page = client.get(f"/portal/appointments/{visit.pk}/reschedule/")
    assert page.status_code == 200 and "appointment_type" not in page.context["form"].fields
    data = form(world, open_clinic, reason="")
    assert client.post(f"/portal/appointments/{visit.pk}/reschedule/", data).status_code == 302
    made = AppointmentRequest.objects.get()
    assert (made.reschedule_of, made.appointment_type) == (visit, visit.appointment_type)
    listing = client.get("/portal/appointments/")
    assert "New time requested" in listing.text and "Ask for another time" not in listing.text
    again = client.post(f"/portal/appointments/{visit.pk}/reschedule/", data)
    assert "A new time for this appointment is already requested." in again.text
    assert AppointmentRequest.objects.count() == 1


def test_another_patients_or_clinics_appointment_cannot_be_given_a_new_time(world, open_clinic):
    client = client_for(world.patient_user_1)
    for patient in (world.p2, world.pb):
        other = AppointmentFactory(patient=patient, starts_at=timezone.now() + datetime.timedelta(days=5))
        assert client.get(f"/portal/appointments/{other.pk}/reschedule/").status_code == 404
        assert client.post(f"/portal/appointments/{other.pk}/reschedule/", form(world, open_clinic)).status_code == 404
    assert not AppointmentRequest.objects.exists()


def test_another_patients_or_clinics_request_cannot_be_withdrawn_and_is_404(world, open_clinic):
    mine = AppointmentRequestFactory(patient=world.p1)
    peters = AppointmentRequestFactory(patient=world.p2)
    bellas = AppointmentRequestFactory(patient=world.pb)
    client = client_for(world.patient_user_1)
    for other in (peters, bellas):
        assert client.post(f"/portal/appointments/requests/{other.pk}/withdraw/").status_code == 404
    assert client.post(f"/portal/appointments/requests/{mine.pk}/withdraw/").status_code == 302
    statuses = dict(AppointmentRequest.objects.values_list("pk", "status"))
    assert statuses == {
        mine.pk: AppointmentRequestStatus.WITHDRAWN,
        peters.pk: AppointmentRequestStatus.PENDING,
        bellas.pk: AppointmentRequestStatus.PENDING,
    }
    assert Client().post(f"/portal/appointments/requests/{mine.pk}/withdraw/").status_code == 302  # to sign in


def test_each_requests_state_is_shown_with_the_clinics_answer(world, open_clinic):
    booked_visit = AppointmentFactory(patient=world.p1, starts_at=timezone.now() + datetime.timedelta(days=4))
    AppointmentRequestFactory(
        patient=world.p1, status=AppointmentRequestStatus.BOOKED, appointment=booked_visit, reason="first"
    )
    AppointmentRequestFactory(
        patient=world.p1, status=AppointmentRequestStatus.DECLINED, decline_message="We are closed then."
    )
    page = client_for(world.patient_user_1).get("/portal/appointments/")
    assert "Booked for" in page.text and "We are closed then." in page.text
    assert page.text.count("Withdraw request") == 0
