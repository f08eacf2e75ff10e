import pytest

from patientportal.clinics.choices import Role
from patientportal.clinics.errors import ClinicError
from patientportal.clinics.models import StaffMembership
from patientportal.clinics.services import staff_member_remove
from tests.conftest import client_for
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def test_the_last_owner_cannot_be_removed(world):
    membership = StaffMembership.objects.get(user=world.owner_a, clinic=world.clinic_a)
    with pytest.raises(ClinicError) as refused:
        staff_member_remove(membership=membership, actor=world.owner_a)
    assert refused.value.code == "last_owner"
    assert StaffMembership.objects.filter(pk=membership.pk).exists()


def test_an_owner_can_be_removed_when_another_owner_remains(world):
    second = MembershipFactory(clinic=world.clinic_a, role=Role.OWNER)
    staff_member_remove(membership=second, actor=world.owner_a)
    assert not StaffMembership.objects.filter(pk=second.pk).exists()


def test_removal_takes_effect_on_the_removed_persons_next_request(world):
    removed = client_for(world.staff_a)
    assert removed.get(f"/staff/alpha/patients/{world.p1.pk}/").status_code == 200
    membership = StaffMembership.objects.get(user=world.staff_a, clinic=world.clinic_a)
    response = client_for(world.owner_a).post(f"/staff/alpha/team/{membership.pk}/remove/", follow=True)
    assert "Team member removed" in response.text
    assert removed.get(f"/staff/alpha/patients/{world.p1.pk}/").status_code == 404


def test_only_owners_remove_members_and_only_in_their_clinic(world):
    membership = StaffMembership.objects.get(user=world.owner_a, clinic=world.clinic_a)
    url = f"/staff/alpha/team/{membership.pk}/remove/"
    assert client_for(world.staff_a).post(url).status_code == 403
    assert client_for(world.owner_b).post(url).status_code == 404
    b_membership = StaffMembership.objects.get(user=world.owner_b)
    assert client_for(world.owner_a).post(f"/staff/alpha/team/{b_membership.pk}/remove/").status_code == 404
    assert StaffMembership.objects.count() == 3
