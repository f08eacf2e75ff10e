"""With a real SMTP server (aiosmtpd) and the production task path (database backend,
the worker): a mail server that refuses and then accepts gets the email after a retry;
one that is stopped gets it when it is back; a permanent refusal shows on the staff
page, where the invitation is sent again with a new link that arrives."""

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from patientportal.core.choices import DeliveryStatus
from patientportal.core.models import EmailDelivery
from patientportal.patients.choices import InvitationStatus
from patientportal.patients.invitations import token_hash
from patientportal.patients.models import Invitation
from tests.conftest import client_for
from tests.core.faults import run_worker_once, time_passes
from tests.factories import PatientFactory
from tests.patients.helpers import enabled

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def nora(world):
    patient = PatientFactory(clinic=world.clinic_a, first_name="Nora", last_name="New", email="nora@example.com")
    return enabled(patient, world.staff_a)


def record(patient) -> str:
    return f"/staff/alpha/patients/{patient.pk}/"


def invite(client, patient):
    response = client.post(record(patient) + "invitations/", {"expires_in_hours": "48"})
    assert response.status_code == 302
    return Invitation.objects.filter(patient=patient).latest("created_at")


def test_a_mail_server_that_refuses_then_accepts_gets_the_invitation_after_a_retry(
    world, nora, database_tasks, smtp_server
):
    smtp_server.refuse_next("451 4.3.0 Mailbox busy, try again later")
    invitation = invite(client_for(world.staff_a), nora)
    run_worker_once()
    delivery = EmailDelivery.objects.get(about_type="patients.invitation", about_id=str(invitation.pk))
    assert (delivery.status, delivery.last_error) == (DeliveryStatus.RETRYING, "SMTPRecipientsRefused 451")
    assert smtp_server.received == []
    page = client_for(world.staff_a).get(record(nora))
    assert "Email delayed" in page.text and "Email not delivered" not in page.text
    time_passes()
    run_worker_once()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 2)
    [received] = smtp_server.received
    assert b"nora@example.com" in received and b"/invite/" in received
    assert "Email sent" in client_for(world.staff_a).get(record(nora)).text


def test_a_stopped_mail_server_gets_the_email_when_it_is_back(world, nora, database_tasks, smtp_server):
    smtp_server.stop()
    invitation = invite(client_for(world.staff_a), nora)
    run_worker_once()
    run_worker_once()  # nothing is due yet: the retry waits its minute
    delivery = EmailDelivery.objects.get(about_id=str(invitation.pk))
    assert (delivery.status, delivery.attempts, delivery.last_error) == (
        DeliveryStatus.RETRYING,
        1,
        "ConnectionRefusedError",
    )
    smtp_server.start()
    time_passes()
    run_worker_once()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and len(smtp_server.received) == 1


def test_a_permanent_refusal_shows_on_the_staff_page_and_the_invitation_is_sent_again_with_a_new_link(
    world, nora, database_tasks, smtp_server
):
    smtp_server.refuse_next("550 5.1.1 Mailbox does not exist")
    client = client_for(world.staff_a)
    first = invite(client, nora)
    run_worker_once()
    page = client.get(record(nora))
    assert "Email not delivered" in page.text
    assert "the mail server refused the address" in page.text
    resend_url = f"/staff/alpha/patients/{nora.pk}/invitations/{first.pk}/resend/"
    assert f'action="{resend_url}"' in page.text

    response = client.post(resend_url, follow=True)
    assert "Invitation sent again to nora@example.com with a new link" in response.text
    run_worker_once()
    first.refresh_from_db()
    second = Invitation.objects.filter(patient=nora).latest("created_at")
    assert second.pk != first.pk
    assert first.status_at(timezone.now()) == InvitationStatus.REVOKED
    assert second.status_at(timezone.now()) == InvitationStatus.PENDING
    assert second.expires_at - second.created_at == first.expires_at - first.created_at
    # Besides, the front desk was told (a notification emailed at once) that the first did not arrive.
    [received] = [message for message in smtp_server.received if b"/invite/" in message]
    # The email that arrived carries the new invitation's link, not the lost one's.
    link_token = received.decode().split("/invite/")[1].split()[0].lstrip("#").rstrip("/")
    assert token_hash(link_token) == second.token_hash
    page = client.get(record(nora))
    assert "Email not delivered" in page.text  # the first invitation's row still says what happened
    assert f'action="{resend_url}"' not in page.text  # …but it cannot be resent twice


def test_after_fixing_the_mail_server_the_operator_sends_the_waiting_emails_at_once(
    world, nora, database_tasks, smtp_server
):
    smtp_server.stop()
    invite(client_for(world.staff_a), nora)
    run_worker_once()
    assert EmailDelivery.objects.get().status == DeliveryStatus.RETRYING
    smtp_server.start()
    out = io.StringIO()
    call_command("send_waiting_emails", stdout=out)
    assert out.getvalue().strip() == "1 email(s) will be tried again now."
    run_worker_once()
    assert EmailDelivery.objects.get().status == DeliveryStatus.SENT and len(smtp_server.received) == 1
