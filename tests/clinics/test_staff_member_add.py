import pytest
from allauth.account.models import EmailAddress
from django.core import mail

from patientportal.audit.models import AuditEvent
from patientportal.clinics.choices import Role
from patientportal.clinics.errors import ClinicError
from patientportal.clinics.models import StaffMembership
from patientportal.clinics.services import staff_member_add
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_a_new_person_gets_an_account_without_password_and_an_email(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        membership = staff_member_add(
            clinic=world.clinic_a, email="New.Nurse@Alpha.example", role=Role.STAFF, actor=world.owner_a
        )
    assert membership.user.email == "new.nurse@alpha.example"
    assert not membership.user.has_usable_password()
    assert EmailAddress.objects.get(user=membership.user).verified is False
    [message] = mail.outbox
    assert message.to == ["new.nurse@alpha.example"]
    assert "Alpha Clinic" in message.subject
    assert "/accounts/password/reset/" in message.body
    assert AuditEvent.objects.filter(action="clinics.staff_member.added", clinic=world.clinic_a).count() == 1


def test_an_existing_account_is_added_and_told_to_sign_in(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        staff_member_add(clinic=world.clinic_b, email=world.staff_a.email, role=Role.ADMIN, actor=world.owner_b)
    assert StaffMembership.objects.get(user=world.staff_a, clinic=world.clinic_b).role == Role.ADMIN
    assert "/accounts/login/" in mail.outbox[0].body
    assert world.staff_a.has_usable_password()


def test_adding_someone_twice_is_refused_and_changes_nothing(world):
    with pytest.raises(ClinicError) as refused:
        staff_member_add(clinic=world.clinic_a, email="STAFF@alpha.example", role=Role.OWNER, actor=world.owner_a)
    assert refused.value.code == "already_member"
    assert StaffMembership.objects.get(user=world.staff_a, clinic=world.clinic_a).role == Role.STAFF


def test_owner_adds_a_member_from_the_team_page(world):
    response = client_for(world.owner_a).post(
        "/staff/alpha/team/", {"email": "desk@alpha.example", "role": Role.STAFF}, follow=True
    )
    assert "Team member added" in response.text
    assert StaffMembership.objects.filter(clinic=world.clinic_a, user__email="desk@alpha.example").exists()


def test_the_team_page_shows_a_clear_error_for_bad_input_and_keeps_it(world):
    response = client_for(world.owner_a).post("/staff/alpha/team/", {"email": "not-an-address", "role": "staff"})
    assert response.status_code == 200
    assert "Enter a valid email address." in response.text
    assert 'value="not-an-address"' in response.text


def test_staff_who_are_not_owners_cannot_add_members(world):
    response = client_for(world.staff_a).post("/staff/alpha/team/", {"email": "x@alpha.example", "role": "owner"})
    assert response.status_code == 403
    assert not StaffMembership.objects.filter(user__email="x@alpha.example").exists()


def test_another_clinics_owner_gets_404(world):
    response = client_for(world.owner_b).post("/staff/alpha/team/", {"email": "x@beta.example", "role": "staff"})
    assert response.status_code == 404
    assert not StaffMembership.objects.filter(user__email="x@beta.example").exists()
