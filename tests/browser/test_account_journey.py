"""The account page in the browser, on a phone and a desktop, checked with axe; a passkey added
from it with Chromium's virtual authenticator (its WebAuthn testing API), then used to sign in.

WebAuthn needs a secure context and a domain as the relying party: the live server is
http://localhost:<port>, which both Chromium and python-fido2 accept (127.0.0.1 is no domain)."""

import re

import pytest
from allauth.mfa.models import Authenticator
from playwright.sync_api import expect

from tests.browser.conftest import check_page
from tests.browser.test_journeys import WIDTHS, sign_in
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def add_virtual_authenticator(page) -> None:
    """A platform authenticator (like a phone's fingerprint reader) that always says yes."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )


@pytest.mark.parametrize("width", WIDTHS)
def test_a_patient_adds_a_passkey_from_the_account_page_and_signs_in_with_it(world, new_page, width, live_server):
    assert live_server.url.startswith("http://localhost:")
    page = new_page(width)
    add_virtual_authenticator(page)
    sign_in(page, "paula@example.com")
    page.get_by_role("link", name="Account").click()
    expect(page).to_have_url(re.compile(r"/portal/account/$"))
    expect(page.get_by_role("heading", name="Your account", level=1)).to_be_visible()
    check_page(page, "portal-account")

    page.get_by_role("link", name="Add a passkey").click()
    page.get_by_label("Password").fill(PASSWORD)  # allauth's reauthentication first
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Add a passkey", level=1)).to_be_visible()
    check_page(page, "passkey-add")
    page.get_by_label("A name for it").fill("Paula's laptop")
    page.get_by_role("button", name="Add a passkey").click()
    expect(page.get_by_role("heading", name="Add a passkey", level=1)).to_be_hidden()
    check_page(page, "passkey-added")  # allauth shows the recovery codes made with the first second factor

    passkey = Authenticator.objects.get(user=world.patient_user_1, type=Authenticator.Type.WEBAUTHN)
    assert passkey.wrap().name == "Paula's laptop" and passkey.wrap().is_passwordless is True
    page.goto("/portal/account/")
    expect(page.get_by_role("region", name="Two-factor sign-in")).to_contain_text("Paula's laptop")

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    check_page(page, "sign-in-with-passkey")
    page.get_by_role("button", name="Use a passkey").click()
    expect(page).to_have_url(re.compile(r"/portal/$"))
    expect(page.get_by_role("link", name="Account")).to_be_visible()
    assert Authenticator.objects.get(pk=passkey.pk).last_used_at is not None


@pytest.mark.parametrize("width", WIDTHS)
def test_the_account_steps_look_like_one_page_in_the_staff_area(world, new_page, width):
    page = new_page(width)
    sign_in(page, "staff@alpha.example")
    page.get_by_role("link", name="Account").click()
    expect(page).to_have_url(re.compile(r"/staff/alpha/account/$"))
    expect(page.get_by_role("region", name="Notifications")).to_be_visible()
    check_page(page, "staff-account")

    page.get_by_role("link", name="Change email address").click()
    expect(page.get_by_role("heading", name="Change your email address")).to_be_visible()
    check_page(page, "account-email-change")
    page.get_by_role("link", name="Back to your account").click()
    expect(page).to_have_url(re.compile(r"/staff/alpha/account/$"))

    page.get_by_role("link", name="See where you are signed in").click()
    expect(page.get_by_role("heading", name="Where you are signed in")).to_be_visible()
    check_page(page, "account-sessions")
    page.goto("/accounts/password/change/")
    check_page(page, "account-password-change")

    page.goto("/staff/alpha/account/")
    page.get_by_role("link", name="Set up an authenticator app").click()
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_label("Authenticator code")).to_be_visible()
    check_page(page, "account-totp-setup")
