"""An invitation and its email are one: written in one transaction with the email's
task (the task store is this database), so they commit or fail together; a refused
email is sent again with a fresh link."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from patientportal.audit.models import AuditEvent
from patientportal.core.choices import DeliveryStatus
from patientportal.core.models import EmailDelivery
from patientportal.patients.choices import InvitationStatus
from patientportal.patients.errors import PatientError
from patientportal.patients.invitations import invitation_resend
from patientportal.patients.models import Invitation
from tests.conftest import client_for
from tests.core.faults import task_table_refuses_writes
from tests.factories import PatientFactory
from tests.patients.helpers import enabled, send

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def database_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def nora(world):
    patient = PatientFactory(clinic=world.clinic_a, first_name="Nora", last_name="New", email="nora@example.com")
    return enabled(patient, world.staff_a)


def test_when_the_email_task_cannot_be_written_there_is_no_invitation_and_staff_are_told_to_try_again(
    world, nora, database_tasks
):
    client = client_for(world.staff_a)
    url = f"/staff/alpha/patients/{nora.pk}/invitations/"
    with task_table_refuses_writes():
        response = client.post(url, {"expires_in_hours": "48"})
    assert response.status_code == 400  # the record again, with the message: never a server error
    assert "nothing was sent and no invitation was made. Please try again." in response.text
    assert not Invitation.objects.exists()
    assert not EmailDelivery.objects.exists()
    assert not AuditEvent.objects.filter(action="patients.invitation.sent").exists()

    # Trying again makes exactly one invitation, with its one email task.
    assert client.post(url, {"expires_in_hours": "48"}).status_code == 302
    invitation = Invitation.objects.get()
    delivery = EmailDelivery.objects.get()
    assert (delivery.about_type, delivery.about_id) == ("patients.invitation", str(invitation.pk))
    [task] = DBTaskResult.objects.all()
    assert task.args_kwargs == {"args": [], "kwargs": {"delivery_id": delivery.pk}}


def test_the_invitation_and_its_email_task_are_written_together(world, nora, database_tasks):
    invitation, _token = send(nora, world.staff_a)
    delivery = EmailDelivery.objects.get(about_id=str(invitation.pk))
    assert delivery.status == DeliveryStatus.QUEUED
    assert DBTaskResult.objects.filter(args_kwargs__kwargs__delivery_id=delivery.pk).count() == 1


def refuse(invitation: Invitation) -> None:
    """The invitation's email was given up on."""
    EmailDelivery.objects.filter(about_id=str(invitation.pk)).update(
        status=DeliveryStatus.FAILED, failed_at=timezone.now(), last_error="SMTPRecipientsRefused 550"
    )


def test_a_refused_invitation_is_sent_again_with_a_new_link_the_same_time_to_expire_and_audited(world, nora):
    first, first_token = send(nora, world.staff_a, hours=24)
    refuse(first)
    mail.outbox.clear()
    second, second_token = invitation_resend(invitation=first, actor=world.staff_a)
    first.refresh_from_db()
    now = timezone.now()
    assert first.status_at(now) == InvitationStatus.REVOKED
    assert second.status_at(now) == InvitationStatus.PENDING
    assert second.expires_at - second.created_at == datetime.timedelta(hours=24)
    assert second_token != first_token
    assert second_token in mail.outbox[0].body and first_token not in mail.outbox[0].body
    event = AuditEvent.objects.get(action="patients.invitation.resent")
    assert (event.object_id, event.metadata["replaces"], event.actor_id) == (str(second.pk), first.pk, world.staff_a.pk)


def test_an_expired_invitation_whose_email_was_refused_can_be_sent_again(world, nora):
    long_ago = timezone.now() - datetime.timedelta(days=10)
    first, _token = send(nora, world.staff_a, hours=48, now=long_ago)
    refuse(first)
    second, _token = invitation_resend(invitation=first, actor=world.staff_a)
    assert second.status_at(timezone.now()) == InvitationStatus.PENDING


@pytest.mark.parametrize("case", ["delivered", "accepted_or_revoked", "already_resent"])
def test_only_the_latest_invitation_whose_email_was_refused_can_be_sent_again(world, nora, case):
    first, _token = send(nora, world.staff_a)
    if case != "delivered":
        refuse(first)
    if case == "accepted_or_revoked":
        Invitation.objects.filter(pk=first.pk).update(status=InvitationStatus.REVOKED, revoked_at=timezone.now())
    if case == "already_resent":
        invitation_resend(invitation=first, actor=world.staff_a)
    with pytest.raises(PatientError) as refused:
        invitation_resend(invitation=first, actor=world.staff_a)
    assert refused.value.code == "not_resendable"
    assert Invitation.objects.count() == (2 if case == "already_resent" else 1)
