"""The real transitions notify the clinic, in the transaction of the event: a restricted order
placed, an order paid (by the patient, or captured when staff approve), a document signed, an
email given up on, a patient's appointment request or cancellation. An order without restricted
items waits for no one: no approval notice."""

import datetime

import pytest
from django.db import transaction
from django.utils import timezone

from patientportal.core.choices import DeliveryStatus
from patientportal.core.deliveries import delivery_attempt_failed, delivery_create
from patientportal.notifications.choices import EmailChoice, NotificationKind
from patientportal.notifications.models import Notification
from patientportal.orders.choices import PaymentStatus
from patientportal.orders.models import Order
from patientportal.payments.authorisations import order_approve
from patientportal.scheduling.requests import appointment_request_create
from patientportal.scheduling.services import appointment_cancel_by_patient
from tests.documents.helpers import upload
from tests.documents.test_signing import sign
from tests.notifications.helpers import told
from tests.orders.helpers import pay, place_order
from tests.payments.helpers import authorise, restricted_order
from tests.scheduling.helpers import book, setup_for
from tests.scheduling.test_appointment_requests import WINDOWS

pytestmark = pytest.mark.django_db

A, S = "owner@alpha.example", "staff@alpha.example"


def queue(*, to, about=None):
    """An email kept for sending (not sent: the test decides what becomes of it)."""
    return delivery_create(subject="s", body_text="b", body_html="", from_email="f@example.com", to=[to], about=about)


def titles(kind):
    return set(Notification.objects.filter(kind=kind).values_list("title", "url"))


def test_a_restricted_order_tells_owners_at_once_and_the_front_desk_in_the_summary(world):
    order, _product = restricted_order(world)
    assert told(NotificationKind.ORDER_AWAITING_APPROVAL) == {A: EmailChoice.INSTANT, S: EmailChoice.DIGEST}
    assert titles(NotificationKind.ORDER_AWAITING_APPROVAL) == {
        (f"Order {order.number} is waiting for approval", f"/staff/alpha/orders/{order.pk}/")
    }
    # The product (a prescription item) is named nowhere.
    assert not Notification.objects.filter(title__icontains="Tretinoin").exists()


def test_an_order_that_needs_no_approval_tells_no_one_until_it_is_paid(world):
    order = place_order(world)
    assert not Notification.objects.exists()
    pay(order)
    assert told(NotificationKind.ORDER_PAID) == {A: EmailChoice.DIGEST, S: EmailChoice.INSTANT}
    assert titles(NotificationKind.ORDER_PAID) == {
        (f"Order {order.number} is paid and ready to prepare", f"/staff/alpha/orders/{order.pk}/")
    }


def test_a_card_captured_on_approval_is_paid_and_to_prepare(world):
    order, _product = restricted_order(world)
    authorise(order)
    assert not Notification.objects.filter(kind=NotificationKind.ORDER_PAID).exists()  # only held, not taken
    order_approve(order=order, actor=world.owner_a)
    assert Order.objects.get(pk=order.pk).payment_status == PaymentStatus.PAID
    assert told(NotificationKind.ORDER_PAID) == {A: EmailChoice.DIGEST, S: EmailChoice.INSTANT}


def test_a_notice_rolls_back_with_the_order_that_did_not_happen(world):
    with pytest.raises(RuntimeError), transaction.atomic():
        restricted_order(world)
        raise RuntimeError("the order failed after it was placed")
    assert not Notification.objects.exists()


