"""Issue 16, part 3, end to end: staff add a second guardian to a child's record; the guardian opens
their own invitation, makes their own account, and signs in as themself, greeted by their own name
and told whose record they are viewing. At 375 and 1280 px, with axe."""

import datetime
import re
from urllib.parse import urlsplit

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from patientportal.patients.choices import AccessLevel, Relationship
from patientportal.patients.models import PortalAccess
from tests.browser.conftest import check_page
from tests.browser.test_invitation_journey import NEW_PASSWORD, latest_link, open_link
from tests.browser.test_journeys import sign_in
from tests.factories import PatientFactory, PortalAccessFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()


def test_staff_add_a_second_guardian_who_accepts_and_signs_in_as_themself(world, new_page, settings):
    settings.DEBUG = True  # the development outbox
    settings.EMAIL_BACKEND = "patientportal.core.outbox.OutboxEmailBackend"
    leo = PatientFactory(
        clinic=world.clinic_a, first_name="Leo", last_name="Garcia", email="", date_of_birth=datetime.date(2015, 7, 8)
    )
    PortalAccessFactory(
        patient=leo,
        relationship=Relationship.PARENT_GUARDIAN,
        proxy_name="Maria Garcia",
        user__email="maria@example.com",
        user__first_name="Maria",
        user__last_name="Garcia",
    )

    staff = new_page(1280)
    sign_in(staff, "staff@alpha.example")
    staff.goto(f"/staff/alpha/patients/{leo.pk}/")
    proxies = staff.locator("#proxies")
    expect(proxies.get_by_role("button", name="End access of Maria Garcia")).to_be_visible()
    proxies.get_by_label("Their name").fill("Daniel Garcia")
    proxies.get_by_label("Their own email address").fill("daniel@example.com")
    proxies.get_by_label("Relationship to the patient").select_option(label="Parent or guardian")
    proxies.get_by_label("Access").select_option(label="Appointments and documents only")
    check_page(staff, "proxy-1-record-add-guardian")
    proxies.get_by_role("button", name="Send proxy invitation").click()
    expect(staff.get_by_text("Invitation on its way to Daniel Garcia at daniel@example.com")).to_be_visible()
    expect(staff.locator("#proxies").get_by_text("Invited", exact=True)).to_be_visible()
    check_page(staff, "proxy-2-record-guardian-invited")
    link = latest_link(staff, "invites you", r"https?://\S+/invite/#[\w-]+")
    expect(staff.locator(".email-body")).to_contain_text("access to Leo’s record")

    daniel = new_page(375)
    open_link(daniel, link)
    expect(daniel.get_by_label("Email")).to_have_value("daniel@example.com")
    daniel.get_by_label(re.compile(r"^Password:?$")).fill(NEW_PASSWORD)
    daniel.get_by_label("Password (again)").fill(NEW_PASSWORD)
    daniel.get_by_role("button", name="Create account and join").click()
    expect(
        daniel.get_by_text("You can now use Leo Garcia’s record at Alpha Clinic, signed in as yourself.")
    ).to_be_visible()
    daniel.get_by_role("button", name="Sign out").click()

    # Signing in again, as themself: their own name, and whose record.
    daniel.goto("/accounts/login/")
    daniel.get_by_label("Email").fill("daniel@example.com")
    daniel.get_by_label("Password").fill(NEW_PASSWORD)
    daniel.get_by_role("button", name="Sign in").click()
    expect(daniel.get_by_role("heading", name="Hello, Daniel")).to_be_visible()
    expect(daniel.locator("#viewing-record")).to_contain_text("You are viewing Leo Garcia’s record at Alpha Clinic.")
    expect(daniel.locator("#viewing-record")).to_contain_text("Parent or guardian · Appointments and documents only")
    expect(daniel.get_by_role("link", name="Shop")).to_have_count(0)
    check_page(daniel, "proxy-3-guardian-dashboard")
    daniel.goto("/portal/documents/")
    expect(daniel.locator("#proxy-note")).to_contain_text("signed in as Daniel Garcia")
    check_page(daniel, "proxy-4-guardian-documents")
    assert urlsplit(daniel.url).path == "/portal/documents/"
    shop = daniel.goto("/portal/shop/")
    assert shop.status == 404

    link = PortalAccess.objects.get(user__email="daniel@example.com")
    assert (link.patient_id, link.relationship, link.level) == (
        leo.pk,
        Relationship.PARENT_GUARDIAN,
        AccessLevel.APPOINTMENTS_DOCUMENTS,
    )

    # The other widths of the same pages.
    staff_phone = new_page(375)
    sign_in(staff_phone, "staff@alpha.example")
    staff_phone.goto(f"/staff/alpha/patients/{leo.pk}/")
    expect(staff_phone.get_by_role("button", name="End access of Daniel Garcia")).to_be_visible()
    check_page(staff_phone, "proxy-5-record-two-guardians")
    wide = new_page(1280)
    wide.goto("/accounts/login/")
    wide.get_by_label("Email").fill("daniel@example.com")
    wide.get_by_label("Password").fill(NEW_PASSWORD)
    wide.get_by_role("button", name="Sign in").click()
    expect(wide.get_by_role("heading", name="Hello, Daniel")).to_be_visible()
    check_page(wide, "proxy-3-guardian-dashboard")
    staff.goto(f"/staff/alpha/patients/{leo.pk}/")
    check_page(staff, "proxy-5-record-two-guardians")
