"""The account page's password change and its list of signed-in sessions with "sign out
everywhere else" (allauth.usersessions): other browsers really lose access."""

import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from allauth.usersessions.models import UserSession
from django.core import mail
from django.test import Client

from patientportal.audit.models import AuditEvent
from tests.accounts.test_sign_in import sign_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-new-and-long-passphrase-7"


def signed_in(email: str) -> Client:
    client = Client(HTTP_USER_AGENT=f"Browser of {email}")
    response = sign_in(client, email)
    assert response.status_code == 302
    return client


def test_changing_the_password_needs_the_current_one_and_signs_out_every_browser(
    world, django_capture_on_commit_callbacks
):
    here, elsewhere = signed_in("paula@example.com"), signed_in("paula@example.com")
    wrong = here.post(
        "/accounts/password/change/",
        {"oldpassword": "not-it", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert wrong.status_code == 200 and "Please type your current password" in wrong.text
    world.patient_user_1.refresh_from_db()
    assert world.patient_user_1.check_password(PASSWORD)

    with django_capture_on_commit_callbacks(execute=True):
        done = here.post(
            "/accounts/password/change/",
            {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        )
    assert done.status_code == 302
    world.patient_user_1.refresh_from_db()
    assert world.patient_user_1.check_password(NEW_PASSWORD)
    assert here.get("/portal/").status_code == 302 and elsewhere.get("/portal/").status_code == 302
    assert AuditEvent.objects.filter(action="accounts.password.changed", actor=world.patient_user_1).count() == 1
    [told] = mail.outbox
    assert told.to == ["paula@example.com"]
    again = Client()
    sign_in(again, "paula@example.com", NEW_PASSWORD)
    assert again.get("/portal/").status_code == 200


def test_the_sessions_list_shows_the_accounts_own_browsers_and_signs_out_the_others(world):
    here, elsewhere = signed_in("paula@example.com"), signed_in("paula@example.com")
    peter = signed_in("peter@example.com")
    page = here.get("/accounts/sessions/")
    assert page.status_code == 200
    assert page.text.count("Browser of paula@example.com") == 2 and "peter" not in page.text
    assert page.text.count("This browser") == 1
    assert "You are signed in in 2 browsers." in here.get("/portal/account/").text

    ended = here.post("/accounts/sessions/")
    assert ended.status_code == 302
    assert elsewhere.get("/portal/").status_code == 302  # the other browser really lost access
    assert elsewhere.get("/portal/account/").status_code == 302
    assert here.get("/portal/").status_code == 200  # this one stays
    assert peter.get("/portal/").status_code == 200  # and nobody else's
    assert UserSession.objects.filter(user=world.patient_user_1).count() == 1
    event = AuditEvent.objects.get(action="accounts.sessions.ended")
    assert (event.actor_id, event.metadata) == (world.patient_user_1.pk, {"count": 1})
    assert Client().get("/accounts/sessions/").status_code == 302  # anonymous: sign in first


def test_an_authenticator_app_is_set_up_with_the_password_and_a_code(world, django_capture_on_commit_callbacks):
    client = signed_in("paula@example.com")
    asked = client.get("/accounts/2fa/totp/activate/")
    assert asked["Location"].startswith("/accounts/reauthenticate/")
    client.post(asked["Location"], {"password": PASSWORD})
    setup = client.get("/accounts/2fa/totp/activate/")
    secret = setup.context["form"].secret
    assert 'src="data:image/svg+xml' in setup.text  # the QR code

    wrong = client.post("/accounts/2fa/totp/activate/", {"code": "000000"})
    assert wrong.status_code == 200 and not Authenticator.objects.filter(user=world.patient_user_1).exists()
    code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post("/accounts/2fa/totp/activate/", {"code": code})
    assert done.status_code == 302
    kinds = set(Authenticator.objects.filter(user=world.patient_user_1).values_list("type", flat=True))
    assert kinds == {Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES}  # recovery codes come with it
    added = AuditEvent.objects.filter(action="accounts.second_factor.added", actor=world.patient_user_1)
    assert sorted(event.metadata["type"] for event in added) == ["recovery_codes", "totp"]
    account = client.get("/portal/account/").text
    assert "Turn off the authenticator app" in account and "10 unused codes left." in account
    assert any(message.to == ["paula@example.com"] for message in mail.outbox)  # the account is told

    # From now on, a sign-in asks for the code.
    fresh = Client()
    assert sign_in(fresh, "paula@example.com")["Location"] == "/accounts/2fa/authenticate/"
    assert fresh.get("/portal/").status_code == 302