def test_a_failing_notice_does_not_stop_the_patients_order(world, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("down")

    monkeypatch.setattr("patientportal.notifications.services._notify", broken)
    order, _product = restricted_order(world)
    assert Order.objects.filter(pk=order.pk).exists()
    assert not Notification.objects.exists()


def test_a_signed_document_tells_every_role_in_the_summary_without_its_title(world):
    document = upload(world, title="HIV test consent")
    sign(world, document)
    assert told(NotificationKind.DOCUMENT_SIGNED) == {A: EmailChoice.DIGEST, S: EmailChoice.DIGEST}
    assert titles(NotificationKind.DOCUMENT_SIGNED) == {
        ("A patient signed a document", f"/staff/alpha/documents/{document.pk}/")
    }


def test_an_email_given_up_on_tells_the_clinic_of_what_it_was_about(world):
    order = place_order(world)
    delivery = queue(to="maria.private@example.com", about=order)
    delivery_attempt_failed(delivery, error="SMTPRecipientsRefused 550", permanent=True)
    assert delivery.status == DeliveryStatus.FAILED
    assert told(NotificationKind.EMAIL_UNDELIVERED) == {A: EmailChoice.DIGEST, S: EmailChoice.INSTANT}
    assert titles(NotificationKind.EMAIL_UNDELIVERED) == {
        (f"An email about order {order.number} could not be delivered", f"/staff/alpha/orders/{order.pk}/")
    }


def test_an_undelivered_answer_to_an_appointment_request_tells_the_clinic(world):
    from tests.factories import AppointmentRequestFactory

    request = AppointmentRequestFactory(patient=world.p1)
    delivery = queue(to="maria.private@example.com", about=request)
    delivery_attempt_failed(delivery, error="SMTPRecipientsRefused 550", permanent=True)
    assert titles(NotificationKind.EMAIL_UNDELIVERED) == {
        (
            "An email answering an appointment request could not be delivered",
            f"/staff/alpha/patients/{world.p1.pk}/appointments/",
        )
    }


def test_an_email_retried_later_or_about_no_clinic_tells_no_one(world):
    retried = queue(to="maria.private@example.com", about=place_order(world))
    delivery_attempt_failed(retried, error="SMTPServerDisconnected", permanent=False)
    account_email = queue(to="someone@example.com")
    delivery_attempt_failed(account_email, error="SMTPRecipientsRefused 550", permanent=True)
    assert not Notification.objects.filter(kind=NotificationKind.EMAIL_UNDELIVERED).exists()


def test_a_notification_email_given_up_on_is_not_announced_by_another(world):
    restricted_order(world)
    notice = Notification.objects.get(membership__user=world.owner_a)
    delivery = queue(to=A, about=notice)
    delivery_attempt_failed(delivery, error="SMTPRecipientsRefused 550", permanent=True)
    assert not Notification.objects.filter(kind=NotificationKind.EMAIL_UNDELIVERED).exists()


def test_a_patients_request_and_cancellation_tell_the_front_desk_without_the_visits_details(world, monkeypatch):
    world.clinic_a.accepts_appointment_requests = True
    world.clinic_a.save()
    setup = setup_for(world.clinic_a)
    appointment_request_create(
        patient=world.p1,
        appointment_type=setup["type"],
        windows=WINDOWS,
        reason="Knee pain when running",
        actor=world.patient_user_1,
    )
    assert told(NotificationKind.APPOINTMENT_REQUESTED) == {A: EmailChoice.DIGEST, S: EmailChoice.INSTANT}
    assert titles(NotificationKind.APPOINTMENT_REQUESTED) == {
        ("A patient asked for an appointment", "/staff/alpha/appointments/requests/")
    }

    # Monday, March 4, 2030, 9:00 AM in New York, cancelled two days before.
    nine = datetime.datetime(2030, 3, 4, 14, 0, tzinfo=datetime.UTC)
    appointment = book(world.staff_a, world.p1, setup, nine)
    monkeypatch.setattr(timezone, "now", lambda: nine - datetime.timedelta(days=2))
    appointment_cancel_by_patient(appointment=appointment, actor=world.patient_user_1)
    assert told(NotificationKind.APPOINTMENT_CANCELLED_BY_PATIENT) == {A: EmailChoice.DIGEST, S: EmailChoice.INSTANT}
    [(title, url)] = titles(NotificationKind.APPOINTMENT_CANCELLED_BY_PATIENT)
    assert title == "A patient cancelled the appointment of Mon March 4, 9 a.m. EST"
    assert url == f"/staff/alpha/patients/{world.p1.pk}/appointments/"
    assert not Notification.objects.exclude(clinic=world.clinic_a).exists()
