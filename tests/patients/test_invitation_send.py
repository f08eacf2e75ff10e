import datetime
import hashlib
import re

import pytest
from django.core import mail
from django.utils import timezone

from patientportal.audit.models import AuditEvent
from patientportal.patients.choices import InvitationStatus
from patientportal.patients.errors import PatientError
from patientportal.patients.invitations import invitation_send
from patientportal.patients.models import Invitation, Patient
from tests.factories import PatientFactory
from tests.patients.helpers import HOUR, enabled, send

pytestmark = pytest.mark.django_db


@pytest.fixture
def patient(world):
    return enabled(PatientFactory(clinic=world.clinic_a, email="Invitee@Example.com"), world.staff_a)


def test_an_invitation_is_pending_for_the_chosen_time(world, patient):
    now = timezone.now()
    invitation, _token = send(patient, world.staff_a, hours=48, now=now)
    assert invitation.status_at(now) == InvitationStatus.PENDING
    assert invitation.expires_at == now + 48 * HOUR
    assert (invitation.email, invitation.created_by, invitation.clinic) == (
        "invitee@example.com",
        world.staff_a,
        world.clinic_a,
    )
    assert AuditEvent.objects.filter(action="patients.invitation.sent", patient=patient).count() == 1


@pytest.mark.parametrize("hours", [1, 168])
def test_the_limits_of_the_expiry_are_accepted(world, patient, hours):
    invitation, _token = send(patient, world.staff_a, hours=hours)
    assert invitation.expires_at - invitation.created_at == hours * HOUR


@pytest.mark.parametrize(
    "expires_in",
    [HOUR - datetime.timedelta(seconds=1), 168 * HOUR + datetime.timedelta(seconds=1), datetime.timedelta(0), -HOUR],
)
def test_an_expiry_outside_one_hour_to_seven_days_is_refused(world, patient, expires_in):
    with pytest.raises(PatientError) as refused:
        invitation_send(patient=patient, expires_in=expires_in, actor=world.staff_a)
    assert refused.value.code == "expiry_out_of_range"
    assert not Invitation.objects.exists()


def test_the_token_is_long_random_and_only_its_hash_is_stored(world, patient):
    invitation, token = send(patient, world.staff_a)
    _other, other_token = send(patient, world.staff_a)
    assert len(token) >= 43 and token != other_token  # 32 bytes = 256 bits, base64url
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    # The token itself is nowhere in the database: not in any invitation column, not in the audit.
    for row in Invitation.objects.values():
        assert token not in " ".join(str(value) for value in row.values())
    for row in AuditEvent.objects.values("metadata", "object_id"):
        assert token not in str(row)


def test_a_fourth_pending_invitation_is_refused(world, patient):
    for _ in range(3):
        send(patient, world.staff_a)
    with pytest.raises(PatientError) as refused:
        send(patient, world.staff_a)
    assert refused.value.code == "too_many_pending"
    assert "Revoke one first" in str(refused.value.message)
    assert Invitation.objects.filter(patient=patient).count() == 3


def test_expired_revoked_and_accepted_invitations_do_not_count_towards_the_three(world, patient):
    from patientportal.patients.invitations import invitation_accept, invitation_revoke
    from tests.factories import UserFactory

    now = timezone.now()
    send(patient, world.staff_a, hours=1, now=now - 2 * HOUR)  # expired
    revoked, _ = send(patient, world.staff_a)
    invitation_revoke(invitation=revoked, actor=world.staff_a)
    _accepted, token = send(patient, world.staff_a)
    invitation_accept(token=token, user=UserFactory(email="invitee@example.com"))
    for _ in range(3):
        send(patient, world.staff_a)
    assert Invitation.objects.for_patient(patient).count() == 6
    assert Invitation.objects.for_patient(patient).pending_at(timezone.now()).count() == 3


def test_no_invitation_without_enabled_access_or_an_email(world):
    not_enabled = PatientFactory(clinic=world.clinic_a)
    with pytest.raises(PatientError) as refused:
        send(not_enabled, world.staff_a)
    assert refused.value.code == "portal_not_enabled"
    no_email = enabled(PatientFactory(clinic=world.clinic_a, email="x@example.com"), world.staff_a)
    Patient.objects.filter(pk=no_email.pk).update(email="")
    no_email.refresh_from_db()
    with pytest.raises(PatientError) as refused:
        send(no_email, world.staff_a)
    assert refused.value.code == "no_email"
    assert not Invitation.objects.exists()


def test_the_email_names_the_clinic_the_sender_the_local_expiry_and_links_absolutely(
    world, patient, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://portal.example.com"
    world.staff_a.first_name, world.staff_a.last_name = "Sam", "Front"
    world.staff_a.save()
    sent_at = datetime.datetime(2026, 1, 10, 15, 0, tzinfo=datetime.UTC)
    with django_capture_on_commit_callbacks(execute=True):
        _invitation, token = send(patient, world.staff_a, hours=48, now=sent_at)
    [message] = mail.outbox
    assert message.to == ["invitee@example.com"]
    assert "Alpha Clinic" in message.subject
    assert "Sam Front at Alpha Clinic" in message.body
    # 2026-01-12 15:00 UTC is 10:00 in New York (EST)
    assert "Monday, January 12, 2026, 10:00 AM (America/New_York time)" in message.body
    assert f"https://portal.example.com/invite/#{token}" in message.body  # the token in the fragment
    assert "Not expecting this email?" in message.body
    html = message.alternatives[0][0]
    assert f'href="https://portal.example.com/invite/#{token}"' in html
    assert re.search(r"Alpha Clinic", html)
