"""PRODUCT.md F-2 and F-3 end to end, the short way in (issue 15, part 4): staff enable access and
invite; the patient opens the link from the development outbox, chooses a password on a page that
names the clinic and shows the invited address, and lands on the dashboard: three screens, counted
as the pages the browser loads. No second email. An account that already has the address signs in
on the same page, also in three screens."""

import re
from urllib.parse import urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.core.cache import cache
from playwright.sync_api import expect

from patientportal.core.models import OutboxMessage
from patientportal.patients.choices import InvitationStatus
from tests.browser.conftest import check_page
from tests.browser.test_journeys import WIDTHS, sign_in
from tests.factories import PASSWORD, PatientFactory, UserFactory
from tests.patients.helpers import enabled, send

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "a-good-long-passphrase"
THREE_SCREENS = ["/invite/", "/invite/accept/", "/portal/"]


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    """The link's pages allow 20 requests a minute per IP, and every browser is 127.0.0.1. The cache
    table keeps its counts through the flush of other transactional tests, so start from none."""
    cache.clear()


def latest_link(staff_page, subject_words: str, pattern: str) -> str:
    """Open the newest outbox email whose subject contains the words; return the first link matching."""
    staff_page.goto("/dev/outbox/")
    staff_page.get_by_role("link", name=re.compile(subject_words)).first.click()
    body = staff_page.locator(".email-body").inner_text()
    return re.search(pattern, body).group(0)


def screens_loaded(page) -> list[str]:
    """The path of every page the browser is served from now on: each document that reaches the
    tab. A redirect is not a screen; the link's page is one, even though its script moves on at once."""
    loaded: list[str] = []

    def served(response) -> None:
        request = response.request
        if request.is_navigation_request() and request.frame == page.main_frame and not 300 <= response.status < 400:
            loaded.append(urlsplit(response.url).path)

    page.on("response", served)
    return loaded


def open_link(page, link: str) -> list[str]:
    """Open the emailed link; returns the running list of screens. The email links to SITE_URL and
    the test server listens elsewhere, so keep the path and the fragment."""
    screens = screens_loaded(page)
    page.goto(f"{urlsplit(link).path}#{urlsplit(link).fragment}")
    expect(page).to_have_url(re.compile(r"/invite/accept/$"))  # the page's script posted the token
    return screens


def test_staff_invite_and_a_new_patient_is_in_within_three_screens(world, new_page, settings):
    settings.DEBUG = True  # the development outbox
    settings.EMAIL_BACKEND = "patientportal.core.outbox.OutboxEmailBackend"
    patient = PatientFactory(clinic=world.clinic_a, first_name="Nora", last_name="New", email="nora@example.com")

    staff = new_page(1280)
    sign_in(staff, "staff@alpha.example")
    staff.goto(f"/staff/alpha/patients/{patient.pk}/")
    check_page(staff, "invite-1-record-not-enabled")
    staff.get_by_role("button", name="Enable Portal Access").click()
    expect(staff.get_by_text("Portal access enabled. You can now send an invitation.")).to_be_visible()
    staff.get_by_label("Link expires after (hours)").fill("24")
    staff.get_by_role("button", name="Send Invitation").click()
    expect(staff.get_by_text("Invitation on its way to nora@example.com")).to_be_visible()
    expect(staff.get_by_role("cell", name="Pending")).to_be_visible()
    check_page(staff, "invite-2-record-invitation-sent")
    invite_link = latest_link(staff, "invites you", r"https?://\S+/invite/#[\w-]+")
    check_page(staff, "invite-3-outbox-email")

    patient_page = new_page(375)
    token = urlsplit(invite_link).fragment
    request_lines = []  # what reaches the server, so its access log: path and query of every request
    patient_page.on("request", lambda request: request_lines.append(urlsplit(request.url)._replace(fragment="")))
    screens = open_link(patient_page, invite_link)
    assert [line.geturl() for line in request_lines if token in line.geturl()] == []
    expect(patient_page.get_by_role("heading", name="Alpha Clinic invites you to its patient portal")).to_be_visible()
    address = patient_page.get_by_label("Email")
    expect(address).to_have_value("nora@example.com")
    expect(address).not_to_be_editable()
    patient_page.get_by_label(re.compile(r"^Password:?$")).fill(NEW_PASSWORD)
    patient_page.get_by_label("Password (again)").fill(NEW_PASSWORD)
    check_page(patient_page, "invite-4-choose-password")
    patient_page.get_by_role("button", name="Create account and join").click()
    expect(patient_page.get_by_role("heading", name="Hello, Nora")).to_be_visible()
    expect(patient_page.get_by_text("Your account is now linked to your record at Alpha Clinic.")).to_be_visible()
    check_page(patient_page, "invite-5-dashboard")
    assert screens == THREE_SCREENS
    # The link proved the address: it is verified, and the only email Nora got is the invitation.
    assert EmailAddress.objects.get(email="nora@example.com").verified
    assert [message.subject for message in OutboxMessage.objects.filter(to="nora@example.com")] == [
        OutboxMessage.objects.get(subject__contains="invites you").subject
    ]

    staff.goto(f"/staff/alpha/patients/{patient.pk}/")
    expect(staff.get_by_role("cell", name="Accepted")).to_be_visible()
    check_page(staff, "invite-6-record-accepted")


