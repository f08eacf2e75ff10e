"""Authorise now, capture on approval, against the local Stripe stub (issue 17, part 1): Checkout with
manual capture, the capture and the cancel of the PaymentIntent with idempotency keys, Stripe's own
webhooks afterwards changing nothing, and approvals racing on two staff screens (PostgreSQL)."""

import pytest
from django.core import mail
from django.db import connection

from patientportal.orders.choices import Approval, OrderStatus, PaymentStatus
from patientportal.orders.errors import OrderError
from patientportal.payments.choices import PaymentAttemptStatus
from patientportal.payments.models import Payment
from patientportal.payments.services import order_approve, order_reject
from tests.conftest import client_for
from tests.payments.helpers import restricted_order
from tests.payments.stripe_stub import StripeStub, paths, post_webhook, refund_webhook, signed
from tests.races import race

pytestmark = pytest.mark.django_db
INTENT = "pi_test_1"


def authorised_webhook(event_id: str, payment: Payment, *, amount=None) -> dict:
    """Stripe's checkout.session.completed for a session with manual capture: complete, still "unpaid"."""
    return {
        "id": event_id,
        "object": "event",
        "type": "checkout.session.completed",
        "data": {
            "object": {
                "id": payment.reference,
                "object": "checkout.session",
                "status": "complete",
                "payment_status": "unpaid",
                "amount_total": payment.amount_cents if amount is None else amount,
                "currency": payment.currency.lower(),
                "payment_intent": INTENT,
                "metadata": {"order_id": str(payment.order_id), "payment_id": str(payment.pk), "capture": "manual"},
            }
        },
    }


def intent_cancelled_webhook(event_id: str, payment: Payment) -> dict:
    return {
        "id": event_id,
        "object": "event",
        "type": "payment_intent.canceled",
        "data": {
            "object": {
                "id": INTENT,
                "object": "payment_intent",
                "status": "canceled",
                "amount": payment.amount_cents,
                "currency": "usd",
                "metadata": {"capture": "manual"},
            }
        },
    }


@pytest.fixture
def authorised(world, stripe_stub):
    """An order that needs approval, its Stripe checkout started by the patient and completed (authorised)."""
    order, product = restricted_order(world)
    client_for(world.patient_user_1).post(f"/portal/orders/{order.pk}/pay/")
    payment = Payment.objects.get(order=order)
    StripeStub.intents[INTENT] = {"status": "requires_capture", "amount": payment.amount_cents}
    assert post_webhook(*signed(authorised_webhook("evt_authorised", payment))).content == b"authorised"
    order.refresh_from_db()
    payment.refresh_from_db()
    return order, payment, product


def test_the_checkout_session_only_authorises_and_only_cards(world, stripe_stub):
    order, _product = restricted_order(world)
    client_for(world.patient_user_1).post(f"/portal/orders/{order.pk}/pay/")
    [request] = stripe_stub
    form = request["form"]
    assert form["payment_intent_data[capture_method]"] == ["manual"]
    assert form["payment_intent_data[metadata][capture]"] == ["manual"]
    assert form["metadata[capture]"] == ["manual"] and form["allowed_payment_method_types[0]"] == ["card"]
    assert Payment.objects.get().manual_capture


def test_a_completed_manual_checkout_is_an_authorisation_not_a_payment(authorised):
    order, payment, _product = authorised
    assert (order.payment_status, payment.status, payment.charge_reference) == (
        PaymentStatus.AUTHORISED,
        PaymentAttemptStatus.AUTHORISED,
        INTENT,
    )
    assert order.status == OrderStatus.PENDING and order.approval == Approval.AWAITING


def test_approval_captures_the_payment_intent_once_and_stripes_later_events_change_nothing(
    world, authorised, stripe_stub
):
    order, payment, _product = authorised
    order_approve(order=order, actor=world.staff_a)
    [capture] = paths(stripe_stub, f"/v1/payment_intents/{INTENT}/capture")
    assert capture["headers"]["Idempotency-Key"] == f"capture-{payment.pk}"
    assert capture["form"]["amount_to_capture"] == [str(payment.amount_cents)]
    order.refresh_from_db()
    assert (order.status, order.payment_status) == (OrderStatus.PROCESSING, PaymentStatus.PAID)
    # Stripe's own events about it, late or again, change nothing.
    assert (
        post_webhook(*signed(authorised_webhook("evt_authorised", payment))).content == b"duplicate: already processed"
    )
    assert post_webhook(*signed(authorised_webhook("evt_authorised_again", payment))).content.startswith(b"ignored")
    assert post_webhook(*signed(intent_cancelled_webhook("evt_cancelled", payment))).content.startswith(b"ignored")
    payment.refresh_from_db()
    assert payment.status == PaymentAttemptStatus.SUCCEEDED
    assert order.events.filter(machine="payment", to_value=PaymentStatus.PAID).count() == 1


