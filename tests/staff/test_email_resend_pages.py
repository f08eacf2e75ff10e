"""Staff see whether an email arrived where they see what it was about — an invitation
in the record's Patient Portal Access section, an order's emails on the order page, a
signature request's email on the document page — and send a refused one again."""

import datetime
import smtplib

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from patientportal.audit.models import AuditEvent
from patientportal.clinics.choices import Role
from patientportal.core.choices import DeliveryStatus
from patientportal.core.emails import queue_message
from patientportal.core.models import EmailDelivery
from patientportal.documents.services import signature_requests_announce
from patientportal.orders.services import order_email_patient
from patientportal.patients.models import Invitation
from tests.access_matrix import assert_staff_url_is_scoped
from tests.conftest import client_for
from tests.core.conftest import flaky_mail  # noqa: F401 - a fixture
from tests.documents.helpers import upload
from tests.factories import MembershipFactory
from tests.orders.helpers import place_order
from tests.patients.helpers import send

pytestmark = pytest.mark.django_db(transaction=True)

REFUSED = smtplib.SMTPRecipientsRefused({"x@example.com": (550, b"5.1.1 unknown")})


def to_patients() -> list:
    """The emails sent to patients: the clinic's staff are also told when one is not delivered
    (a notification, emailed at once to the front desk), which these tests are not about."""
    return [message for message in mail.outbox if not message.to[0].endswith("@alpha.example")]


def failed_delivery(**about) -> EmailDelivery:
    delivery = EmailDelivery.objects.filter(**about).latest("created_at")
    assert delivery.status == DeliveryStatus.FAILED
    return delivery


def test_a_refused_invitation_shows_in_the_portal_access_section_with_resend(world, flaky_mail):  # noqa: F811
    flaky_mail.append(REFUSED)
    invitation, _token = send(world.p1, world.staff_a)
    page = client_for(world.staff_a).get(f"/staff/alpha/patients/{world.p1.pk}/")
    assert 'id="invitation-email-failed"' in page.text
    assert "Email not delivered" in page.text and "the mail server refused the address" in page.text
    response = client_for(world.staff_a).post(
        f"/staff/alpha/patients/{world.p1.pk}/invitations/{invitation.pk}/resend/", follow=True
    )
    assert "Invitation sent again" in response.text
    assert 'id="invitation-email-failed"' not in response.text
    assert Invitation.objects.filter(patient=world.p1).count() == 2
    assert len(to_patients()) == 1


def test_a_delivered_invitation_cannot_be_resent(world):
    invitation, _token = send(world.p1, world.staff_a)
    response = client_for(world.staff_a).post(
        f"/staff/alpha/patients/{world.p1.pk}/invitations/{invitation.pk}/resend/", follow=True
    )
    assert "Only an invitation whose email was not delivered" in response.text
    assert Invitation.objects.filter(patient=world.p1).count() == 1


def test_an_orders_emails_show_on_the_order_page_and_a_refused_one_is_sent_again(world, flaky_mail):  # noqa: F811
    order = place_order(world)
    flaky_mail.append(REFUSED)
    order_email_patient(order, "ready")
    client = client_for(world.staff_a)
    page = client.get(f"/staff/alpha/orders/{order.pk}/")
    assert "Emails to the patient" in page.text and "Email not delivered" in page.text
    delivery = failed_delivery(about_type="orders.order", about_id=str(order.pk))
    assert f'action="/staff/alpha/emails/{delivery.pk}/resend/"' in page.text

    response = client.post(
        f"/staff/alpha/emails/{delivery.pk}/resend/", {"next": f"/staff/alpha/orders/{order.pk}/#emails"}, follow=True
    )
    assert response.redirect_chain[-1][0] == f"/staff/alpha/orders/{order.pk}/#emails"
    assert "The email will be sent again" in response.text and "Email sent" in response.text
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert to_patients()[0].to == [world.p1.email]
    event = AuditEvent.objects.get(action="orders.email.resent")
    assert (event.patient_id, event.object_id) == (world.p1.pk, str(delivery.pk))
    assert event.metadata["order"] == order.pk


