"""Authorise now, capture on approval (issue 17, part 1), with the built-in test provider: the
patient's card is authorised at checkout for an order that needs approval; approving captures it
once, rejecting or cancelling releases it and returns the stock once."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from patientportal.catalog.models import Product, StockAdjustment
from patientportal.orders.choices import Approval, OrderStatus, PaymentStatus
from patientportal.orders.errors import OrderError
from patientportal.orders.models import Order
from patientportal.payments.choices import PaymentAttemptStatus
from patientportal.payments.models import Payment, WebhookEvent
from patientportal.payments.providers import ProviderEventKind
from patientportal.payments.services import (
    cancel_unpaid_orders,
    order_approve,
    order_cancel,
    order_reject,
    payment_event_apply,
)
from tests.conftest import client_for
from tests.orders.helpers import event, place_order, start_payment
from tests.payments.helpers import authorise, restricted_order

pytestmark = pytest.mark.django_db
HOUR = datetime.timedelta(hours=1)


def states(order, payment):
    order.refresh_from_db()
    payment.refresh_from_db()
    return order.status, order.approval, order.payment_status, payment.status


def test_checkout_of_an_order_that_needs_approval_authorises_the_card_on_the_test_page(world):
    order, _product = restricted_order(world)
    client = client_for(world.patient_user_1)
    # "Authorise card" on the order (the checkout goes there at once: the browser journey shows it).
    start = client.post(f"/portal/orders/{order.pk}/pay/")
    payment = Payment.objects.get(order=order)
    assert payment.manual_capture and start["Location"] == payment.redirect_url
    page = client.get(payment.redirect_url)
    assert "Authorise only" in page.text and 'value="authorise"' in page.text and 'value="pay"' not in page.text
    done = client.post(payment.redirect_url, {"action": "authorise"}, follow=True)
    assert "Card authorised — order placed" in done.text
    assert states(order, payment) == (
        OrderStatus.PENDING,
        Approval.AWAITING,
        PaymentStatus.AUTHORISED,
        PaymentAttemptStatus.AUTHORISED,
    )
    expected_until = payment.created_at + datetime.timedelta(days=7)
    assert payment.authorised_until == order.authorised_until == expected_until
    detail = client.get(f"/portal/orders/{order.pk}/")
    assert "Your card is authorised for $20.00" in detail.text and "Authorise card" not in detail.text


def test_the_period_of_an_authorisation_is_a_setting(world, settings):
    settings.PAYMENT_AUTHORISATION_DAYS = 3
    order, _product = restricted_order(world)
    payment = authorise(order)
    assert order.authorised_until == payment.created_at + datetime.timedelta(days=3)


def test_a_declined_authorisation_can_be_tried_again(world):
    order, _product = restricted_order(world)
    client = client_for(world.patient_user_1)
    client.post(f"/portal/orders/{order.pk}/pay/")
    declined = Payment.objects.get()
    client.post(declined.redirect_url, {"action": "decline"})
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.FAILED and order.approval == Approval.AWAITING
    assert "Authorise card" in client.get(f"/portal/orders/{order.pk}/").text
    second = authorise(order)
    assert second.pk != declined.pk and order.payment_status == PaymentStatus.AUTHORISED


def test_approval_captures_the_authorisation_once_and_tells_the_patient(world, django_capture_on_commit_callbacks):
    order, product = restricted_order(world)
    payment = authorise(order)
    with django_capture_on_commit_callbacks(execute=True):
        order_approve(order=order, actor=world.staff_a)
    assert states(order, payment) == (
        OrderStatus.PROCESSING,
        Approval.APPROVED,
        PaymentStatus.PAID,
        PaymentAttemptStatus.SUCCEEDED,
    )
    assert order.paid_at is not None and order.authorised_until is None
    captured = WebhookEvent.objects.get(event_id=f"test:captured:{payment.reference}")
    assert (captured.outcome, captured.payment) == ("captured", payment)
    assert order.events.filter(machine="payment", to_value=PaymentStatus.PAID).count() == 1
    assert Product.objects.get(pk=product.pk).stock == 4  # taken at order time, kept
    # The patient is told, with the receipt of the payment the approval captured; the front desk is
    # told (at once) that it is paid and to prepare.
    to_patient = [sent for sent in mail.outbox if sent.to == [world.p1.email]]
    [message] = [sent for sent in to_patient if "Receipt" not in sent.subject]
    [receipt] = [sent for sent in to_patient if "Receipt" in sent.subject]
    assert "approved and paid" in message.subject and "charged the $20.00 you authorised" in message.body
    assert receipt.subject.endswith(f"Receipt: order {order.number}, $20.00 paid to {world.clinic_a.name}")
    # (the receipt also goes to the patient's account address; the staff are told without it)
    staff_told = [sent.to for sent in mail.outbox if sent.to != [world.p1.email] and "Receipt" not in sent.subject]
    assert staff_told == [["staff@alpha.example"]]


def test_approve_clicked_twice_captures_once(world):
    order, _product = restricted_order(world)
    payment = authorise(order)
    client = client_for(world.staff_a)
    first = client.post(f"/staff/alpha/orders/{order.pk}/approve/", follow=True)
    second = client.post(f"/staff/alpha/orders/{order.pk}/approve/", follow=True)
    assert "captured: it is paid" in first.text
    assert "Only an order that is still pending can be approved or rejected." in second.text
    assert states(order, payment)[2:] == (PaymentStatus.PAID, PaymentAttemptStatus.SUCCEEDED)
    assert WebhookEvent.objects.filter(payment=payment, outcome="captured").count() == 1
    assert order.events.filter(machine="payment", to_value=PaymentStatus.PAID).count() == 1
    assert order.events.filter(machine="approval").count() == 1


def test_the_staff_page_says_what_approving_and_rejecting_do_with_the_card(world):
    order, _product = restricted_order(world)
    authorise(order)
    page = client_for(world.staff_a).get(f"/staff/alpha/orders/{order.pk}/")
    assert "The patient's card is authorised for $20.00 until" in page.text
    assert "Approve and charge $20.00" in page.text and "Reject and release the card" in page.text
    queue = client_for(world.staff_a).get("/staff/alpha/orders/?queue=awaiting")
    assert "Card authorised" in queue.text and "Urgent" not in queue.text


def test_rejection_releases_the_authorisation_and_returns_the_stock_once(world, django_capture_on_commit_callbacks):
    order, product = restricted_order(world, stock=5, quantity=2)
    payment = authorise(order)
    assert Product.objects.get(pk=product.pk).stock == 3
    with django_capture_on_commit_callbacks(execute=True):
        order_reject(order=order, reason="Needs a consultation first", actor=world.staff_a)
    assert states(order, payment) == (
        OrderStatus.CANCELLED,
        Approval.REJECTED,
        PaymentStatus.UNPAID,
        PaymentAttemptStatus.RELEASED,
    )
    assert payment.note == "Released: the order was rejected" and order.authorised_until is None
    assert Product.objects.get(pk=product.pk).stock == 5
    assert StockAdjustment.objects.filter(product=product, reason="order_released").count() == 1
    assert "the hold on your card has been released" in mail.outbox[0].body
    # Again, or a late "authorised" from the provider, or a capture: nothing more moves.
    with pytest.raises(OrderError):
        order_reject(order=order, reason="again", actor=world.staff_a)
    with pytest.raises(OrderError):
        order_approve(order=order, actor=world.staff_a)
    again = event(payment, ProviderEventKind.AUTHORISED, event_id="evt_late_authorised")
    assert payment_event_apply(provider="test", event=again).startswith("ignored")
    assert Product.objects.get(pk=product.pk).stock == 5
    assert StockAdjustment.objects.filter(product=product, reason="order_released").count() == 1
    assert states(order, payment)[3] == PaymentAttemptStatus.RELEASED


def test_staff_cancel_of_an_authorised_order_releases_it(world, django_capture_on_commit_callbacks):
    order, product = restricted_order(world)
    payment = authorise(order)
    with django_capture_on_commit_callbacks(execute=True):
        order_cancel(order=order, reason="Patient asked by phone", actor=world.staff_a)
    assert states(order, payment) == (
        OrderStatus.CANCELLED,
        Approval.AWAITING,
        PaymentStatus.UNPAID,
        PaymentAttemptStatus.RELEASED,
    )
    assert Product.objects.get(pk=product.pk).stock == 5
    assert "the hold on your card has been released" in mail.outbox[0].body


def test_an_authorisation_that_arrives_after_approval_is_captured_at_once(world):
    order, _product = restricted_order(world)
    payment = start_payment(order)  # the patient is on the provider's page ...
    order_approve(order=order, actor=world.staff_a)  # ... when staff approve (pay after approval)
    outcome = payment_event_apply(provider="test", event=event(payment, ProviderEventKind.AUTHORISED))
    assert outcome == "authorised; then captured"
    assert states(order, payment) == (
        OrderStatus.PROCESSING,
        Approval.APPROVED,
        PaymentStatus.PAID,
        PaymentAttemptStatus.SUCCEEDED,
    )


def test_an_authorisation_that_arrives_after_rejection_is_released_at_once(world):
    order, _product = restricted_order(world)
    payment = start_payment(order)
    order_reject(order=order, reason="Not for you", actor=world.staff_a)
    outcome = payment_event_apply(provider="test", event=event(payment, ProviderEventKind.AUTHORISED))
    assert outcome == "released: released"
    assert states(order, payment)[2:] == (PaymentStatus.UNPAID, PaymentAttemptStatus.RELEASED)


def test_an_authorisation_of_another_amount_is_released_not_held(world):
    order, _product = restricted_order(world)
    payment = start_payment(order)
    outcome = payment_event_apply(provider="test", event=event(payment, ProviderEventKind.AUTHORISED, amount=1))
    assert outcome == "released: released"
    assert states(order, payment)[2:] == (PaymentStatus.UNPAID, PaymentAttemptStatus.RELEASED)
    assert payment.note.startswith("Amount mismatch")


def test_orders_without_restricted_items_still_capture_at_once(world):
    order = place_order(world)
    payment = start_payment(order)
    assert not payment.manual_capture
    assert payment_event_apply(provider="test", event=event(payment)) == "paid"
    assert states(order, payment)[2:] == (PaymentStatus.PAID, PaymentAttemptStatus.SUCCEEDED)


def test_the_unpaid_timer_never_cancels_an_authorised_order_waiting_for_approval(world):
    order, _product = restricted_order(world)
    payment = authorise(order)
    Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - 1000 * HOUR)
    assert cancel_unpaid_orders(now=timezone.now() + 1000 * HOUR) == []
    assert states(order, payment)[:3] == (OrderStatus.PENDING, Approval.AWAITING, PaymentStatus.AUTHORISED)
    # Approval captures it in the same transaction: there is never an unpaid approved moment for the timer.
    order_approve(order=order, actor=world.staff_a)
    assert cancel_unpaid_orders(now=timezone.now() + 1000 * HOUR) == []
    assert states(order, payment)[:3] == (OrderStatus.PROCESSING, Approval.APPROVED, PaymentStatus.PAID)
