import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import check_page
from tests.browser.test_journeys import WIDTHS, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", WIDTHS)
def test_an_owner_sets_the_clinics_contact_and_a_patient_can_tap_to_call(world, new_page, width):
    page = new_page(width)
    sign_in(page, "owner@alpha.example")
    page.get_by_role("navigation", name="Clinic").get_by_role("link", name="Clinic settings").click()
    expect(page.get_by_role("heading", name="Clinic settings", exact=True)).to_be_visible()
    check_page(page, "staff-clinic-settings")
    page.get_by_label("Phone").fill("call the desk")
    page.get_by_label("Email").fill("desk@alpha.example")
    page.get_by_label("City").fill("Boston")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("Enter a phone number with digits, spaces and dashes")).to_be_visible()
    expect(page.get_by_label("City")).to_have_value("Boston")
    check_page(page, "staff-clinic-settings-error")
    page.get_by_label("Phone").fill("+1 617-555-0142")
    page.get_by_label(re.compile(r"^Street address:?$")).fill("1 Harbor Way")
    page.get_by_label("Tax rate (%)").fill("8.25")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("Clinic settings saved.")).to_be_visible()
    expect(page.get_by_label("Tax rate (%)")).to_have_value("8.25")

    patient = new_page(width)
    sign_in(patient, "paula@example.com")
    patient.goto("/portal/appointments/")
    # In the page's "contact the clinic" block, and again in the footer of every portal page.
    for area in (patient.get_by_role("main"), patient.get_by_role("contentinfo")):
        expect(area.get_by_role("link", name="+1 617-555-0142")).to_have_attribute("href", "tel:+16175550142")
        expect(area.get_by_role("link", name="desk@alpha.example")).to_have_attribute(
            "href", re.compile(r"^mailto:desk@alpha\.example$")
        )
    check_page(patient, "portal-appointments-clinic-contact")
