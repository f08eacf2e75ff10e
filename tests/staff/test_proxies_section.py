"""The "Proxies" section of a patient's record: staff add a proxy (their own invitation, to their
own address) and end a proxy's access; scoped to the clinic's team like every record action."""

import datetime

import pytest
from django.core import mail

from patientportal.patients.choices import AccessLevel, InvitationStatus, PortalAccessStatus, PortalStatus, Relationship
from patientportal.patients.models import Invitation, PortalAccess
from tests.access_matrix import assert_staff_url_is_scoped
from tests.conftest import client_for
from tests.factories import PatientFactory, PortalAccessFactory

pytestmark = pytest.mark.django_db

GUARDIAN = {
    "name": "Daniel  Garcia",
    "email": "Daniel@Example.com",
    "relationship": Relationship.PARENT_GUARDIAN,
    "level": AccessLevel.APPOINTMENTS_DOCUMENTS,
    "expires_in_hours": "48",
}


@pytest.fixture
def leo(world):
    return PatientFactory(
        clinic=world.clinic_a, first_name="Leo", last_name="Garcia", email="", date_of_birth=datetime.date(2015, 7, 8)
    )


def record_url(patient) -> str:
    return f"/staff/{patient.clinic.slug}/patients/{patient.pk}/"


def test_staff_add_a_proxy_who_gets_their_own_invitation(world, leo, django_capture_on_commit_callbacks):
    client = client_for(world.staff_a)
    assert "Add a proxy" in client.get(record_url(leo)).text
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(record_url(leo) + "proxies/", GUARDIAN, follow=True)
    assert "Invitation on its way to Daniel Garcia at daniel@example.com" in response.text
    invitation = Invitation.objects.get(patient=leo)
    assert (invitation.email, invitation.proxy_name, invitation.relationship, invitation.level) == (
        "daniel@example.com",
        "Daniel Garcia",
        Relationship.PARENT_GUARDIAN,
        AccessLevel.APPOINTMENTS_DOCUMENTS,
    )
    assert mail.outbox[-1].to == ["daniel@example.com"]
    leo.refresh_from_db()
    assert (leo.portal_status, leo.email) == (PortalStatus.ENABLED, "")  # the record's email is untouched
    assert "Invited" in response.text and "Appointments and documents only" in response.text


def test_a_refusal_is_shown_beside_its_field_and_nothing_is_sent(world):
    adult = PatientFactory(clinic=world.clinic_a, date_of_birth=datetime.date(1990, 1, 1))
    response = client_for(world.staff_a).post(record_url(adult) + "proxies/", GUARDIAN)
    assert response.status_code == 400
    assert "a parent or guardian&#x27;s access ends at 18" in response.text
    assert not Invitation.objects.filter(patient=adult).exists()


def test_staff_end_a_proxys_access(world, leo):
    link = PortalAccessFactory(patient=leo, relationship=Relationship.CAREGIVER, proxy_name="Rosa Diaz")
    response = client_for(world.staff_a).post(record_url(leo) + f"proxies/{link.pk}/revoke/", follow=True)
    assert "Rosa Diaz can no longer use this record" in response.text
    assert PortalAccess.objects.get(pk=link.pk).status == PortalAccessStatus.DISABLED
    assert "Ended" in response.text


def test_adding_a_proxy_is_scoped_to_the_clinics_team(world):
    child = PatientFactory(clinic=world.clinic_a, date_of_birth=datetime.date(2016, 1, 1))
    assert_staff_url_is_scoped(world, record_url(child) + "proxies/", method="post", data=GUARDIAN)


def test_ending_a_proxy_is_scoped_to_the_clinics_team_and_the_record(world, leo):
    link = PortalAccessFactory(patient=leo, relationship=Relationship.CAREGIVER)
    # Another record of the same clinic, and the patient's own link, are not this record's proxies.
    assert client_for(world.staff_a).post(record_url(world.p2) + f"proxies/{link.pk}/revoke/").status_code == 404
    own = PortalAccess.objects.get(user=world.patient_user_1)
    assert client_for(world.staff_a).post(record_url(world.p1) + f"proxies/{own.pk}/revoke/").status_code == 404
    assert PortalAccess.objects.get(pk=own.pk).status == PortalAccessStatus.ACTIVE
    assert client_for(world.owner_b).post(f"/staff/beta/patients/{leo.pk}/proxies/{link.pk}/revoke/").status_code == 404
    assert_staff_url_is_scoped(world, record_url(leo) + f"proxies/{link.pk}/revoke/", method="post")
    assert PortalAccess.objects.get(pk=link.pk).status == PortalAccessStatus.DISABLED  # by the clinic's staff


def test_a_pending_proxy_invitation_can_be_revoked_from_the_section(world, leo):
    client = client_for(world.staff_a)
    client.post(record_url(leo) + "proxies/", GUARDIAN)
    invitation = Invitation.objects.get(patient=leo)
    page = client.get(record_url(leo)).text
    assert f"invitations/{invitation.pk}/revoke/" in page
    client.post(record_url(leo) + f"invitations/{invitation.pk}/revoke/")
    assert Invitation.objects.get(pk=invitation.pk).status == InvitationStatus.REVOKED