def test_rejection_cancels_the_payment_intent_and_stripes_events_after_change_nothing(world, authorised, stripe_stub):
    order, payment, _product = authorised
    order_reject(order=order, reason="Needs a consultation", actor=world.staff_a)
    [cancel] = paths(stripe_stub, f"/v1/payment_intents/{INTENT}/cancel")
    assert cancel["headers"]["Idempotency-Key"] == f"release-{payment.pk}"
    assert post_webhook(*signed(intent_cancelled_webhook("evt_cancelled", payment))).content.startswith(b"ignored")
    # Stripe marks the charge of a cancelled authorisation refunded: nothing was taken, nothing is recorded.
    refunded = post_webhook(*signed(refund_webhook("evt_refunded", payment.amount_cents, INTENT)))
    assert refunded.content == b"ignored: payment is released"
    payment.refresh_from_db()
    order.refresh_from_db()
    assert (payment.status, order.payment_status, order.status) == (
        PaymentAttemptStatus.RELEASED,
        PaymentStatus.UNPAID,
        OrderStatus.CANCELLED,
    )
    assert not payment.refunds.exists()


def test_an_authorisation_stripe_no_longer_holds_falls_back_to_paying_after_approval(
    world, authorised, django_capture_on_commit_callbacks
):
    order, payment, _product = authorised
    StripeStub.intents[INTENT]["status"] = "canceled"  # lapsed at Stripe before we heard of it
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(world.staff_a).post(f"/staff/alpha/orders/{order.pk}/approve/", follow=True)
    assert "card had ended, so the patient was asked to pay." in response.text
    order.refresh_from_db()
    payment.refresh_from_db()
    assert (order.approval, order.payment_status, payment.status) == (
        Approval.APPROVED,
        PaymentStatus.UNPAID,
        PaymentAttemptStatus.RELEASED,
    )
    assert order.is_payable and order.payable_since is not None
    assert "please pay for it in the patient portal" in mail.outbox[-1].body


def test_stripe_unreachable_on_approval_changes_nothing(world, authorised, settings):
    order, payment, _product = authorised
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # nothing listens
    with pytest.raises(OrderError) as refused:
        order_approve(order=order, actor=world.staff_a)
    assert refused.value.code == "provider_unavailable"
    order.refresh_from_db()
    payment.refresh_from_db()
    assert (order.approval, order.payment_status, payment.status) == (
        Approval.AWAITING,
        PaymentStatus.AUTHORISED,
        PaymentAttemptStatus.AUTHORISED,
    )
    assert not order.events.filter(machine="approval").exists()


def test_an_authorisation_cancelled_at_stripe_puts_the_order_back_to_paying_after_approval(authorised):
    order, payment, _product = authorised
    assert post_webhook(*signed(intent_cancelled_webhook("evt_cancelled", payment))).content == b"released"
    order.refresh_from_db()
    payment.refresh_from_db()
    assert (order.payment_status, payment.status) == (PaymentStatus.UNPAID, PaymentAttemptStatus.RELEASED)
    assert order.approval == Approval.AWAITING and order.authorised_until is None


def test_an_intent_cancelled_at_stripe_that_no_payment_holds_is_not_kept(world, stripe_stub):
    order, _product = restricted_order(world)
    client_for(world.patient_user_1).post(f"/portal/orders/{order.pk}/pay/")
    payment = Payment.objects.get()
    outcome = post_webhook(*signed(intent_cancelled_webhook("evt_cancelled_unknown", payment))).content
    assert outcome == b"ignored: no payment holds this authorisation"


def test_the_return_page_finds_an_authorisation_whose_webhook_is_late(world, stripe_stub):
    order, _product = restricted_order(world)
    client = client_for(world.patient_user_1)
    client.post(f"/portal/orders/{order.pk}/pay/")
    payment = Payment.objects.get()
    StripeStub.retrieve_session_status, StripeStub.retrieve_status = "complete", "unpaid"
    StripeStub.retrieve_amount, StripeStub.retrieve_intent_status = payment.amount_cents, "requires_capture"
    page = client.get(f"/portal/orders/{order.pk}/confirmation/?session_id=cs_test_stub")
    assert "Card authorised — order placed" in page.text
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.AUTHORISED


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_approve_on_two_staff_screens_at_once_captures_once(world, stripe_stub):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL: run with DATABASE_URL=postgres://…")
    order, _product = restricted_order(world)
    client_for(world.patient_user_1).post(f"/portal/orders/{order.pk}/pay/")
    payment = Payment.objects.get()
    StripeStub.intents[INTENT] = {"status": "requires_capture", "amount": payment.amount_cents}
    post_webhook(*signed(authorised_webhook("evt_authorised", payment)))

    def approve(user):
        return lambda: order_approve(order=order, actor=user).payment_status

    outcomes = race([approve(world.staff_a), approve(world.owner_a)], refused=OrderError)
    assert outcomes == ["not_pending", "paid"]
    assert len(paths(stripe_stub, f"/v1/payment_intents/{INTENT}/capture")) == 1
    order.refresh_from_db()
    assert order.events.filter(machine="payment", to_value=PaymentStatus.PAID).count() == 1
    assert order.events.filter(machine="approval").count() == 1