def test_a_signature_request_email_shows_on_the_document_page_and_a_refused_one_is_sent_again(
    world,
    flaky_mail,  # noqa: F811
):
    flaky_mail.append(REFUSED)
    document = upload(world)
    client = client_for(world.staff_a)
    page = client.get(f"/staff/alpha/documents/{document.pk}/")
    assert "Emails to the people who can sign" in page.text and "Email not delivered" in page.text
    delivery = failed_delivery(kind="documents/email/signature_request")
    assert (delivery.about_type, delivery.about_id) == (
        "documents.signaturerequest",
        str(document.signature_request.pk),
    )
    response = client.post(f"/staff/alpha/emails/{delivery.pk}/resend/", follow=True)
    assert response.redirect_chain[-1][0] == f"/staff/alpha/documents/{document.pk}/"
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    event = AuditEvent.objects.get(action="documents.email.resent")
    assert (event.patient_id, event.object_id) == (world.p1.pk, str(delivery.pk))


def test_an_email_that_was_not_refused_or_is_too_old_is_not_sent_again(world, flaky_mail):  # noqa: F811
    order = place_order(world)
    order_email_patient(order, "ready")
    delivery = EmailDelivery.objects.get(about_type="orders.order")
    client = client_for(world.staff_a)
    response = client.post(f"/staff/alpha/emails/{delivery.pk}/resend/", follow=True)
    assert "there is nothing to resend" in response.text
    EmailDelivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.FAILED, sealed_message="", failed_at=timezone.now() - datetime.timedelta(days=30)
    )
    response = client.post(f"/staff/alpha/emails/{delivery.pk}/resend/", follow=True)
    assert "too old to send again" in response.text
    assert len(mail.outbox) == 1


def test_email_resend_is_scoped_to_the_clinics_team(world, flaky_mail):  # noqa: F811
    flaky_mail.extend([REFUSED, REFUSED])
    order = place_order(world)
    order_email_patient(order, "ready")
    delivery = failed_delivery(about_type="orders.order")
    invitation, _token = send(world.p1, world.staff_a)
    assert_staff_url_is_scoped(world, f"/staff/alpha/emails/{delivery.pk}/resend/", method="post")
    assert_staff_url_is_scoped(
        world, f"/staff/alpha/patients/{world.p1.pk}/invitations/{invitation.pk}/resend/", method="post"
    )
    # Another clinic's staff, under their own clinic, and another patient's invitation id: 404.
    assert client_for(world.owner_b).post(f"/staff/beta/emails/{delivery.pk}/resend/").status_code == 404
    beta_invitation, _token = send(world.pb, world.owner_b)
    outsider_url = f"/staff/alpha/patients/{world.p1.pk}/invitations/{beta_invitation.pk}/resend/"
    assert client_for(world.staff_a).post(outsider_url).status_code == 404
    assert client_for(world.staff_a).get(f"/staff/alpha/emails/{delivery.pk}/resend/").status_code == 405


def test_only_emails_about_the_clinics_orders_and_patients_can_be_resent_this_way(world):
    send(world.p1, world.staff_a)
    about_invitation = EmailDelivery.objects.get(about_type="patients.invitation")
    account_email = queue_message(mail.EmailMessage("Reset", "key", to=["paula@example.com"]))
    client = client_for(world.staff_a)
    for delivery in (about_invitation, account_email):
        EmailDelivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.FAILED)
        assert client.post(f"/staff/alpha/emails/{delivery.pk}/resend/").status_code == 404
    assert client.post("/staff/alpha/emails/999999/resend/").status_code == 404


def provider_of_alpha(world):
    return MembershipFactory(clinic=world.clinic_a, role=Role.PROVIDER).user


