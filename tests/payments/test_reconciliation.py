"""Reconciliation (issue 17, part 3): the periodic job asks the provider about open checkouts,
authorisations nearing their end and the refunds of recent payments, and applies what it says through
the webhooks' path: a lost webhook changes nothing for the patient, each thing is applied exactly once,
and the webhook that arrives afterwards changes nothing."""

import datetime
import logging

import pytest
from django.db import connection
from django.utils import timezone

from patientportal.core.background import run_periodic_jobs
from patientportal.orders.choices import OrderStatus, PaymentStatus
from patientportal.payments.choices import PaymentIssueKind, PaymentIssueStatus
from patientportal.payments.errors import PaymentError
from patientportal.payments.models import Payment, PaymentAttemptStatus, PaymentIssue, Refund, WebhookEvent
from patientportal.payments.services import payments_reconcile
from tests.conftest import client_for
from tests.orders.helpers import pay, place_order
from tests.payments.helpers import authorise, restricted_order
from tests.payments.stripe_stub import StripeStub, post_webhook, refund_at_stripe, refund_webhook, signed
from tests.races import race

INTENT = "pi_sync"  # the payment intent the stub's session names


def session_says(status: str, payment_status: str, amount: int, intent: str | None = None) -> None:
    StripeStub.retrieve_session_status, StripeStub.retrieve_status = status, payment_status
    StripeStub.retrieve_amount, StripeStub.retrieve_intent_status = amount, intent


def started_for(payment: Payment, minutes: int) -> None:
    Payment.objects.filter(pk=payment.pk).update(created_at=timezone.now() - datetime.timedelta(minutes=minutes))


def paid_webhook(event_id: str, payment: Payment) -> dict:
    return {
        "id": event_id,
        "object": "event",
        "type": "checkout.session.completed",
        "data": {
            "object": {
                "id": payment.reference,
                "object": "checkout.session",
                "payment_status": "paid",
                "amount_total": payment.amount_cents,
                "currency": payment.currency.lower(),
                "payment_intent": INTENT,
            }
        },
    }


@pytest.fixture
def checkout(world, stripe_stub):
    """P1's order of one 10.00 item, its Stripe checkout started by the patient."""
    order = place_order(world)
    client_for(world.patient_user_1).post(f"/portal/orders/{order.pk}/pay/")
    return order, Payment.objects.get(order=order)


@pytest.fixture
def paid(checkout):
    """The same, paid (its webhook came)."""
    order, payment = checkout
    assert post_webhook(*signed(paid_webhook("evt_paid", payment))).content == b"paid"
    StripeStub.intents[INTENT] = {"status": "succeeded", "amount": payment.amount_cents}
    session_says("complete", "paid", payment.amount_cents, intent="succeeded")
    order.refresh_from_db()
    payment.refresh_from_db()
    return order, payment


@pytest.mark.django_db
def test_a_missed_completion_is_applied_once_and_its_late_webhook_changes_nothing(checkout):
    order, payment = checkout
    started_for(payment, 31)
    session_says("complete", "paid", payment.amount_cents, intent="succeeded")
    summary = payments_reconcile()
    assert summary.applied == [f"payment {payment.pk}: paid"]
    assert payments_reconcile().applied == []  # asked again: nothing more
    assert post_webhook(*signed(paid_webhook("evt_late", payment))).content.startswith(b"ignored")
    order.refresh_from_db()
    assert (order.status, order.payment_status) == (OrderStatus.PROCESSING, PaymentStatus.PAID)
    assert order.events.filter(machine="payment", to_value=PaymentStatus.PAID).count() == 1


@pytest.mark.django_db
def test_a_missed_refund_made_at_stripe_is_recorded_once_and_its_late_webhook_changes_nothing(paid, stripe_stub):
    order, payment = paid
    refund_at_stripe(400)  # in Stripe's dashboard; its charge.refunded webhook is lost
    summary = payments_reconcile()
    assert summary.applied == [f"payment {payment.pk}: recorded: partial refund"]
    assert [request["path"].split("?")[0] for request in stripe_stub[-2:]] == [
        "/v1/checkout/sessions/cs_test_stub",
        "/v1/refunds",
    ]
    refund = Refund.objects.get()
    assert (refund.amount_cents, refund.kind, refund.actor) == (400, "at_provider", None)
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.PARTLY_REFUNDED
    # Asked again after PAYMENT_RECONCILE_EVERY_HOURS: the same total, nothing new.
    later = timezone.now() + datetime.timedelta(hours=7)
    assert payments_reconcile(now=later).checked == 1
    assert payments_reconcile(now=later).checked == 0  # not again within the hours
    # The webhook that was lost turns up: the same total, so nothing changes.
    assert post_webhook(*signed(refund_webhook("evt_refund_late", 400, payment_intent=INTENT))).content == (
        b"ignored: refund already recorded"
    )
    assert Refund.objects.count() == 1
    assert order.events.filter(machine="payment", to_value=PaymentStatus.PARTLY_REFUNDED).count() == 1


@pytest.mark.django_db
def test_a_checkout_whose_completion_and_refund_were_both_missed_is_paid_then_refunded_once(checkout):
    order, payment = checkout
    started_for(payment, 31)
    session_says("complete", "paid", payment.amount_cents, intent="succeeded")
    refund_at_stripe(payment.amount_cents)
    assert payments_reconcile().applied == [f"payment {payment.pk}: paid", f"payment {payment.pk}: refunded"]
    assert payments_reconcile(now=timezone.now() + datetime.timedelta(hours=7)).applied == []
    order.refresh_from_db()
    assert (order.status, order.payment_status) == (OrderStatus.CANCELLED, PaymentStatus.REFUNDED)
    assert Refund.objects.get().amount_cents == payment.amount_cents


