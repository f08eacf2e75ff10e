"""PRODUCT.md F-4 and F-5 in the browser: staff book, the patient sees the
appointment on the dashboard and under Upcoming, downloads the .ics, and
moves between the tabs by keyboard."""

import datetime
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import check_page
from tests.browser.test_journeys import sign_in
from tests.factories import AppointmentFactory, AppointmentTypeFactory, LocationFactory, ProviderFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def setup(world):
    provider = ProviderFactory(clinic=world.clinic_a, name="Dr. Ana Ruiz", credentials="MD")
    visit = AppointmentTypeFactory(clinic=world.clinic_a, name="Annual physical", duration_minutes=45)
    location = LocationFactory(clinic=world.clinic_a, name="Main Street Clinic", address="120 Main Street")
    for days in (20, 40, 60):
        AppointmentFactory(
            patient=world.p1,
            provider=provider,
            appointment_type=visit,
            location=location,
            starts_at=timezone.now() - datetime.timedelta(days=days),
            status="completed",
        )
    return {"provider": provider, "type": visit, "location": location}


@pytest.mark.parametrize("width", [375, 1280])
def test_staff_book_and_the_patient_sees_every_field_and_downloads_the_calendar_file(world, setup, new_page, width):
    day = (timezone.localtime(timezone.now(), world.clinic_a.zone) + datetime.timedelta(days=3)).date()
    staff = new_page(1280)
    sign_in(staff, "staff@alpha.example")
    staff.goto(f"/staff/alpha/patients/{world.p1.pk}/")
    staff.get_by_role("link", name="Book appointment").click()
    staff.get_by_label("Provider").select_option(label="Dr. Ana Ruiz, MD")
    staff.get_by_label("Appointment type").select_option(label="Annual physical (45 min)")
    staff.get_by_label("Location").select_option(label="Main Street Clinic")
    staff.get_by_label("Date").fill(day.isoformat())
    staff.get_by_label("Start time").fill("09:30")
    staff.get_by_label("Notes for the patient").fill("Please come fasting.")
    staff.get_by_label("Internal notes").fill("Discuss lab results.")
    check_page(staff, "book-appointment-form")
    staff.get_by_role("button", name="Book appointment").click()
    expect(staff.get_by_text("Appointment booked.")).to_be_visible()

    patient = new_page(width)
    sign_in(patient, "paula@example.com")
    expect(patient.get_by_role("heading", name="Upcoming appointments")).to_be_visible()
    expect(patient.get_by_text("Annual physical").first).to_be_visible()
    check_page(patient, "portal-dashboard-with-appointment")
    patient.get_by_role("navigation", name="Portal").get_by_role("link", name="Appointments").click()
    card = patient.get_by_role("article", name="Annual physical · 45 minutes")
    for text in (
        "Dr. Ana Ruiz, MD",
        "Main Street Clinic",
        "120 Main Street",
        "Scheduled",
        "Please come fasting.",
        "9:30 AM",
        "(America/New_York)",
        day.strftime("%B %-d, %Y"),
    ):
        expect(card.get_by_text(text, exact=False).first).to_be_visible()
    expect(patient.get_by_text("Discuss lab results.")).to_have_count(0)
    check_page(patient, "portal-appointments-upcoming")
    with patient.expect_download() as download_info:
        card.get_by_role("link", name="Add to calendar").click()
    download = download_info.value
    assert download.suggested_filename == f"appointment-{day.isoformat()}.ics"
    content = Path(download.path()).read_text(encoding="utf-8")
    assert "BEGIN:VEVENT" in content and "SUMMARY:Annual physical — Alpha Clinic" in content


def test_the_tabs_work_by_keyboard(world, setup, new_page):
    page = new_page(375)
    sign_in(page, "paula@example.com")
    page.goto("/portal/appointments/")
    upcoming_tab = page.get_by_role("navigation", name="Appointments").get_by_role("link", name="Upcoming")
    expect(upcoming_tab).to_have_attribute("aria-current", "page")
    upcoming_tab.focus()
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.textContent") == "Past"
    page.keyboard.press("Enter")
    past_tab = page.get_by_role("navigation", name="Appointments").get_by_role("link", name="Past")
    expect(past_tab).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("article")).to_have_count(3)
    check_page(page, "portal-appointments-past")
