"""The short way in (issue 15, part 4): the link, a page that names the clinic, shows the invited
address (fixed) and takes a password, then the dashboard. The link proved the address, so the
new account's address is verified and no second email is sent; an account that already has the
address signs in on the same page. Everything that held before still holds."""

import datetime
import re
import time

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.core import mail
from django.test import Client
from django.utils import timezone

from patientportal.accounts.models import User
from patientportal.audit.models import AuditEvent
from patientportal.patients.choices import InvitationStatus
from patientportal.patients.invitations import invitation_accept, invitation_revoke
from patientportal.patients.models import Invitation, PortalAccess
from tests.factories import PASSWORD, PatientFactory, UserFactory
from tests.patients.helpers import enabled, send

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-good-long-passphrase"


@pytest.fixture
def invited(world):
    """A patient of Alpha Clinic with a pending invitation; returns (patient, invitation, token)."""
    patient = enabled(
        PatientFactory(clinic=world.clinic_a, first_name="Iris", last_name="Invitee", email="iris@example.com"),
        world.staff_a,
    )
    invitation, token = send(patient, world.staff_a)
    return patient, invitation, token


def opened(token: str) -> Client:
    """A browser that has opened the link (what the link page's script posts)."""
    client = Client()
    assert client.post("/invite/", {"token": token})["Location"] == "/invite/accept/"
    return client


def create(client: Client, *, password: str = NEW_PASSWORD, again: str | None = None, **extra: str):
    data = {"email": "iris@example.com", "password1": password, "password2": again or password, **extra}
    return client.post("/invite/accept/", data)


def test_a_new_patient_chooses_a_password_and_lands_on_the_dashboard(invited, django_capture_on_commit_callbacks):
    patient, invitation, token = invited
    client = opened(token)
    page = client.get("/invite/accept/")
    assert "Alpha Clinic invites you to its patient portal" in page.text
    assert re.search(r'<input type="email" name="email" value="iris@example.com"[^>]* readonly', page.text)
    assert 'name="password1"' in page.text and 'name="password2"' in page.text
    assert "Create account and join" in page.text
    assert "/accounts/signup/" not in page.text

    with django_capture_on_commit_callbacks(execute=True):
        response = create(client)

    assert response.status_code == 302 and response["Location"] == "/portal/"
    user = User.objects.get(email="iris@example.com")
    assert user.check_password(NEW_PASSWORD)
    assert list(EmailAddress.objects.filter(user=user).values_list("email", "verified", "primary")) == [
        ("iris@example.com", True, True)
    ]
    assert mail.outbox == []  # no verification email: the invitation link proved the address
    assert int(client.session["_auth_user_id"]) == user.pk
    invitation.refresh_from_db()
    assert (invitation.status, invitation.accepted_by) == (InvitationStatus.ACCEPTED, user)
    assert PortalAccess.objects.get(user=user).patient == patient
    dashboard = client.get("/portal/")
    assert "Hello, Iris" in dashboard.text
    assert "Your account is now linked to your record at Alpha Clinic." in dashboard.text


def test_the_account_made_from_an_invitation_is_audited_with_it(invited):
    patient, invitation, token = invited
    create(opened(token))
    user = User.objects.get(email="iris@example.com")
    created = AuditEvent.objects.get(action="patients.invitation.account_created")
    assert (created.actor, created.patient, created.object_id) == (user, patient, str(invitation.pk))
    assert created.metadata == {"account": user.pk, "email_verified_by_invitation": True}
    assert AuditEvent.objects.filter(action="accounts.login.succeeded", actor=user).count() == 1
    assert AuditEvent.objects.filter(action="patients.invitation.accepted", actor=user).count() == 1