@pytest.mark.django_db
def test_a_refund_that_failed_at_stripe_needs_attention_once(paid):
    order, payment = paid
    refund_at_stripe(300, status="failed")
    assert payments_reconcile().applied == [f"payment {payment.pk}: flagged: refund failed at the provider"]
    issue = PaymentIssue.objects.get()
    assert (issue.kind, issue.status, issue.order, issue.clinic) == (
        PaymentIssueKind.REFUND_FAILED,
        PaymentIssueStatus.OPEN,
        order,
        order.clinic,
    )
    assert "re_dashboard_1" in issue.detail and "$3.00" in issue.detail
    # Stripe's own refund.failed webhook, after: the same issue, not a second one.
    failed = {
        "id": "evt_refund_failed",
        "object": "event",
        "type": "refund.failed",
        "data": {"object": {"id": "re_dashboard_1", "object": "refund", "payment_intent": INTENT, "amount": 300}},
    }
    assert post_webhook(*signed(failed)).content == b"ignored: refund failure already flagged"
    assert PaymentIssue.objects.count() == 1 and not Refund.objects.exists()


@pytest.mark.django_db
def test_an_authorisation_cancelled_at_stripe_near_its_end_is_released(world, stripe_stub):
    order, _product = restricted_order(world)
    client_for(world.patient_user_1).post(f"/portal/orders/{order.pk}/pay/")
    payment = Payment.objects.get(order=order)
    authorised = paid_webhook("evt_authorised", payment)
    authorised["data"]["object"].update(payment_status="unpaid", status="complete", metadata={"capture": "manual"})
    assert post_webhook(*signed(authorised)).content == b"authorised"
    session_says("complete", "unpaid", payment.amount_cents, intent="requires_capture")
    assert payments_reconcile().checked == 0  # six days to go: not asked yet
    five_days_on = timezone.now() + datetime.timedelta(days=6, hours=1)
    assert payments_reconcile(now=five_days_on).applied == []  # still held at Stripe: nothing changes
    session_says("complete", "unpaid", payment.amount_cents, intent="canceled")  # lapsed at Stripe, webhook lost
    summary = payments_reconcile(now=five_days_on + datetime.timedelta(hours=7))
    assert summary.applied == [f"payment {payment.pk}: released"]
    order.refresh_from_db()
    payment.refresh_from_db()
    assert (order.payment_status, payment.status) == (PaymentStatus.UNPAID, PaymentAttemptStatus.RELEASED)


@pytest.mark.django_db
def test_stripe_down_is_logged_and_the_payment_asked_on_the_next_run(paid, settings, caplog):
    _order, payment = paid
    refund_at_stripe(250)
    stub, settings.STRIPE_API_BASE = settings.STRIPE_API_BASE, "http://127.0.0.1:9"  # nothing listens
    with caplog.at_level(logging.WARNING):
        outcomes = run_periodic_jobs([("payments_reconcile", payments_reconcile)], every=datetime.timedelta(minutes=1))
    assert outcomes == {"payments_reconcile": "ok"}  # the runner goes on
    assert f"stripe could not be reached; payment {payment.pk}" in caplog.text
    assert not Refund.objects.exists()
    payment.refresh_from_db()
    assert payment.reconciled_at is None  # not asked, so asked next time
    settings.STRIPE_API_BASE = stub
    assert payments_reconcile().applied == [f"payment {payment.pk}: recorded: partial refund"]


@pytest.mark.django_db
def test_the_test_provider_says_a_checkout_left_for_a_day_expired_and_nothing_else(world):
    order = place_order(world)
    paid_order = place_order(world)
    pay(paid_order)
    client_for(world.patient_user_1).post(f"/portal/orders/{order.pk}/pay/")
    open_payment = Payment.objects.get(order=order)
    started_for(open_payment, 60 * 23)
    summary = payments_reconcile()
    assert (summary.still_open, summary.applied) == (1, [])
    started_for(open_payment, 60 * 25)
    assert payments_reconcile().applied == [f"payment {open_payment.pk}: expired"]
    order.refresh_from_db()
    paid_order.refresh_from_db()
    assert order.is_payable and paid_order.payment_status == PaymentStatus.PAID


@pytest.mark.django_db
def test_an_authorisation_held_by_the_test_provider_is_left_to_the_lapse_job(world):
    order, _product = restricted_order(world)
    payment = authorise(order)
    assert payments_reconcile(now=timezone.now() + datetime.timedelta(days=6, hours=1)).applied == []
    payment.refresh_from_db()
    assert payment.status == PaymentAttemptStatus.AUTHORISED


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_reconciliations_at_once_record_a_missed_completion_and_refund_once(world, stripe_stub):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL: run with DATABASE_URL=postgres://…")
    order = place_order(world)
    client_for(world.patient_user_1).post(f"/portal/orders/{order.pk}/pay/")
    payment = Payment.objects.get(order=order)
    started_for(payment, 31)
    session_says("complete", "paid", payment.amount_cents, intent="succeeded")
    refund_at_stripe(300)

    def reconcile():
        return ",".join(payments_reconcile().applied)

    outcomes = race([reconcile, reconcile], refused=PaymentError)
    assert f"payment {payment.pk}: paid" in ",".join(outcomes)
    assert ",".join(outcomes).count("paid") == 1 and ",".join(outcomes).count("partial refund") == 1
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.PARTLY_REFUNDED
    assert order.events.filter(machine="payment", to_value=PaymentStatus.PAID).count() == 1
    assert Refund.objects.get().amount_cents == 300
    assert WebhookEvent.objects.filter(event_id__startswith="reconcile:refunded:").count() == 1
