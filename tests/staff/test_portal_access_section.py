import pytest
from django.core import mail

from patientportal.patients.choices import InvitationStatus, PortalStatus
from patientportal.patients.models import Invitation, Patient
from tests.access_matrix import assert_staff_url_is_scoped
from tests.conftest import client_for
from tests.factories import PatientFactory
from tests.patients.helpers import enabled, send

pytestmark = pytest.mark.django_db


@pytest.fixture
def new_patient(world):
    return PatientFactory(clinic=world.clinic_a, first_name="Nora", last_name="New", email="nora@example.com")


def record_url(patient) -> str:
    return f"/staff/{patient.clinic.slug}/patients/{patient.pk}/"


def test_staff_enable_access_then_send_an_invitation(world, new_patient, django_capture_on_commit_callbacks):
    client = client_for(world.staff_a)
    page = client.get(record_url(new_patient))
    assert "Enable Portal Access" in page.text
    assert 'value="nora@example.com"' in page.text
    response = client.post(record_url(new_patient) + "portal/enable/", {"email": "Nora.New@example.com"}, follow=True)
    assert "Portal access enabled" in response.text
    new_patient.refresh_from_db()
    assert (new_patient.portal_status, new_patient.email) == (PortalStatus.ENABLED, "nora.new@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(record_url(new_patient) + "invitations/", {"expires_in_hours": "24"}, follow=True)
    assert "Invitation on its way to nora.new@example.com" in response.text
    invitation = Invitation.objects.get(patient=new_patient)
    assert invitation.expires_at - invitation.created_at == __import__("datetime").timedelta(hours=24)
    assert mail.outbox[0].to == ["nora.new@example.com"]
    assert "Pending" in response.text and "staff@alpha.example" in response.text


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("0", "at least 1 hour"),
        ("169", "at most 7 days (168 hours)"),
        ("two days", "Enter a whole number of hours"),
        ("", "Enter how many hours"),
    ],
)
def test_a_bad_expiry_is_refused_with_a_clear_message_and_kept(world, new_patient, typed, message):
    enabled(new_patient, world.staff_a)
    response = client_for(world.staff_a).post(record_url(new_patient) + "invitations/", {"expires_in_hours": typed})
    assert response.status_code == 400
    assert message in response.text
    assert f'value="{typed}"' in response.text or typed == ""
    assert not Invitation.objects.exists()


def test_the_fourth_invitation_is_refused_telling_staff_to_revoke_one(world, new_patient):
    enabled(new_patient, world.staff_a)
    for _ in range(3):
        send(new_patient, world.staff_a)
    response = client_for(world.staff_a).post(record_url(new_patient) + "invitations/", {"expires_in_hours": "48"})
    assert response.status_code == 400
    assert "Revoke one first" in response.text
    assert Invitation.objects.count() == 3


def test_an_invalid_email_is_refused_and_kept(world, new_patient):
    response = client_for(world.staff_a).post(record_url(new_patient) + "portal/enable/", {"email": "nora@"})
    assert response.status_code == 400
    assert "Enter a valid email address." in response.text
    assert 'value="nora@"' in response.text
    assert Patient.objects.get(pk=new_patient.pk).portal_status == PortalStatus.NOT_ENABLED


def test_staff_revoke_a_pending_invitation(world, new_patient):
    enabled(new_patient, world.staff_a)
    invitation, _ = send(new_patient, world.staff_a)
    response = client_for(world.owner_a).post(
        record_url(new_patient) + f"invitations/{invitation.pk}/revoke/", follow=True
    )
    assert "Invitation revoked" in response.text
    invitation.refresh_from_db()
    assert (invitation.status, invitation.revoked_by) == (InvitationStatus.REVOKED, world.owner_a)
    again = client_for(world.owner_a).post(
        record_url(new_patient) + f"invitations/{invitation.pk}/revoke/", follow=True
    )
    assert "Only a pending invitation can be revoked." in again.text


def test_disabling_asks_for_confirmation_first(world):
    client = client_for(world.staff_a)
    confirm = client.get(record_url(world.p1) + "portal/disable/")
    assert "Disable portal access for Paula One?" in confirm.text
    assert Patient.objects.get(pk=world.p1.pk).portal_status == PortalStatus.ENABLED
    done = client.post(record_url(world.p1) + "portal/disable/", follow=True)
    assert "Portal access disabled" in done.text
    assert "Re-enable Portal Access" in done.text
    assert Patient.objects.get(pk=world.p1.pk).portal_status == PortalStatus.DISABLED


@pytest.mark.parametrize(
    ("suffix", "method", "data"),
    [
        ("portal/enable/", "post", {"email": "x@example.com"}),
        ("portal/disable/", "get", None),
        ("portal/disable/", "post", None),
        ("invitations/", "post", {"expires_in_hours": "48"}),
    ],
)
def test_portal_access_actions_are_scoped_to_the_clinics_team(world, new_patient, suffix, method, data):
    patient = new_patient if suffix == "portal/enable/" else world.p1
    assert_staff_url_is_scoped(world, record_url(patient) + suffix, method=method, data=data)


def test_another_clinic_cannot_see_or_act_on_invitations(world):
    invitation, _ = send(world.p1, world.staff_a)
    revoke = record_url(world.p1) + f"invitations/{invitation.pk}/revoke/"
    outsider = client_for(world.owner_b)
    assert outsider.get(record_url(world.p1)).status_code == 404
    assert outsider.post(revoke).status_code == 404
    assert outsider.post(f"/staff/beta/patients/{world.p1.pk}/invitations/{invitation.pk}/revoke/").status_code == 404
    # An invitation id under another patient of the same clinic is also 404.
    assert (
        client_for(world.staff_a).post(record_url(world.p2) + f"invitations/{invitation.pk}/revoke/").status_code == 404
    )
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.PENDING


def test_the_history_shows_times_in_the_clinics_time_zone(world):
    import datetime

    sent = datetime.datetime(2026, 7, 1, 16, 30, tzinfo=datetime.UTC)
    send(world.p1, world.staff_a, hours=48, now=sent)
    page = client_for(world.staff_a).get(record_url(world.p1))
    assert "Jul 1, 2026, 12:30 PM EDT" in page.text  # New York, summer time
    assert "Jul 3, 2026, 12:30 PM EDT" in page.text
    assert "Expired" in page.text


def test_each_revoke_button_names_its_own_invitation(world, new_patient):
    """Two invitations sent in the same minute: a screen reader still tells their buttons apart."""
    import datetime
    import re

    from django.utils import timezone

    enabled(new_patient, world.staff_a)
    sent = timezone.now().replace(second=5, microsecond=0)
    send(new_patient, world.staff_a, now=sent)
    send(new_patient, world.staff_a, now=sent + datetime.timedelta(seconds=20))
    page = client_for(world.staff_a).get(record_url(new_patient))
    names = [
        re.sub(r"<[^>]+>", "", name)
        for name in re.findall(r"<button type=\"submit\" class=\"btn btn-quiet\">(Revoke.*?)</button>", page.text)
    ]
    assert len(names) == 2
    assert len(set(names)) == 2, names
    assert all("nora@example.com" in name for name in names)
