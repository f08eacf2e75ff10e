"""Issue 14, parts 3 and 4 in the browser at 375 px and 1280 px, with axe on every page: the
patient requests a visit, the front desk books it from the queue, the patient sees it under
Upcoming; the patient cancels a visit outside the window and is told why not (with the clinic's
phone) for one inside it."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from patientportal.scheduling.choices import AppointmentStatus, CancelledBy
from patientportal.scheduling.models import Appointment
from tests.browser.conftest import check_page
from tests.browser.test_journeys import sign_in
from tests.factories import AppointmentFactory, AppointmentTypeFactory, LocationFactory, ProviderFactory
from tests.scheduling.helpers import with_contact

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def setup(world):
    with_contact(world.clinic_a, accepts_appointment_requests=True)
    return {
        "provider": ProviderFactory(clinic=world.clinic_a, name="Dr. Ana Ruiz", credentials="MD"),
        "type": AppointmentTypeFactory(clinic=world.clinic_a, name="Physiotherapy", duration_minutes=45),
        "location": LocationFactory(clinic=world.clinic_a, name="Main Street Clinic", address="120 Main Street"),
    }


@pytest.mark.parametrize("width", [375, 1280])
def test_the_patient_requests_the_front_desk_books_it_and_the_patient_sees_it_under_upcoming(
    world, setup, new_page, width
):
    day = (timezone.localtime(timezone.now(), world.clinic_a.zone) + datetime.timedelta(days=4)).date()
    patient = new_page(width)
    sign_in(patient, "paula@example.com")
    patient.goto("/portal/appointments/")
    patient.get_by_role("link", name="Request a visit").click()
    patient.get_by_label("Type of visit").select_option(label="Physiotherapy")
    patient.get_by_label("Provider").select_option(label="Dr. Ana Ruiz, MD")
    patient.get_by_label("Reason for the visit").fill("Sore shoulder after a fall.")
    first = patient.get_by_role("group", name="First choice")
    first.get_by_label("Date").fill(day.isoformat())
    first.get_by_label("Time of day").select_option(label="Morning (8 AM – 12 PM)")
    second = patient.get_by_role("group", name="Second choice")
    second.get_by_label("Date").fill((day + datetime.timedelta(days=1)).isoformat())
    second.get_by_label("Time of day").select_option(label="Evening (5 – 8 PM)")
    check_page(patient, "portal-appointment-request-form")
    patient.get_by_role("button", name="Send request").click()
    expect(patient.get_by_text("Your request was sent.")).to_be_visible()
    expect(patient.get_by_text("Waiting for the clinic")).to_be_visible()
    check_page(patient, "portal-appointments-with-request")

    staff = new_page(width)
    sign_in(staff, "staff@alpha.example")
    staff.goto("/staff/alpha/")
    requests_card = staff.get_by_role("region", name="Appointment requests")
    expect(requests_card.get_by_text("1", exact=True)).to_be_visible()
    requests_card.get_by_role("link", name="Open the request queue").click()
    expect(staff.get_by_text("Sore shoulder after a fall.")).to_be_visible()
    check_page(staff, "staff-appointment-request-queue")
    staff.get_by_role("link", name="Book — Paula One").click()
    expect(staff.get_by_label("Appointment type")).to_have_value(str(setup["type"].pk))
    expect(staff.get_by_label("Provider")).to_have_value(str(setup["provider"].pk))
    expect(staff.get_by_label("Date")).to_have_value(day.isoformat())
    staff.get_by_label("Start time").fill("10:15")
    check_page(staff, "staff-book-from-request")
    staff.get_by_role("button", name="Book appointment").click()
    expect(staff.get_by_text("Booked. The patient is emailed the time")).to_be_visible()
    expect(staff.get_by_text("No requests are waiting.")).to_be_visible()

    patient.goto("/portal/appointments/")
    card = patient.get_by_role("article", name="Physiotherapy · 45 minutes")
    expect(card.get_by_text("· 10:15 AM", exact=False)).to_be_visible()
    expect(card.get_by_text("Dr. Ana Ruiz, MD")).to_be_visible()
    expect(patient.get_by_role("region", name="Your requests").get_by_text("Booked", exact=True)).to_be_visible()
    check_page(patient, "portal-appointments-request-booked")


@pytest.mark.parametrize("width", [375, 1280])
def test_the_patient_cancels_outside_the_window_and_is_told_why_not_inside_it(world, setup, new_page, width):
    now = timezone.now()
    later = AppointmentFactory(
        patient=world.p1,
        appointment_type=setup["type"],
        provider=setup["provider"],
        starts_at=now + datetime.timedelta(days=5),
        duration_minutes=45,
    )
    soon = AppointmentFactory(
        patient=world.p1,
        appointment_type=AppointmentTypeFactory(clinic=world.clinic_a, name="Flu shot", duration_minutes=15),
        provider=setup["provider"],
        starts_at=now + datetime.timedelta(hours=5),
        duration_minutes=15,
    )
    patient = new_page(width)
    sign_in(patient, "paula@example.com")
    patient.goto("/portal/appointments/")
    soon_card = patient.get_by_role("article", name="Flu shot · 15 minutes")
    expect(soon_card.get_by_text("Online cancelling closed on", exact=False)).to_be_visible()
    check_page(patient, "portal-appointments-cancel-choices")
    soon_card.get_by_role("link", name="How to cancel or change it").click()
    expect(patient.get_by_role("heading", name="This appointment cannot be cancelled online")).to_be_visible()
    expect(patient.locator("#main").get_by_role("link", name="+1 617-555-0142")).to_have_attribute(
        "href", "tel:+16175550142"
    )
    check_page(patient, "portal-appointment-cancel-too-late")

    patient.goto("/portal/appointments/")
    patient.get_by_role("article", name="Physiotherapy · 45 minutes").get_by_role(
        "link", name="Cancel appointment"
    ).click()
    check_page(patient, "portal-appointment-cancel-confirm")
    patient.get_by_role("button", name="Cancel this appointment").click()
    expect(patient.get_by_text("Appointment cancelled. A confirmation is on its way by email.")).to_be_visible()
    expect(
        patient.get_by_role("region", name="Cancelled").get_by_text("In the portal, as asked", exact=False)
    ).to_be_visible()
    stored = Appointment.objects.get(pk=later.pk)
    assert (stored.status, stored.cancelled_by) == (AppointmentStatus.CANCELLED, CancelledBy.PATIENT)
    assert Appointment.objects.get(pk=soon.pk).status == AppointmentStatus.SCHEDULED
