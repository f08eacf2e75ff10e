"""The operators' Django admin at /operator/ (issue 13, item 7): signed in through allauth
(its rate limit on failed attempts, its two-factor step), two-factor required for operators,
and no way to set someone else's password from it: a reset email instead."""

import re
from types import SimpleNamespace

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa import app_settings as allauth_mfa_settings
from allauth.mfa.totp.internal import auth as totp_auth
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.core import mail
from django.test import Client

from patientportal.accounts.models import User
from patientportal.audit.models import AuditEvent
from tests.accounts.test_sign_in import sign_in
from tests.conftest import client_for
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

OPERATOR = "op@portal.example"
TOTP_CLOCK = 1_767_225_615.0  # the clock allauth's TOTP reads in the two-factor test: mid-step, any would do


@pytest.fixture
def operator():
    return UserFactory(email=OPERATOR, is_staff=True, is_superuser=True)


@pytest.fixture
def no_second_factor_required(settings):
    settings.REQUIRE_MFA_FOR_OPERATORS = False


def admin_sign_in_page(client: Client) -> str:
    """Where opening /operator/ signed out leads: allauth's sign-in page, with the way back."""
    to_admin_login = client.get("/operator/")
    assert to_admin_login.status_code == 302 and to_admin_login["Location"].startswith("/operator/login/")
    to_allauth = client.get(to_admin_login["Location"])
    assert to_allauth.status_code == 302
    assert to_allauth["Location"].startswith("/accounts/login/?next=")
    return to_allauth["Location"]


def test_the_admin_has_no_password_form_of_its_own(operator, no_second_factor_required):
    client = Client()
    page = client.get("/operator/login/")
    assert page.status_code == 302 and page["Location"].startswith("/accounts/login/")
    posted = client.post("/operator/login/", {"username": OPERATOR, "password": PASSWORD})
    assert posted.status_code == 302 and posted["Location"].startswith("/accounts/login/")
    assert client.get("/operator/").status_code == 302  # the password posted there signed nobody in


def test_wrong_passwords_for_the_admin_hit_allauths_limit_then_the_right_one_is_refused_too(
    operator, no_second_factor_required
):
    client = Client()
    login_page = admin_sign_in_page(client)
    answers = [client.post(login_page, {"login": OPERATOR, "password": f"guess-{n}"}) for n in range(12)]
    assert all(answer.status_code == 200 for answer in answers)
    assert all("not correct" in answer.text for answer in answers[:5])
    assert all("Too many failed login attempts" in answer.text for answer in answers[5:])
    right = client.post(login_page, {"login": OPERATOR, "password": PASSWORD})
    assert "Too many failed login attempts" in right.text
    assert client.get("/operator/").status_code == 302
    # From another browser too: the limit is kept per account in the shared cache.
    assert "Too many failed login attempts" in sign_in(Client(), OPERATOR).text


def test_an_operator_signs_in_through_allauth_and_lands_in_the_admin(operator, no_second_factor_required):
    client = Client()
    login_page = admin_sign_in_page(client)
    signed_in = client.post(login_page, {"login": OPERATOR, "password": PASSWORD}, follow=True)
    assert signed_in.status_code == 200
    assert signed_in.redirect_chain[-1][0] == "/operator/"
    assert "Patient Portal operators" in signed_in.text
    assert AuditEvent.objects.filter(action="accounts.login.succeeded", actor=operator).exists()


def test_an_account_that_is_not_an_operator_is_refused(world, no_second_factor_required):
    client = client_for(world.owner_a)
    assert client.get("/operator/login/").status_code == 403
    assert client.get("/operator/accounts/user/").status_code == 302  # to the login page, which refuses


def test_an_operator_without_two_factor_is_sent_to_set_it_up_first(operator, settings):
    settings.REQUIRE_MFA_FOR_OPERATORS = True
    client = Client()
    assert sign_in(client, OPERATOR).status_code == 302
    for page in ("/operator/", "/operator/accounts/user/", f"/operator/accounts/user/{operator.pk}/change/"):
        to_login = client.get(page)
        assert to_login.status_code == 302 and to_login["Location"].startswith("/operator/login/")
        to_setup = client.get(to_login["Location"])
        assert to_setup.status_code == 302 and to_setup["Location"] == "/accounts/2fa/totp/activate/"
    shown = client.get("/operator/", follow=True)  # allauth asks for the password again before the setup
    assert "Operators must turn on two-factor authentication before using the admin." in shown.text