@pytest.mark.parametrize("width", WIDTHS)
def test_a_new_patient_chooses_a_password_and_is_in_within_three_screens(world, new_page, width):
    patient = enabled(PatientFactory(clinic=world.clinic_a, first_name="Nora", email="nora@example.com"), world.staff_a)
    invitation, token = send(patient, world.staff_a)
    page = new_page(width)
    screens = open_link(page, f"/invite/#{token}")
    page.get_by_label(re.compile(r"^Password:?$")).fill("short")
    page.get_by_label("Password (again)").fill("short")
    page.get_by_role("button", name="Create account and join").click()
    expect(page.get_by_text("This password is too short")).to_be_visible()
    expect(page.get_by_label("Email")).to_have_value("nora@example.com")
    check_page(page, "invite-password-refused")
    page.get_by_label(re.compile(r"^Password:?$")).fill(NEW_PASSWORD)
    page.get_by_label("Password (again)").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Create account and join").click()
    expect(page.get_by_role("heading", name="Hello, Nora")).to_be_visible()
    # A refused password costs one more load of the same page, nothing else.
    assert screens == ["/invite/", "/invite/accept/", "/invite/accept/", "/portal/"]
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.ACCEPTED


@pytest.mark.parametrize("width", WIDTHS)
def test_an_existing_account_signs_in_on_the_invitation_and_is_in_within_three_screens(world, new_page, width):
    patient = enabled(PatientFactory(clinic=world.clinic_a, first_name="Olga", email="olga@example.com"), world.staff_a)
    invitation, token = send(patient, world.staff_a)
    user = UserFactory(email="olga@example.com")
    page = new_page(width)
    screens = open_link(page, f"/invite/#{token}")
    expect(page.get_by_role("heading", name="Alpha Clinic invites you to its patient portal")).to_be_visible()
    expect(page.get_by_text("You already have an account with this address.")).to_be_visible()
    expect(page.get_by_label("Email")).not_to_be_editable()
    expect(page.get_by_role("link", name="Forgot your password?")).to_be_visible()
    page.get_by_label("Password").fill(PASSWORD)
    check_page(page, "invite-sign-in")
    page.get_by_role("button", name="Sign in and join").click()
    expect(page.get_by_role("heading", name="Hello, Olga")).to_be_visible()
    check_page(page, "invite-signed-in-dashboard")
    assert screens == THREE_SCREENS
    invitation.refresh_from_db()
    assert (invitation.status, invitation.accepted_by) == (InvitationStatus.ACCEPTED, user)
