import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from patientportal.scheduling.choices import AppointmentStatus
from patientportal.scheduling.models import Appointment
from tests.browser.conftest import check_page, screenshot
from tests.browser.test_journeys import WIDTHS, sign_in
from tests.factories import AppointmentFactory, AppointmentTypeFactory, LocationFactory, ProviderFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def todays_schedule(world):
    """Dr. Ana's day at Alpha Clinic: Paula's visit started ten minutes ago, Peter is checked in,
    an earlier visit is completed and one later today is confirmed."""
    provider = ProviderFactory(clinic=world.clinic_a, name="Dr. Ana Ruiz", credentials="MD")
    location = LocationFactory(clinic=world.clinic_a, name="Main Street")
    kind = AppointmentTypeFactory(clinic=world.clinic_a, name="Check-up", duration_minutes=20)
    now = timezone.now()
    midnight = timezone.localtime(now, world.clinic_a.zone).replace(hour=0, minute=0, second=0, microsecond=0)
    start = max(now - datetime.timedelta(minutes=10), midnight)

    def visit(patient, minutes, status):
        return AppointmentFactory(
            patient=patient,
            provider=provider,
            location=location,
            appointment_type=kind,
            starts_at=start + datetime.timedelta(minutes=minutes),
            duration_minutes=5,
            status=status,
        )

    visit(world.p2, -5, AppointmentStatus.COMPLETED)
    paula = visit(world.p1, 0, AppointmentStatus.SCHEDULED)
    visit(world.p2, 5, AppointmentStatus.CHECKED_IN)
    return provider, paula


@pytest.mark.parametrize("width", WIDTHS)
def test_the_front_desk_checks_a_patient_in_from_the_schedule(world, new_page, width):
    provider, paula = todays_schedule(world)
    page = new_page(width)
    sign_in(page, "staff@alpha.example")
    page.get_by_role("navigation", name="Clinic").get_by_role("link", name="Schedule").click()
    page.get_by_label("Provider:").select_option(str(provider.pk))
    page.get_by_role("button", name="Show", exact=True).click()
    expect(page.get_by_role("heading", name="Free times of Dr. Ana Ruiz, MD")).to_be_visible()
    check_page(page, "staff-schedule-day")
    page.get_by_role("button", name=re.compile(r"^Check in\s+for Paula One")).click()
    expect(page.get_by_text("Paula One is checked in.")).to_be_visible()
    expect(page).to_have_url(re.compile(rf"provider={provider.pk}#appointment-{paula.pk}$"))
    row = page.locator(f"#appointment-{paula.pk}")
    expect(row.get_by_text("Checked in", exact=True)).to_be_visible()
    expect(row.get_by_role("button", name=re.compile(r"^Complete\s+for Paula One"))).to_be_visible()
    assert Appointment.objects.get(pk=paula.pk).status == AppointmentStatus.CHECKED_IN
    check_page(page, "staff-schedule-day-checked-in")

    page.get_by_role("link", name="Week view").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Dr\. Ana Ruiz, MD: week of"))).to_be_visible()
    expect(page.get_by_role("link", name="One, Paula")).to_be_visible()
    check_page(page, "staff-schedule-week")

    page.get_by_role("link", name="Day view").click()
    page.get_by_role("link", name="Print").click()
    expect(page.get_by_role("button", name="Print")).to_be_visible()  # shown by its script
    check_page(page, "staff-schedule-print")
    page.emulate_media(media="print")
    expect(page.get_by_role("navigation", name="Clinic")).to_be_hidden()
    expect(page.get_by_role("button", name="Print")).to_be_hidden()
    expect(page.get_by_role("cell", name="One, Paula")).to_be_visible()
    screenshot(page, "staff-schedule-print-media")


@pytest.mark.parametrize("width", WIDTHS)
def test_the_front_desk_books_a_free_time_for_a_patient_found_there(world, new_page, width):
    provider, _paula = todays_schedule(world)
    page = new_page(width)
    sign_in(page, "staff@alpha.example")
    page.goto(f"/staff/alpha/schedule/?provider={provider.pk}")
    page.get_by_role("region", name=re.compile("Free times")).get_by_role("link").last.click()
    expect(page.get_by_role("heading", name="Book an appointment: who is it for?")).to_be_visible()
    page.get_by_label("Find the patient").fill("paula")
    page.get_by_role("button", name="Search").click()
    check_page(page, "staff-schedule-book-pick")
    page.get_by_role("link", name="Book for Paula One").click()
    expect(page.get_by_label("Provider")).to_have_value(str(provider.pk))
    check_page(page, "staff-schedule-book-form")
    page.get_by_label("Appointment type").select_option(label="Check-up (20 min)")
    page.get_by_role("button", name="Book appointment").click()
    expect(page.get_by_text(re.compile(r"Appointment booked for Paula One at"))).to_be_visible()
    assert Appointment.objects.filter(patient=world.p1).count() == 2


def test_the_buttons_work_with_the_keyboard_alone(world, new_page):
    _provider, paula = todays_schedule(world)
    page = new_page(1280)
    sign_in(page, "staff@alpha.example")
    page.goto("/staff/alpha/schedule/")
    button = page.get_by_role("button", name=re.compile(r"^Check in\s+for Paula One"))
    for _press in range(80):
        page.keyboard.press("Tab")
        if button.evaluate("element => element === document.activeElement"):
            break
    else:
        pytest.fail("Tab never reached the Check in button")
    outline = button.evaluate("element => getComputedStyle(element).outlineStyle")
    assert outline == "solid"  # the focus ring shows where the keyboard is
    page.keyboard.press("Enter")
    expect(page.get_by_text("Paula One is checked in.")).to_be_visible()
    # Back at the row: the next Tab goes on from there, to the row's own buttons.
    complete = page.get_by_role("button", name=re.compile(r"^Complete\s+for Paula One"))
    for _press in range(10):
        page.keyboard.press("Tab")
        if complete.evaluate("element => element === document.activeElement"):
            break
    else:
        pytest.fail("Tab from the row did not reach its Complete button")
    page.keyboard.press("Space")
    expect(page.get_by_text("Paula One's visit is completed.")).to_be_visible()
    assert Appointment.objects.get(pk=paula.pk).status == AppointmentStatus.COMPLETED
