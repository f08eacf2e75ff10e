"""The portal's cancel page: a confirmation while the clinic's policy allows it, and otherwise why
not and how to reach the clinic; the Appointments page says the same on each visit."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from patientportal.scheduling.choices import AppointmentStatus, CancelledBy
from patientportal.scheduling.models import Appointment
from tests.conftest import client_for
from tests.factories import AppointmentFactory
from tests.scheduling.helpers import with_contact

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)


def url(appointment) -> str:
    return f"/portal/appointments/{appointment.pk}/cancel/"


@pytest.fixture
def visit(world):
    with_contact(world.clinic_a)
    return AppointmentFactory(patient=world.p1, starts_at=timezone.now() + 72 * HOUR, appointment_type__name="Check-up")


def test_a_visit_outside_the_window_is_cancelled_after_confirming(world, visit):
    client = client_for(world.patient_user_1)
    page = client.get(url(visit))
    assert page.status_code == 200 and "Cancel this appointment" in page.text
    response = client.post(url(visit))
    assert response.status_code == 302 and response["Location"] == "/portal/appointments/"
    stored = Appointment.objects.get(pk=visit.pk)
    assert (stored.status, stored.cancelled_by) == (AppointmentStatus.CANCELLED, CancelledBy.PATIENT)
    listing = client.get("/portal/appointments/")
    assert "Appointment cancelled. A confirmation is on its way by email." in listing.text
    assert "In the portal, as asked" in listing.text  # under Cancelled


def test_inside_the_window_the_page_says_why_not_and_shows_the_contact(world, visit):
    Appointment.objects.filter(pk=visit.pk).update(starts_at=timezone.now() + 3 * HOUR)
    client = client_for(world.patient_user_1)
    listing = client.get("/portal/appointments/")
    assert "Online cancelling closed on" in listing.text and "Cancel appointment" not in listing.text
    page = client.get(url(visit))
    assert "This appointment cannot be cancelled online" in page.text
    assert "up to 24 hours before they start" in page.text
    assert 'href="tel:+16175550142"' in page.text and "Cancel this appointment" not in page.text
    refused = client.post(url(visit))
    assert refused.status_code == 409 and 'href="tel:+16175550142"' in refused.text
    assert Appointment.objects.get(pk=visit.pk).status == AppointmentStatus.SCHEDULED


def test_a_type_not_cancellable_online_says_so(world, visit):
    visit.appointment_type.patients_may_cancel = False
    visit.appointment_type.save()
    client = client_for(world.patient_user_1)
    assert "This type of visit cannot be cancelled online." in client.get("/portal/appointments/").text
    page = client.get(url(visit))
    assert "The clinic asks you to call or write to cancel this type of visit." in page.text
    assert client.post(url(visit)).status_code == 409
    assert Appointment.objects.get(pk=visit.pk).status == AppointmentStatus.SCHEDULED


def test_another_patients_or_clinics_appointment_cannot_be_cancelled_and_is_404(world, visit):
    peters = AppointmentFactory(patient=world.p2, starts_at=timezone.now() + 72 * HOUR)
    bellas = AppointmentFactory(patient=world.pb, starts_at=timezone.now() + 72 * HOUR)
    client = client_for(world.patient_user_1)
    for other in (peters, bellas):
        assert client.get(url(other)).status_code == 404
        assert client.post(url(other)).status_code == 404
        assert Appointment.objects.get(pk=other.pk).status == AppointmentStatus.SCHEDULED
    assert Client().post(url(visit)).status_code == 302  # to sign in
    assert client_for(world.staff_a).post(url(visit)).status_code == 403  # no patient record
    assert Appointment.objects.get(pk=visit.pk).status == AppointmentStatus.SCHEDULED


def test_staff_see_who_cancelled_and_when(world, visit):
    client_for(world.patient_user_1).post(url(visit))
    staff = client_for(world.staff_a)
    listing = staff.get(f"/staff/alpha/patients/{world.p1.pk}/appointments/")
    assert "by the patient on" in listing.text
    day = timezone.localtime(visit.starts_at, world.clinic_a.zone).date().isoformat()
    schedule = staff.get(f"/staff/alpha/schedule/?date={day}")
    assert "by the patient" in schedule.text
