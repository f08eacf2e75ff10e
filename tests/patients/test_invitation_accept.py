import datetime

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone

from patientportal.audit.models import AuditEvent
from patientportal.audit.transitions import transition
from patientportal.patients.choices import INVITATION_TRANSITIONS, InvitationStatus, PortalAccessStatus
from patientportal.patients.errors import PatientError
from patientportal.patients.invitations import invitation_accept
from patientportal.patients.machines import INVITATION
from patientportal.patients.models import Invitation, PortalAccess
from patientportal.patients.services import portal_disable
from tests.factories import PatientFactory, UserFactory
from tests.patients.helpers import HOUR, enabled, send

pytestmark = pytest.mark.django_db


def _transition(*, invitation, to, fields):
    """The one transition helper, answering whether the invitation moved."""
    try:
        transition(machine=INVITATION, obj=invitation, to=to, actor=None, fields=fields)
    except PatientError:
        return False
    return True


@pytest.fixture
def patient(world):
    return enabled(PatientFactory(clinic=world.clinic_a, email="anna.ivanova@example.com"), world.staff_a)


def refused_code(token, user, now=None) -> str:
    with pytest.raises(PatientError) as refused:
        invitation_accept(token=token, user=user, now=now)
    return refused.value.code


def test_accepting_links_the_account_and_marks_the_invitation_accepted(world, patient):
    invitation, token = send(patient, world.staff_a)
    user = UserFactory(email="anna.ivanova@example.com")
    access = invitation_accept(token=token, user=user)
    assert (access.user, access.patient, access.clinic, access.status) == (
        user,
        patient,
        world.clinic_a,
        PortalAccessStatus.ACTIVE,
    )
    invitation.refresh_from_db()
    assert (invitation.status, invitation.accepted_by) == (InvitationStatus.ACCEPTED, user)
    assert AuditEvent.objects.filter(action="patients.invitation.accepted", actor=user, patient=patient).count() == 1


def test_an_account_already_linked_elsewhere_gains_a_second_record(world, patient):
    user = world.patient_user_b
    patient.email = user.email
    patient.save()
    _invitation, token = send(patient, world.staff_a)
    invitation_accept(token=token, user=user)
    assert set(PortalAccess.objects.filter(user=user).values_list("patient", flat=True)) == {world.pb.pk, patient.pk}


def test_the_link_works_until_the_last_instant_before_expiry_and_never_after(world, patient):
    sent = timezone.now()
    invitation, token = send(patient, world.staff_a, hours=1, now=sent)
    user = UserFactory(email="anna.ivanova@example.com")
    assert refused_code(token, user, now=invitation.expires_at) == "expired"
    assert refused_code(token, user, now=invitation.expires_at + datetime.timedelta(seconds=1)) == "expired"
    invitation_accept(token=token, user=user, now=invitation.expires_at - datetime.timedelta(microseconds=1))
    assert PortalAccess.objects.filter(user=user, patient=patient).exists()


def test_a_link_works_once(world, patient):
    _invitation, token = send(patient, world.staff_a)
    user = UserFactory(email="anna.ivanova@example.com")
    invitation_accept(token=token, user=user)
    assert refused_code(token, user) == "used"
    assert PortalAccess.objects.count() == 4  # the world's three plus this one


def test_an_unknown_token_links_nothing(world):
    assert refused_code("not-a-real-token", world.patient_user_1) == "unknown"
    assert refused_code("", world.patient_user_1) == "unknown"
    events = AuditEvent.objects.filter(action="patients.invitation.refused")
    assert [event.metadata for event in events] == [{"reason": "unknown"}, {"reason": "unknown"}]


def test_a_disabled_patient_cannot_be_joined(world, patient):
    _invitation, token = send(patient, world.staff_a)
    portal_disable(patient=patient, actor=world.staff_a)
    assert refused_code(token, UserFactory(email="anna.ivanova@example.com")) == "portal_disabled"
    assert not PortalAccess.objects.filter(patient=patient).exists()


