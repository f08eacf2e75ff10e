"""Changing the sign-in email address from the account page (allauth's "change email"): the
password is asked again, the new address works only once its link is opened, the old address is
told, both addresses are in the audit log, and the patient record's email (clinic data) stays."""

import re

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core import mail
from django.test import Client

from patientportal.audit.models import AuditEvent
from tests.accounts.test_sign_in import sign_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

NEW = "paula.new@example.com"


def ask_for_change(client: Client, new: str = NEW, *, capture) -> None:
    """Ask for the change and confirm the password when allauth asks for it."""
    asked = client.post("/accounts/email/", {"action_add": "", "email": new})
    assert asked.status_code == 302 and asked["Location"].startswith("/accounts/reauthenticate/")
    with capture(execute=True):
        done = client.post(asked["Location"], {"password": PASSWORD}, follow=True)
    assert done.status_code == 200


def verification_path(message) -> str:
    return re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+/)", message.body).group(1)


def test_the_new_address_needs_the_password_and_its_link_and_the_old_one_is_told(
    world, django_capture_on_commit_callbacks
):
    world.p1.email = "paula.record@example.com"
    world.p1.save()
    client = Client()
    sign_in(client, "paula@example.com")
    ask_for_change(client, capture=django_capture_on_commit_callbacks)

    # Waiting: nothing has changed yet but a pending, unverified, non-primary address.
    world.patient_user_1.refresh_from_db()
    assert world.patient_user_1.email == "paula@example.com"
    pending = EmailAddress.objects.get(email=NEW)
    assert (pending.user, pending.verified, pending.primary) == (world.patient_user_1, False, False)
    [verification] = mail.outbox
    assert verification.to == [NEW]
    requested = AuditEvent.objects.get(action="accounts.email.change_requested")
    assert requested.actor_id == world.patient_user_1.pk
    assert requested.metadata == {"email": "paula@example.com", "new_email": NEW}
    assert NEW in client.get("/portal/account/").text  # the account page says a change is waiting

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(verification_path(verification))

    world.patient_user_1.refresh_from_db()
    assert world.patient_user_1.email == NEW
    assert list(EmailAddress.objects.filter(user=world.patient_user_1).values_list("email", "verified", "primary")) == [
        (NEW, True, True)
    ]
    [told] = mail.outbox
    assert told.to == ["paula@example.com"]
    assert "changed from paula@example.com to paula.new@example.com" in told.body
    changed = AuditEvent.objects.get(action="accounts.email.changed")
    assert changed.metadata == {"from_email": "paula@example.com", "to_email": NEW}
    # The patient record's email is the clinic's contact data: the account's change leaves it alone.
    world.p1.refresh_from_db()
    assert world.p1.email == "paula.record@example.com"
    # And the new address signs in; the old one no longer does.
    new_client = Client()
    sign_in(new_client, NEW)
    assert new_client.get("/portal/").status_code == 200
    old_client = Client()
    sign_in(old_client, "paula@example.com")
    assert old_client.get("/portal/").status_code == 302


def test_without_the_password_nothing_is_added_or_sent(world):
    client = Client()
    sign_in(client, "paula@example.com")
    asked = client.post("/accounts/email/", {"action_add": "", "email": NEW})
    wrong = client.post(asked["Location"], {"password": "not-the-password"})
    assert wrong.status_code == 200
    assert not EmailAddress.objects.filter(email=NEW).exists()
    assert mail.outbox == []
    assert not AuditEvent.objects.filter(action="accounts.email.change_requested").exists()


def test_the_address_waiting_for_its_link_signs_nothing_in_and_gets_no_password_reset(
    world, django_capture_on_commit_callbacks
):
    client = Client()
    sign_in(client, "paula@example.com")
    ask_for_change(client, capture=django_capture_on_commit_callbacks)
    mail.outbox.clear()

    stranger = Client()
    refused = sign_in(stranger, NEW)
    assert refused.status_code == 200 and "_auth_user_id" not in stranger.session
    with django_capture_on_commit_callbacks(execute=True):
        answer = stranger.post("/accounts/password/reset/", {"email": NEW})
    assert answer.status_code == 302  # the same answer as for any address (no enumeration)
    # What any address without an account gets ("no account here"), never a reset link.
    [no_account] = mail.outbox
    assert no_account.to == [NEW] and "/accounts/password/reset/key/" not in no_account.body
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        stranger.post("/accounts/password/reset/", {"email": "paula@example.com"})
    [reset] = mail.outbox
    assert reset.to == ["paula@example.com"]


def test_asking_for_changes_is_rate_limited(world, django_capture_on_commit_callbacks):
    client = Client()
    sign_in(client, "paula@example.com")
    ask_for_change(client, "first@example.com", capture=django_capture_on_commit_callbacks)  # 2 posts counted
    statuses = [
        client.post("/accounts/email/", {"action_add": "", "email": f"n{i}@example.com"}).status_code for i in range(5)
    ]
    assert statuses[-1] == 429 and statuses.count(429) >= 1
    assert EmailAddress.objects.filter(user=world.patient_user_1, verified=False).count() == 1  # only the latest waits


def test_an_owner_with_two_factor_can_change_their_address(world, django_capture_on_commit_callbacks):
    """allauth blocks adding an unverified address to an account with two-factor unless told
    otherwise (MFA_ALLOW_UNVERIFIED_EMAIL): owners must have two-factor, so they must be able to."""
    TOTP.activate(world.owner_a, generate_totp_secret())
    client = Client()
    client.force_login(world.owner_a)
    asked = client.post("/accounts/email/", {"action_add": "", "email": "owner.new@alpha.example"})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(asked["Location"], {"password": PASSWORD})
    assert EmailAddress.objects.filter(email="owner.new@alpha.example", verified=False).exists()
    [verification] = mail.outbox
    assert verification.to == ["owner.new@alpha.example"]


def test_another_accounts_address_can_never_be_taken(world, django_capture_on_commit_callbacks):
    """The page answers as for any address (no enumeration); the owner of the address is told
    someone tried, gets no link, and their account and sign-in are untouched."""
    client = Client()
    sign_in(client, "paula@example.com")
    ask_for_change(client, "peter@example.com", capture=django_capture_on_commit_callbacks)
    [notice] = mail.outbox
    assert notice.to == ["peter@example.com"] and "/accounts/confirm-email/" not in notice.body
    assert "nothing changed" in notice.body
    world.patient_user_1.refresh_from_db()
    assert world.patient_user_1.email == "paula@example.com"
    peter = Client()
    sign_in(peter, "peter@example.com")
    assert peter.get("/portal/").status_code == 200
    assert int(peter.session["_auth_user_id"]) == world.patient_user_2.pk
