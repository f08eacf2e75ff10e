"""Issue 16, parts 1 and 2 in a browser, on a phone and on a desktop: a patient opens "Who viewed
my record" from the home page and sees the front desk's visit; the clinic's owner narrows the
audit trail to that patient, and both pages fit the screen and pass axe."""

import re

import pytest
from playwright.sync_api import expect

from patientportal.clinics.choices import Role
from tests.activity.helpers import add_events
from tests.browser.conftest import check_page
from tests.browser.test_journeys import WIDTHS, sign_in
from tests.factories import MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def front_desk(world):
    desk = MembershipFactory(
        clinic=world.clinic_a, role=Role.STAFF, user__first_name="Jordan", user__last_name="Blake"
    ).user
    add_events(count=30, actor=desk, patient=world.p1)  # enough for a second page
    add_events(count=2, actor=desk, patient=world.p2)
    return desk


@pytest.mark.parametrize("width", WIDTHS)
def test_a_patient_sees_who_viewed_their_record(world, front_desk, new_page, width):
    page = new_page(width)
    sign_in(page, "paula@example.com")
    page.get_by_role("link", name="See who viewed my record").first.click()
    expect(page.get_by_role("heading", name="Who viewed my record", exact=True)).to_be_visible()
    table = page.get_by_role("table")
    expect(table.get_by_role("row").nth(1)).to_contain_text("Jordan Blake")
    expect(table.get_by_role("row").nth(1)).to_contain_text("Viewed your record")
    expect(table).to_contain_text(re.compile(r"E[SD]T"))  # the clinic's zone, named
    check_page(page, "portal-access-history")
    page.get_by_role("link", name="Older").click()
    expect(page.get_by_role("link", name="Newer")).to_be_visible()
    page.get_by_role("link", name="You and people you share access with").click()
    expect(page.get_by_role("link", name="You and people you share access with")).to_have_attribute(
        "aria-current", "page"
    )
    expect(page.get_by_role("table")).to_contain_text("Viewed who viewed your record")
    check_page(page, "portal-access-history-own")


@pytest.mark.parametrize("width", WIDTHS)
def test_an_owner_narrows_the_audit_trail_to_a_patient(world, front_desk, new_page, width):
    page = new_page(width)
    sign_in(page, "owner@alpha.example")
    page.get_by_role("navigation", name="Clinic").get_by_role("link", name="Audit trail").click()
    expect(page.get_by_role("heading", name="Audit trail", exact=True)).to_be_visible()
    check_page(page, "staff-audit-trail")
    page.get_by_label("Patient").fill("paula")
    page.get_by_label("What").select_option(label="Views and downloads of health information")
    page.get_by_role("button", name="Show").click()
    table = page.get_by_role("table")
    expect(table).to_contain_text("Paula One")
    expect(table).not_to_contain_text("Peter Two")
    expect(page.get_by_role("link", name="Download CSV")).to_have_attribute(
        "href", re.compile(r"export\.csv\?.*q=paula")
    )
    page.get_by_label("To").fill("2000-01-01")
    page.get_by_label("From").fill("2001-01-01")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_text("The end date must be on or after the start date.")).to_be_visible()
    expect(page.get_by_label("Patient")).to_have_value("paula")
    check_page(page, "staff-audit-trail-error")