@pytest.mark.parametrize(
    ("account_email", "matches"),
    [
        ("anna.ivanova@example.com", True),
        ("ANNA.Ivanova@EXAMPLE.com", True),
        ("аnna.ivanova@example.com", False),  # Cyrillic а (U+0430)
        ("anna.ıvanova@example.com", False),  # dotless ı (U+0131)
        ("anna.ivanova@example.com\u0301", False),  # a combining accent
        ("anna.ivanova@example.co", False),
        ("other@example.com", False),
    ],
)
def test_the_account_email_must_match_the_invitation(world, patient, account_email, matches):
    _invitation, token = send(patient, world.staff_a)
    user = UserFactory(email="someone-else@example.com")
    EmailAddress.objects.filter(user=user).update(email=account_email)
    if matches:
        invitation_accept(token=token, user=user)
        assert PortalAccess.objects.filter(user=user, patient=patient).exists()
    else:
        assert refused_code(token, user) == "email_mismatch"
        assert not PortalAccess.objects.filter(user=user).exists()
        assert Invitation.objects.get(token_hash__isnull=False, patient=patient).status == InvitationStatus.PENDING


def test_an_unverified_address_does_not_count(world, patient):
    _invitation, token = send(patient, world.staff_a)
    user = UserFactory(email="anna.ivanova@example.com", verified=False)
    assert refused_code(token, user) == "email_mismatch"


@pytest.mark.parametrize("from_status", [InvitationStatus.PENDING, InvitationStatus.ACCEPTED, InvitationStatus.REVOKED])
@pytest.mark.parametrize("to_status", [InvitationStatus.PENDING, InvitationStatus.ACCEPTED, InvitationStatus.REVOKED])
def test_every_pair_of_stored_statuses_follows_the_transition_table(world, patient, from_status, to_status):
    invitation, _token = send(patient, world.staff_a)
    Invitation.objects.filter(pk=invitation.pk).update(status=from_status)
    invitation.refresh_from_db()
    moved = _transition(invitation=invitation, to=to_status, fields={})
    assert moved == (to_status in INVITATION_TRANSITIONS[from_status])
    invitation.refresh_from_db()
    assert invitation.status == (to_status if moved else from_status)


def test_a_stale_copy_cannot_move_an_invitation_that_changed_meanwhile(world, patient):
    invitation, _token = send(patient, world.staff_a)
    stale = Invitation.objects.get(pk=invitation.pk)
    Invitation.objects.filter(pk=invitation.pk).update(status=InvitationStatus.REVOKED)
    assert _transition(invitation=stale, to=InvitationStatus.ACCEPTED, fields={}) is False
    assert Invitation.objects.get(pk=invitation.pk).status == InvitationStatus.REVOKED


def test_expired_is_read_from_the_clock_not_stored(world, patient):
    now = timezone.now()
    invitation, _token = send(patient, world.staff_a, hours=1, now=now)
    assert invitation.status == InvitationStatus.PENDING
    assert invitation.status_at(now + HOUR) == InvitationStatus.EXPIRED
    assert invitation.status_at(now + HOUR - datetime.timedelta(seconds=1)) == InvitationStatus.PENDING


def test_a_kelvin_sign_does_not_pass_for_a_k(world):
    patient = enabled(PatientFactory(clinic=world.clinic_a, email="kate@example.com"), world.staff_a)
    _invitation, token = send(patient, world.staff_a)
    user = UserFactory(email="someone@example.com")
    EmailAddress.objects.filter(user=user).update(email="\u212aate@example.com")
    assert refused_code(token, user) == "email_mismatch"


def test_accepting_one_invitation_ends_the_record_s_other_pending_ones(world, patient):
    older, older_token = send(patient, world.staff_a)
    newer, newer_token = send(patient, world.staff_a)
    other_patient = enabled(PatientFactory(clinic=world.clinic_a, email="someone@example.com"), world.staff_a)
    unrelated, _token = send(other_patient, world.staff_a)
    user = UserFactory(email="anna.ivanova@example.com")
    invitation_accept(token=newer_token, user=user)
    older.refresh_from_db()
    unrelated.refresh_from_db()
    assert older.status == InvitationStatus.SUPERSEDED
    assert older.display_status().label == "No longer needed"
    assert unrelated.status == InvitationStatus.PENDING  # another patient's invitation is untouched
    event = AuditEvent.objects.get(action="patients.invitation.superseded")
    assert (event.actor, event.patient, event.object_id) == (user, patient, str(older.pk))
    assert event.metadata["accepted_invitation"] == newer.pk
    # The leftover link no longer links anything, whoever opens it.
    assert refused_code(older_token, user) == "used"
    assert refused_code(older_token, UserFactory(email="anna.ivanova@example.com".upper())) == "used"