def test_with_two_factor_the_operator_gives_the_code_and_uses_the_admin(operator, settings, monkeypatch):
    settings.REQUIRE_MFA_FOR_OPERATORS = True
    secret = generate_totp_secret()
    TOTP.activate(operator, secret)
    client = Client()
    assert sign_in(client, OPERATOR)["Location"] == "/accounts/2fa/authenticate/"
    assert client.get("/operator/").status_code == 302  # the password alone is not enough
    # allauth accepts the code of the current 30-second step only (no tolerance for clock skew): the clock
    # it reads is fixed, so a step cannot end between computing the code and posting it.
    monkeypatch.setattr(totp_auth, "time", SimpleNamespace(time=lambda: TOTP_CLOCK))
    code = format_hotp_value(hotp_value(secret, int(TOTP_CLOCK) // allauth_mfa_settings.TOTP_PERIOD))
    posted = client.post("/accounts/2fa/authenticate/", {"code": code})
    assert posted.status_code == 302
    assert client.get("/operator/accounts/user/").status_code == 200


def test_the_user_admin_cannot_set_a_password(operator, no_second_factor_required):
    patient = UserFactory(email="pat@example.com")
    client = client_for(operator)
    change_page = client.get(f"/operator/accounts/user/{patient.pk}/change/")
    assert change_page.status_code == 200
    assert 'name="password' not in change_page.text and "password/" not in change_page.text
    assert client.get(f"/operator/accounts/user/{patient.pk}/password/").status_code in (302, 404)
    posted = client.post(
        f"/operator/accounts/user/{patient.pk}/password/",
        {"password1": "operator-chosen-1", "password2": "operator-chosen-1", "usable_password": "true"},
    )
    assert posted.status_code in (302, 404)
    patient.refresh_from_db()
    assert patient.check_password(PASSWORD) and not patient.check_password("operator-chosen-1")
    # Nor can the address be changed (then reset: the same takeover).
    client.post(
        f"/operator/accounts/user/{patient.pk}/change/",
        {"email": "operator@evil.example", "first_name": "", "last_name": "", "is_active": "on"},
    )
    patient.refresh_from_db()
    assert patient.email == "pat@example.com"


def reset_link(message) -> str:
    return re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+/)", message.body).group(1)


def test_the_operator_sends_a_password_reset_instead(
    operator, no_second_factor_required, django_capture_on_commit_callbacks
):
    patient = UserFactory(email="pat@example.com")
    inactive = UserFactory(email="gone@example.com", is_active=False)
    client = client_for(operator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/operator/accounts/user/",
            {"action": "send_password_reset", "_selected_action": [patient.pk, inactive.pk]},
            follow=True,
        )
    assert "Password reset email sent to 1 account." in response.text
    assert "1 inactive account was skipped." in response.text
    [message] = mail.outbox
    assert message.to == ["pat@example.com"]
    # The person chooses the password; the operator never knows it.
    pat = Client()
    form = pat.get(reset_link(message), follow=True)
    pat.post(form.request["PATH_INFO"], {"password1": "chosen-by-pat-42", "password2": "chosen-by-pat-42"})
    patient.refresh_from_db()
    assert patient.check_password("chosen-by-pat-42")
    event = AuditEvent.objects.get(action="accounts.password.reset_sent")
    assert (event.actor_id, event.metadata["email"]) == (operator.pk, "pat@example.com")


def test_a_new_account_gets_no_password_and_a_reset_email(
    operator, no_second_factor_required, django_capture_on_commit_callbacks
):
    client = client_for(operator)
    add_page = client.get("/operator/accounts/user/add/")
    assert add_page.status_code == 200
    assert 'name="password1"' not in add_page.text and 'name="usable_password"' not in add_page.text
    with django_capture_on_commit_callbacks(execute=True):
        created = client.post(
            "/operator/accounts/user/add/", {"email": "New.Op@Portal.example", "first_name": "Nia", "last_name": "New"}
        )
    assert created.status_code == 302
    user = User.objects.get(email="new.op@portal.example")
    assert not user.has_usable_password()
    assert EmailAddress.objects.filter(user=user, email="new.op@portal.example", primary=True).exists()
    [message] = mail.outbox
    assert message.to == ["new.op@portal.example"] and reset_link(message)
