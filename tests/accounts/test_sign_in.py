import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client

from patientportal.accounts.models import User
from patientportal.audit.models import AuditEvent
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def sign_in(client: Client, email: str, password: str = PASSWORD):
    return client.post("/accounts/login/", {"login": email, "password": password})


def test_a_verified_account_signs_in_with_its_email_in_any_case(world):
    client = Client()
    response = sign_in(client, "PAULA@example.com")
    assert response.status_code == 302
    assert client.get("/portal/").status_code == 200
    assert AuditEvent.objects.filter(action="accounts.login.succeeded", actor=world.patient_user_1).count() == 1


def test_the_session_id_changes_at_sign_in(world):
    client = Client()
    client.get("/accounts/login/")
    client.session.save()
    before = client.session.session_key
    sign_in(client, "paula@example.com")
    assert client.session.session_key != before


def test_a_wrong_password_is_refused_and_audited(world):
    client = Client()
    response = sign_in(client, "paula@example.com", "wrong-password")
    assert response.status_code == 200
    assert "not correct" in response.text
    assert client.get("/portal/").status_code == 302
    event = AuditEvent.objects.get(action="accounts.login.failed")
    assert event.metadata == {"email": "paula@example.com"}
    assert event.actor is None


def test_an_unverified_email_must_be_verified_before_signing_in(django_capture_on_commit_callbacks):
    user = UserFactory(email="new@example.com", verified=False)
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        response = sign_in(client, "new@example.com")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    assert "_auth_user_id" not in client.session
    [message] = mail.outbox
    assert message.to == ["new@example.com"]
    # Greeted by the portal's name, never by the host name the request came in on.
    assert message.body.startswith("Hello from Patient Portal!")
    assert "testserver" not in message.body.replace(re.search(r"http://\S+", message.body).group(0), "")
    link = re.search(r"http://\S+/accounts/confirm-email/\S+/", message.body).group(0)
    path = link.split("testserver", 1)[-1]
    client.post(path)
    assert EmailAddress.objects.get(user=user).verified is True


def test_password_reset_sends_a_link_that_sets_a_new_password(world, django_capture_on_commit_callbacks):
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/password/reset/", {"email": "paula@example.com"})
    assert response.status_code == 302
    [message] = mail.outbox
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+/)", message.body).group(1)
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    new_password = "a-brand-new-passphrase-42"
    client.post(form_page.request["PATH_INFO"], {"password1": new_password, "password2": new_password})
    world.patient_user_1.refresh_from_db()
    assert world.patient_user_1.check_password(new_password)


def test_password_reset_for_an_unknown_address_looks_the_same(world, django_capture_on_commit_callbacks):
    known = Client().post("/accounts/password/reset/", {"email": "paula@example.com"})
    unknown = Client().post("/accounts/password/reset/", {"email": "nobody@example.com"})
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])


def test_failed_sign_ins_are_rate_limited_per_account_across_sessions(world):
    for _ in range(5):
        sign_in(Client(), "paula@example.com", "wrong-password")
    # A new cookie (a new client) does not reset the limit: it is kept in the shared cache.
    response = sign_in(Client(), "paula@example.com")
    assert response.status_code == 200
    assert "Too many failed login attempts" in response.text


def test_there_is_no_open_sign_up():
    response = Client().get("/accounts/signup/")
    assert "invitation" in response.text.lower()
    assert "password1" not in response.text
    response = Client().post(
        "/accounts/signup/",
        {"email": "walk-in@example.com", "password1": "x-long-pass-123", "password2": "x-long-pass-123"},
    )
    assert not User.objects.filter(email="walk-in@example.com").exists()


def test_passwords_are_hashed_with_argon2_in_the_real_configuration(settings):
    from config import settings as project_settings

    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS
    user = UserFactory(password="a-long-enough-secret")
    assert user.password.startswith("argon2")
    assert user.check_password("a-long-enough-secret")


def test_email_normalisation_lowercases_ascii_only():
    from patientportal.accounts.emails import emails_match, normalize_email

    assert normalize_email("  Anna@Example.COM ") == "anna@example.com"
    assert emails_match("KATE@x.example", "kate@x.example")
    assert not emails_match("\u212aate@x.example", "kate@x.example")  # Kelvin sign
    assert not emails_match("\u212bsa@x.example", "\u00e5sa@x.example")  # Angstrom sign vs å
    assert not emails_match("\u0430nna@x.example", "anna@x.example")  # Cyrillic а