def test_the_invited_address_is_fixed_and_a_post_with_another_is_refused(invited):
    _patient, invitation, token = invited
    client = opened(token)
    response = create(client, email="someone.else@example.com")
    assert response.status_code == 400
    assert "Please use the address your invitation was sent to: iris@example.com" in response.text
    assert not User.objects.filter(email__in=["someone.else@example.com", "iris@example.com"]).exists()
    assert "_auth_user_id" not in client.session
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.PENDING
    refused = AuditEvent.objects.get(action="patients.invitation.refused")
    assert refused.metadata == {"reason": "email_mismatch"}
    # The same address in other capitals is the same address.
    assert create(client, email="Iris@Example.COM")["Location"] == "/portal/"


def test_a_look_alike_address_is_another_address(invited):
    _patient, _invitation, token = invited
    response = create(opened(token), email="iris@ex\u0430mple.com")  # a Cyrillic "а"
    assert response.status_code == 400
    assert not User.objects.filter(email__startswith="iris@").exists()


def test_signing_in_with_another_account_s_address_and_password_is_refused(invited, world):
    _patient, invitation, token = invited
    UserFactory(email="iris@example.com")
    client = opened(token)
    response = client.post("/invite/accept/", {"login": "paula@example.com", "password": PASSWORD})
    assert response.status_code == 400
    assert "_auth_user_id" not in client.session
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.PENDING
    assert not world.patient_user_1.portal_accesses.filter(patient=invitation.patient).exists()


@pytest.mark.parametrize(
    ("password", "again", "message"),
    [
        ("short1!", None, "This password is too short"),
        ("password123", None, "This password is too common"),
        ("iris@example.com", None, "The password is too similar to the email"),
        ("48219375106482", None, "This password is entirely numeric"),
        (NEW_PASSWORD, "another-long-passphrase", "You must type the same password each time"),
    ],
)
def test_the_password_rules_apply(invited, password, again, message):
    _patient, invitation, token = invited
    client = opened(token)
    response = create(client, password=password, again=again)
    assert response.status_code == 400
    assert message in response.text
    assert re.search(r'name="email" value="iris@example.com"[^>]* readonly', response.text)
    assert not User.objects.filter(email="iris@example.com").exists()
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.PENDING


def test_an_existing_account_signs_in_on_the_same_page_and_lands_on_the_dashboard(invited):
    patient, invitation, token = invited
    user = UserFactory(email="iris@example.com")
    client = opened(token)
    page = client.get("/invite/accept/")
    assert "You already have an account with this address" in page.text
    assert re.search(r'name="login" value="iris@example.com"[^>]* readonly', page.text)
    assert 'name="password1"' not in page.text
    assert 'href="/accounts/password/reset/"' in page.text  # "Forgot your password?"
    response = client.post("/invite/accept/", {"email": "iris@example.com", "password": PASSWORD})
    assert response["Location"] == "/portal/"
    assert int(client.session["_auth_user_id"]) == user.pk
    invitation.refresh_from_db()
    assert (invitation.status, invitation.accepted_by) == (InvitationStatus.ACCEPTED, user)
    assert PortalAccess.objects.get(user=user).patient == patient
    assert User.objects.filter(email="iris@example.com").count() == 1


def test_a_wrong_password_is_refused_and_failed_sign_ins_are_limited_per_address(invited):
    _patient, invitation, token = invited
    UserFactory(email="iris@example.com")
    for attempt in range(5):
        wrong = opened(token).post("/invite/accept/", {"password": f"wrong-{attempt}"}, REMOTE_ADDR=f"10.0.0.{attempt}")
        assert wrong.status_code == 400 and "not correct" in wrong.text
    # allauth's limit on failed sign-ins per address holds here too, whatever the cookie or the IP.
    blocked = opened(token).post("/invite/accept/", {"password": PASSWORD}, REMOTE_ADDR="10.0.1.1")
    assert blocked.status_code == 400 and "Too many failed login attempts" in blocked.text
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.PENDING


