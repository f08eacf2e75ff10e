import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import check_page
from tests.factories import PASSWORD, PatientFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = [375, 1280]


def sign_in(page, email: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


@pytest.mark.parametrize("width", WIDTHS)
def test_staff_sign_in_find_a_patient_and_open_the_record(world, new_page, width):
    PatientFactory.create_batch(30, clinic=world.clinic_a)
    page = new_page(width)
    page.goto("/accounts/login/")
    check_page(page, "sign-in")
    sign_in(page, "staff@alpha.example")
    assert page.url.endswith("/staff/alpha/")
    check_page(page, "staff-home")
    page.get_by_role("navigation", name="Clinic").get_by_role("link", name="Patients").click()
    check_page(page, "staff-patient-list")
    page.get_by_label("Search patients").fill("paula")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="One, Paula").click()
    assert page.get_by_role("heading", name="Paula One").is_visible()
    assert page.get_by_role("heading", name="Patient Portal Access").is_visible()
    check_page(page, "staff-patient-record")
    page.get_by_role("link", name="Edit details").click()
    page.get_by_label("Last name").fill("")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("This field is required.")).to_be_visible()
    check_page(page, "staff-patient-form-error")


@pytest.mark.parametrize("width", WIDTHS)
def test_an_owner_manages_the_team(world, new_page, width):
    page = new_page(width)
    sign_in(page, "owner@alpha.example")
    page.goto("/staff/alpha/team/")
    page.get_by_label("Email address").fill("new.desk@alpha.example")
    page.get_by_role("button", name="Add member").click()
    expect(page.get_by_text("Team member added")).to_be_visible()
    expect(page.get_by_role("cell", name="new.desk@alpha.example", exact=True)).to_be_visible()
    check_page(page, "staff-team")


@pytest.mark.parametrize("width", WIDTHS)
def test_a_patient_signs_in_and_reaches_the_portal(world, new_page, width):
    page = new_page(width)
    sign_in(page, "paula@example.com")
    assert page.url.endswith("/portal/")
    assert page.get_by_role("heading", name="Hello, Paula").is_visible()
    assert page.get_by_text("Alpha Clinic").first.is_visible()
    check_page(page, "portal-dashboard")


def test_an_account_with_two_records_switches_by_keyboard(world, new_page):
    from tests.factories import PortalAccessFactory

    PortalAccessFactory(user=world.patient_user_1, patient=world.pb)
    page = new_page(375)
    sign_in(page, "paula@example.com")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.textContent") == "Skip to main content"
    page.locator(".record-switcher > summary").focus()
    page.keyboard.press("Enter")
    # Both records show whole: names and clinics are never cut on a phone.
    current = page.locator(".record-option[aria-current=true]")
    expect(current).to_contain_text("Paula")
    expect(current).to_contain_text("Alpha Clinic")
    for option in page.locator(".record-option").all():
        assert option.evaluate("(node) => node.scrollWidth <= node.clientWidth")
    page.keyboard.press("Tab")
    assert "Bella Beta" in page.evaluate("() => document.activeElement.textContent")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Hello, Bella")).to_be_visible()
    check_page(page, "portal-switched-record")


def test_the_skip_link_moves_focus_to_the_main_content(world, new_page):
    page = new_page(1280)
    page.goto("/accounts/login/")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"


def test_error_pages_are_accessible(world, new_page):
    page = new_page(375)
    sign_in(page, "paula@example.com")
    page.goto("/no-such-page/")
    assert page.get_by_role("heading", name="We couldn’t find that page").is_visible()
    check_page(page, "not-found")


def test_an_owner_is_led_to_set_up_two_factor_sign_in(world, new_page, settings):
    settings.REQUIRE_MFA_FOR_CLINIC_ADMINS = True
    page = new_page(375)
    sign_in(page, "owner@alpha.example")
    page.goto("/staff/alpha/")
    expect(page.get_by_role("heading", name="Confirm Access")).to_be_visible()
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Activate Authenticator App")).to_be_visible()
    expect(page.locator("img[src^='data:image/svg+xml']")).to_be_visible()
    check_page(page, "two-factor-setup")


def test_on_a_phone_every_portal_section_is_in_sight(world, new_page):
    """No section hides behind a sideways scroll: each link lies inside the 375 px screen."""
    from patientportal.clinics.features import clinic_features
    from patientportal.portal.navigation import nav_items_for

    sections = [str(item.label) for item in nav_items_for(clinic_features(world.clinic_a))]
    assert len(sections) >= 5  # the test clinic has the shop and documents
    page = new_page(375)
    sign_in(page, "paula@example.com")
    nav = page.get_by_role("navigation", name="Portal")
    for section in sections:
        box = nav.get_by_role("link", name=section, exact=True).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 375, section
    assert nav.locator("ul").evaluate("(node) => node.scrollWidth <= node.clientWidth")
    check_page(page, "portal-phone-navigation")
