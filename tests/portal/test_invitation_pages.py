import pytest
from django.test import Client
from django.utils import timezone

from patientportal.accounts.models import User
from patientportal.patients.choices import InvitationStatus
from patientportal.patients.invitations import invitation_revoke
from patientportal.patients.models import PortalAccess
from patientportal.patients.services import portal_disable
from tests.conftest import client_for
from tests.factories import PASSWORD, PatientFactory, UserFactory
from tests.patients.helpers import HOUR, enabled, send

pytestmark = pytest.mark.django_db


@pytest.fixture
def invited(world):
    """A patient of Alpha Clinic with a pending invitation; returns (patient, invitation, token)."""
    patient = enabled(
        PatientFactory(clinic=world.clinic_a, first_name="Iris", last_name="Invitee", email="iris@example.com"),
        world.staff_a,
    )
    invitation, token = send(patient, world.staff_a)
    return patient, invitation, token


def test_opening_the_link_moves_the_token_out_of_the_address_bar(invited):
    _patient, _invitation, token = invited
    client = Client()
    response = client.get(f"/invite/{token}/")
    assert response.status_code == 302
    assert response["Location"] == "/invite/accept/"
    assert response["Referrer-Policy"] == "no-referrer"
    page = client.get("/invite/accept/")
    assert token not in page.text
    assert page["Referrer-Policy"] == "same-origin"  # no token here; its form must post with an Origin
    assert "no-store" in page["Cache-Control"]


def test_a_signed_out_visitor_sees_the_clinic_but_no_patient_data(invited):
    _patient, _invitation, token = invited
    client = Client()
    page = client.get(f"/invite/{token}/", follow=True)
    assert "Alpha Clinic invites you to its patient portal" in page.text
    assert "iris@example.com" in page.text
    assert "Iris" not in page.text.replace("iris@example.com", "")
    assert "Invitee" not in page.text
    assert 'name="password1"' in page.text  # the account is made here (test_invitation_short_way_in.py)


def test_accounts_are_made_only_while_a_usable_invitation_is_in_the_session(invited, world):
    _patient, invitation, token = invited
    assert "password1" not in Client().get("/invite/accept/").text
    client = Client()
    client.get(f"/invite/{token}/")
    assert "password1" in client.get("/invite/accept/").text
    invitation_revoke(invitation=invitation, actor=world.staff_a)
    refused = client.post(
        "/invite/accept/",
        {"email": "iris@example.com", "password1": "a-good-long-passphrase", "password2": "a-good-long-passphrase"},
    )
    assert refused.status_code == 410
    assert not User.objects.filter(email="iris@example.com").exists()


def test_an_existing_account_that_signs_in_on_allauths_page_returns_to_accept(invited):
    _patient, _invitation, token = invited
    user = UserFactory(email="iris@example.com")
    client = Client()
    client.get(f"/invite/{token}/")
    signed_in = client.post(
        "/accounts/login/?next=/invite/accept/", {"login": "iris@example.com", "password": PASSWORD}
    )
    assert signed_in["Location"] == "/invite/accept/"
    client.post("/invite/accept/")
    assert PortalAccess.objects.filter(user=user).count() == 1


def test_a_signed_in_account_with_another_email_is_told_and_nothing_is_linked(invited, world):
    _patient, invitation, token = invited
    client = client_for(world.patient_user_1)
    page = client.get(f"/invite/{token}/", follow=True)
    assert page.status_code == 409
    assert "different email address" in page.text
    posted = client.post("/invite/accept/")
    assert posted.status_code == 409
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.PENDING
    assert world.patient_user_1.portal_accesses.count() == 1


def test_a_used_link_shows_a_clear_page(invited):
    _patient, _invitation, token = invited
    user = UserFactory(email="iris@example.com")
    client = client_for(user)
    client.get(f"/invite/{token}/")
    client.post("/invite/accept/")
    again = Client().get(f"/invite/{token}/")
    assert again.status_code == 410
    assert "already been used" in again.text


@pytest.mark.parametrize("situation", ["expired", "revoked", "disabled", "unknown"])
def test_every_unusable_link_has_its_own_clear_page_and_shows_nothing_of_the_patient(world, situation):
    patient = enabled(PatientFactory(clinic=world.clinic_a, first_name="Quinn", email="q@example.com"), world.staff_a)
    sent_at = timezone.now() - (2 * HOUR if situation == "expired" else 0 * HOUR)
    invitation, token = send(patient, world.staff_a, hours=1, now=sent_at)
    if situation == "revoked":
        invitation_revoke(invitation=invitation, actor=world.staff_a)
    if situation == "disabled":
        portal_disable(patient=patient, actor=world.staff_a)
    if situation == "unknown":
        token = token[:-4] + "AAAA"
    expected = {
        "expired": (410, "This invitation has expired"),
        "revoked": (410, "This invitation was cancelled"),
        "disabled": (410, "Portal access is switched off"),
        "unknown": (404, "This invitation link is not valid"),
    }[situation]
    response = Client().get(f"/invite/{token}/")
    assert (response.status_code, expected[1] in response.text) == (expected[0], True)
    assert response["Referrer-Policy"] == "no-referrer"
    assert "Quinn" not in response.text and "q@example.com" not in response.text
    assert "Alpha Clinic" not in response.text
    assert not PortalAccess.objects.filter(patient=patient).exists()


def test_the_accept_page_without_an_invitation_explains_what_to_do():
    page = Client().get("/invite/accept/")
    assert "Open your invitation from the email" in page.text


def test_invitation_links_are_rate_limited_per_address_across_cookies(invited):
    for _ in range(20):
        Client().get("/invite/guess-number-something/")
    blocked = Client().get(f"/invite/{invited[2]}/")
    assert blocked.status_code == 429
    assert "Too many attempts" in blocked.text


def test_the_session_keeps_only_the_tokens_hash(invited):
    from django.contrib.sessions.models import Session

    _patient, _invitation, token = invited
    client = Client()
    client.get(f"/invite/{token}/")
    for session in Session.objects.all():
        assert token not in str(session.get_decoded())
    assert "Alpha Clinic invites you" in client.get("/invite/accept/").text


def test_refusals_on_the_pages_are_audited(invited, world):
    from patientportal.audit.models import AuditEvent

    _patient, _invitation, token = invited
    Client().get("/invite/not-a-token/")
    client_for(world.patient_user_1).get(f"/invite/{token}/", follow=True)  # wrong account
    refusals = AuditEvent.objects.filter(action="patients.invitation.refused").order_by("id")
    reasons = [event.metadata["reason"] for event in refusals]
    assert reasons == ["unknown", "email_mismatch"]


def test_an_idle_session_opening_a_link_never_puts_the_token_in_a_next_address(invited, world):
    from tests.accounts.test_automatic_logoff import age_session

    _patient, _invitation, token = invited
    client = client_for(world.patient_user_1)
    client.get("/portal/")
    age_session(client, idle_seconds=3 * 3600)
    response = client.get(f"/invite/{token}/")
    assert token not in response.get("Location", "").replace(f"/invite/{token}/", "")
    assert response["Location"] == "/invite/accept/"


def test_a_signed_in_account_is_rate_limited_whatever_its_address(invited, world):
    client = client_for(world.patient_user_1)
    for index in range(20):
        client.get(f"/invite/guess-{index}/", REMOTE_ADDR=f"10.0.0.{index}")
    assert client.get(f"/invite/{invited[2]}/", REMOTE_ADDR="10.0.1.1").status_code == 429