def test_the_page_is_rate_limited_per_address_whatever_the_cookie(invited):
    _patient, _invitation, token = invited
    client = opened(token)  # one attempt
    for _ in range(19):
        create(Client(), password="x")
    blocked = create(client)
    assert blocked.status_code == 429 and "Too many attempts" in blocked.text
    assert not User.objects.filter(email="iris@example.com").exists()


@pytest.fixture
def alpha_contact(world):
    clinic = world.clinic_a
    clinic.phone, clinic.email = "+1 617-555-0142", "desk@alpha.example"
    clinic.save()
    return clinic


@pytest.mark.parametrize("situation", ["expired", "revoked", "used"])
def test_a_link_that_stopped_working_creates_no_account(invited, world, alpha_contact, situation):
    _patient, invitation, token = invited
    client = opened(token)
    if situation == "expired":
        Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    if situation == "revoked":
        invitation_revoke(invitation=invitation, actor=world.staff_a)
    if situation == "used":
        invitation_accept(token=token, user=UserFactory(email="iris@example.com"))
    response = create(client)
    heading = {
        "expired": "This invitation has expired",
        "revoked": "This invitation was cancelled",
        "used": "This invitation has already been used",
    }[situation]
    assert response.status_code == 410 and heading in response.text
    contact_shown = 'href="tel:+16175550142"' in response.text and "desk@alpha.example" in response.text
    assert contact_shown == (situation != "used")  # "used" sends the person to sign in, not to the clinic
    assert User.objects.filter(email="iris@example.com").count() == (1 if situation == "used" else 0)
    assert "_auth_user_id" not in client.session


def test_accepting_ends_the_records_other_pending_invitations(invited, world):
    _patient, invitation, token = invited
    other, _other_token = send(invitation.patient, world.staff_a)
    create(opened(token))
    other.refresh_from_db()
    assert other.status == InvitationStatus.SUPERSEDED