def test_an_order_email_is_resent_only_by_the_roles_of_the_order_pages(world, flaky_mail):  # noqa: F811
    order = place_order(world)
    flaky_mail.append(REFUSED)
    order_email_patient(order, "ready")
    delivery = failed_delivery(about_type="orders.order", about_id=str(order.pk))
    provider = client_for(provider_of_alpha(world))
    assert provider.get(f"/staff/alpha/orders/{order.pk}/").status_code == 403  # the page it would resend from
    assert provider.post(f"/staff/alpha/emails/{delivery.pk}/resend/").status_code == 403
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED  # nothing re-queued, sent or audited
    assert (delivery.attempts, len(to_patients())) == (1, 0)
    assert not AuditEvent.objects.filter(action="orders.email.resent").exists()

    response = client_for(world.owner_a).post(f"/staff/alpha/emails/{delivery.pk}/resend/")
    assert response.status_code == 302 and response["Location"] == f"/staff/alpha/orders/{order.pk}/"
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and to_patients()[0].to == [world.p1.email]
    assert AuditEvent.objects.get(action="orders.email.resent").actor_id == world.owner_a.pk


def test_a_signature_email_is_resent_by_any_role_of_the_document_pages(world, flaky_mail):  # noqa: F811
    flaky_mail.append(REFUSED)
    document = upload(world)
    delivery = failed_delivery(kind="documents/email/signature_request")
    provider = client_for(provider_of_alpha(world))
    assert provider.get(f"/staff/alpha/documents/{document.pk}/").status_code == 200
    assert provider.post(f"/staff/alpha/emails/{delivery.pk}/resend/").status_code == 302
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT


def signature_emails_on(client, document) -> str:
    page = client.get(f"/staff/alpha/documents/{document.pk}/").text
    return page.split("Emails to the people who can sign", 1)[1] if "Emails to the people who can sign" in page else ""


def test_each_document_page_shows_only_the_email_about_its_own_signature_request(world, flaky_mail):  # noqa: F811
    # Two documents asked to be signed within the same hour, one email each: the first refused.
    flaky_mail.append(REFUSED)
    first = upload(world, title="First")
    second = upload(world, title="Second")
    refused = failed_delivery(kind="documents/email/signature_request", status=DeliveryStatus.FAILED)
    sent = EmailDelivery.objects.get(kind="documents/email/signature_request", status=DeliveryStatus.SENT)
    EmailDelivery.objects.filter(pk=sent.pk).update(created_at=refused.created_at + datetime.timedelta(minutes=40))
    client = client_for(world.staff_a)
    on_first, on_second = signature_emails_on(client, first), signature_emails_on(client, second)
    assert "Email not delivered" in on_first and "Email sent" not in on_first
    assert f"/emails/{refused.pk}/resend/" in on_first
    assert "Email sent" in on_second and "Email not delivered" not in on_second
    assert f"/emails/{refused.pk}/resend/" not in on_second


def test_files_uploaded_together_make_one_email_shown_on_the_page_of_the_first_due(world):
    sooner = upload(world, title="Sooner", sign_days=10)
    later = upload(world, title="Later", sign_days=20)
    EmailDelivery.objects.all().delete()
    signature_requests_announce(documents=[later, sooner])
    [delivery] = EmailDelivery.objects.all()
    assert (delivery.about_type, delivery.about_id) == ("documents.signaturerequest", str(sooner.signature_request.pk))
    client = client_for(world.staff_a)
    assert "Email sent" in signature_emails_on(client, sooner)
    assert signature_emails_on(client, later) == ""


def queries_for(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_email_states_cost_the_same_queries_however_many_emails(world):
    order = place_order(world)
    document = upload(world)
    send(world.p1, world.staff_a)
    client = client_for(world.staff_a)
    urls = [
        f"/staff/alpha/orders/{order.pk}/",
        f"/staff/alpha/documents/{document.pk}/",
        f"/staff/alpha/patients/{world.p1.pk}/",
    ]
    order_email_patient(order, "approved")
    before = [queries_for(client, url) for url in urls]
    order_email_patient(order, "ready")
    order_email_patient(order, "cancelled")
    signature_requests_announce(documents=[document])
    send(world.p1, world.staff_a)
    send(world.p1, world.staff_a)
    assert [queries_for(client, url) for url in urls] == before
