"""Issue 14, part 5 in the browser at 375 px and 1280 px, with axe on every page: the owner sets a
provider's working hours, the patient books an open time and sees it under Upcoming."""

import datetime

import pytest
from playwright.sync_api import expect

from patientportal.scheduling.models import Appointment
from tests.browser.conftest import check_page
from tests.browser.test_journeys import sign_in
from tests.factories import AppointmentTypeFactory, LocationFactory, ProviderFactory
from tests.scheduling.helpers import with_contact

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [375, 1280])
def test_the_owner_sets_working_hours_and_the_patient_books_an_open_time(world, new_page, width):
    with_contact(world.clinic_a, patients_may_book_online=True)
    provider = ProviderFactory(clinic=world.clinic_a, name="Dr. Ana Ruiz", credentials="MD")
    LocationFactory(clinic=world.clinic_a, name="Main Street Clinic")
    AppointmentTypeFactory(clinic=world.clinic_a, name="Follow-up visit", duration_minutes=20, bookable_online=True)

    owner = new_page(width)
    sign_in(owner, "owner@alpha.example")
    owner.goto("/staff/alpha/setup/providers/")
    owner.get_by_role("link", name="Working hours of Dr. Ana Ruiz").click()
    for weekday in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"):
        for starts, ends in (("09:00", "12:00"), ("13:00", "17:00")):
            week = owner.get_by_role("region", name="Every week", exact=True)
            week.get_by_label("Day:").select_option(label=weekday)
            week.get_by_label("From:").fill(starts)
            week.get_by_label("Until:").fill(ends)
            week.get_by_label("Location:").select_option(label="Main Street Clinic")
            week.get_by_role("button", name="Add hours").click()
            expect(owner.get_by_text("Working hours added.")).to_be_visible()
    expect(owner.get_by_role("row", name="Monday").get_by_text("1:00 PM – 5:00 PM")).to_be_visible()
    check_page(owner, "staff-provider-working-hours")

    patient = new_page(width)
    sign_in(patient, "paula@example.com")
    patient.goto("/portal/appointments/")
    patient.get_by_role("link", name="Book a visit").click()
    check_page(patient, "portal-book-a-visit")
    patient.get_by_role("link", name="Follow-up visit").click()
    expect(patient.get_by_text("America/New York")).to_be_visible()
    patient.get_by_role("link", name="Later week").click()
    check_page(patient, "portal-open-times")
    patient.locator(".slot-list button").first.click()
    expect(patient.get_by_role("heading", name="Book this time?")).to_be_visible()
    check_page(patient, "portal-open-time-confirm")
    patient.get_by_role("button", name="Book it").click()
    expect(patient.get_by_text("Your visit is booked.")).to_be_visible()
    booked = Appointment.objects.get(patient=world.p1)
    assert booked.provider == provider
    card = patient.get_by_role("article", name="Follow-up visit · 20 minutes")
    expect(card.get_by_text("Dr. Ana Ruiz, MD")).to_be_visible()
    local = booked.starts_at.astimezone(world.clinic_a.zone)
    expect(card.get_by_text(f"· {local.strftime('%-I:%M %p')} {local.tzname()}")).to_be_visible()
    assert local.date() > datetime.date.today() - datetime.timedelta(days=1)
    check_page(patient, "portal-appointments-self-booked")
