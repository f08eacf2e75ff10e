import pytest
from django.utils import timezone

from patientportal.patients.choices import InvitationStatus
from patientportal.patients.errors import PatientError
from patientportal.patients.invitations import invitation_accept, invitation_problem, invitation_revoke
from tests.factories import PatientFactory, UserFactory
from tests.patients.helpers import HOUR, enabled, send

pytestmark = pytest.mark.django_db


@pytest.fixture
def patient(world):
    return enabled(PatientFactory(clinic=world.clinic_a, email="invitee@example.com"), world.staff_a)


def test_revoking_a_pending_invitation_records_who_and_kills_the_link(world, patient):
    invitation, token = send(patient, world.staff_a)
    invitation_revoke(invitation=invitation, actor=world.owner_a)
    invitation.refresh_from_db()
    assert (invitation.status, invitation.revoked_by) == (InvitationStatus.REVOKED, world.owner_a)
    assert invitation.revoked_at is not None
    assert invitation_problem(invitation=invitation) == "revoked"
    with pytest.raises(PatientError) as refused:
        invitation_accept(token=token, user=UserFactory(email="invitee@example.com"))
    assert refused.value.code == "revoked"


def test_only_pending_invitations_can_be_revoked(world, patient):
    now = timezone.now()
    expired, _ = send(patient, world.staff_a, hours=1, now=now - 2 * HOUR)
    accepted, token = send(patient, world.staff_a)
    invitation_accept(token=token, user=UserFactory(email="invitee@example.com"))
    revoked, _ = send(patient, world.staff_a)
    invitation_revoke(invitation=revoked, actor=world.staff_a)
    for invitation in (expired, accepted, revoked):
        invitation.refresh_from_db()
        before = invitation.status
        with pytest.raises(PatientError) as refused:
            invitation_revoke(invitation=invitation, actor=world.staff_a)
        assert refused.value.code == "not_pending"
        invitation.refresh_from_db()
        assert invitation.status == before
