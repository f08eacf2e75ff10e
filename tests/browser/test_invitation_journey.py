"""PRODUCT.md F-2 and F-3 end to end: staff enable access and invite; the
patient opens the link from the development outbox, creates an account,
verifies the email, accepts and lands on the dashboard."""

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import check_page
from tests.browser.test_journeys import sign_in
from tests.factories import PatientFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def latest_link(staff_page, subject_words: str, pattern: str) -> str:
    """Open the newest outbox email whose subject contains the words; return the first link matching."""
    staff_page.goto("/dev/outbox/")
    staff_page.get_by_role("link", name=re.compile(subject_words)).first.click()
    body = staff_page.locator(".email-body").inner_text()
    return re.search(pattern, body).group(0)


def test_staff_invite_and_the_patient_signs_up_and_accepts(world, new_page, settings):
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
    # The email links to SITE_URL; the test server listens elsewhere, so keep the path and the fragment.
    patient_page.goto(f"{urlsplit(invite_link).path}#{token}")
    expect(patient_page).to_have_url(re.compile(r"/invite/accept/$"))  # the page's script posted the token
    assert [line.geturl() for line in request_lines if token in line.geturl()] == []
    expect(patient_page.get_by_role("heading", name="Alpha Clinic invites you to its patient portal")).to_be_visible()
    check_page(patient_page, "invite-4-welcome")
    patient_page.get_by_role("link", name="Create an account").click()
    patient_page.get_by_label("Email").fill("nora@example.com")
    patient_page.get_by_label(re.compile(r"^Password:?$")).fill("a-good-long-passphrase")
    patient_page.get_by_label("Password (again)").fill("a-good-long-passphrase")
    check_page(patient_page, "invite-5-sign-up")
    patient_page.get_by_role("button", name="Sign Up").click()
    expect(patient_page.get_by_role("heading", name="Verify Your Email Address")).to_be_visible()
    check_page(patient_page, "invite-6-verify-sent")

    confirm_link = latest_link(staff, "Confirm", r"https?://\S+/accounts/confirm-email/\S+/")
    patient_page.goto(urlsplit(confirm_link).path)
    check_page(patient_page, "invite-7-confirm-email")
    patient_page.get_by_role("button", name="Confirm").click()
    expect(patient_page.get_by_role("heading", name="Join Alpha Clinic’s patient portal")).to_be_visible()
    check_page(patient_page, "invite-8-accept")
    patient_page.get_by_role("button", name="Accept invitation").click()
    expect(patient_page.get_by_role("heading", name="Hello, Nora")).to_be_visible()
    expect(patient_page.get_by_text("Your account is now linked to your record at Alpha Clinic.")).to_be_visible()
    check_page(patient_page, "invite-9-dashboard")

    staff.goto(f"/staff/alpha/patients/{patient.pk}/")
    expect(staff.get_by_role("cell", name="Accepted")).to_be_visible()
    check_page(staff, "invite-10-record-accepted")