def test_allauths_sign_up_page_sends_an_invited_visitor_to_the_invitation(invited):
    _patient, _invitation, token = invited
    closed = Client().get("/accounts/signup/")
    assert "password1" not in closed.text and "invitation" in closed.text.lower()
    client = opened(token)
    assert client.get("/accounts/signup/")["Location"] == "/invite/accept/"
    posted = client.post(
        "/accounts/signup/", {"email": "iris@example.com", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert posted["Location"] == "/invite/accept/"
    assert not User.objects.filter(email="iris@example.com").exists()


def test_an_account_made_in_another_tab_meanwhile_is_signed_in_to_not_duplicated(invited):
    _patient, invitation, token = invited
    client = opened(token)
    assert 'name="password1"' in client.get("/invite/accept/").text
    UserFactory(email="iris@example.com")  # the other tab
    response = create(client)
    assert response.status_code == 409
    assert "An account with this address has just been created" in response.text
    assert 'name="password"' in response.text and 'name="password1"' not in response.text
    assert User.objects.filter(email="iris@example.com").count() == 1
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.PENDING


class TestAnExistingAccountWithAnUnverifiedAddress:
    """Someone already has an account with the address but never confirmed it (an invitation
    opened before the short way existed, or an account staff made). The invitation does not
    verify it or set its password: that would hand the account to whoever opened the link
    without its password. Its owner signs in, and allauth sends its verification email;
    confirming it, in this browser or any other, continues the invitation."""

    @pytest.fixture
    def unverified(self, invited):
        return UserFactory(email="iris@example.com", verified=False)

    def test_choosing_a_new_password_is_not_offered_and_does_not_take_it_over(self, invited, unverified):
        _patient, _invitation, token = invited
        client = opened(token)
        page = client.get("/invite/accept/")
        assert "You already have an account with this address" in page.text
        assert 'name="password1"' not in page.text
        response = create(client, password="a-takeover-passphrase")
        assert response.status_code == 409
        unverified.refresh_from_db()
        assert unverified.check_password(PASSWORD) and not unverified.check_password("a-takeover-passphrase")
        assert not EmailAddress.objects.get(user=unverified).verified
        assert "_auth_user_id" not in client.session
        assert User.objects.filter(email="iris@example.com").get() == unverified

    def test_signing_in_sends_allauths_email_and_links_nothing_yet(
        self, invited, unverified, django_capture_on_commit_callbacks
    ):
        _patient, invitation, token = invited
        client = opened(token)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/invite/accept/", {"password": PASSWORD})
        assert response["Location"] == "/accounts/confirm-email/"
        [message] = mail.outbox
        assert message.to == ["iris@example.com"]
        assert not EmailAddress.objects.get(user=unverified).verified
        assert "_auth_user_id" not in client.session
        invitation.refresh_from_db()
        assert invitation.status == InvitationStatus.PENDING

    def test_confirming_in_another_browser_continues_the_invitation(
        self, invited, unverified, django_capture_on_commit_callbacks
    ):
        patient, invitation, token = invited
        with django_capture_on_commit_callbacks(execute=True):
            opened(token).post("/invite/accept/", {"password": PASSWORD})
        link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+/)", mail.outbox[-1].body).group(1)

        other_browser = Client()  # the email read on a phone, say
        confirmed = other_browser.post(link)
        assert confirmed["Location"] == "/invite/accept/"
        assert EmailAddress.objects.get(user=unverified).verified
        page = other_browser.get("/invite/accept/")
        assert "Alpha Clinic invites you to its patient portal" in page.text
        assert "You already have an account with this address" in page.text
        signed_in = other_browser.post("/invite/accept/", {"password": PASSWORD})
        assert signed_in["Location"] == "/portal/"
        invitation.refresh_from_db()
        assert (invitation.status, invitation.accepted_by) == (InvitationStatus.ACCEPTED, unverified)
        assert PortalAccess.objects.get(user=unverified).patient == patient

    def test_confirming_in_the_same_browser_signs_in_and_returns_to_the_invitation(
        self, invited, unverified, django_capture_on_commit_callbacks
    ):
        _patient, invitation, token = invited
        client = opened(token)
        with django_capture_on_commit_callbacks(execute=True):
            client.post("/invite/accept/", {"password": PASSWORD})
        link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+/)", mail.outbox[-1].body).group(1)
        confirmed = client.post(link)
        assert confirmed["Location"] == "/invite/accept/"
        assert int(client.session["_auth_user_id"]) == unverified.pk
        assert "Accept invitation" in client.get("/invite/accept/").text
        assert client.post("/invite/accept/")["Location"] == "/portal/"
        invitation.refresh_from_db()
        assert invitation.status == InvitationStatus.ACCEPTED


def test_confirming_an_address_with_no_invitation_goes_where_it_always_did(world, django_capture_on_commit_callbacks):
    UserFactory(email="new@example.com", verified=False)
    with django_capture_on_commit_callbacks(execute=True):
        Client().post("/accounts/login/", {"login": "new@example.com", "password": PASSWORD})
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+/)", mail.outbox[-1].body).group(1)
    other_browser = Client()
    assert other_browser.post(link)["Location"] == "/accounts/login/"
    assert "invitation_digest" not in other_browser.session


def test_with_two_factor_the_code_comes_next_and_then_one_tap_accepts(invited):
    _patient, invitation, token = invited
    user = UserFactory(email="iris@example.com")
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    client = opened(token)
    first_step = client.post("/invite/accept/", {"password": PASSWORD})
    assert first_step["Location"] == "/accounts/2fa/authenticate/"
    assert "_auth_user_id" not in client.session
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.PENDING
    code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    second_step = client.post("/accounts/2fa/authenticate/", {"code": code})
    assert second_step["Location"] == "/invite/accept/"
    assert "Accept invitation" in client.get("/invite/accept/").text
    assert client.post("/invite/accept/")["Location"] == "/portal/"
    invitation.refresh_from_db()
    assert (invitation.status, invitation.accepted_by) == (InvitationStatus.ACCEPTED, user)
