"""The Stripe provider against a local stub of Stripe's HTTP API (no network),
and the webhook endpoint with real signatures."""

import datetime
import json
import time

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from patientportal.orders.choices import OrderStatus, PaymentStatus
from patientportal.payments.models import Payment, PaymentAttemptStatus, WebhookEvent
from patientportal.payments.services import checkouts_reconcile
from tests.factories import ProductFactory
from tests.orders.helpers import place_order
from tests.payments.stripe_stub import StripeStub, refund_webhook, session_event, signed

pytestmark = pytest.mark.django_db


def test_the_checkout_session_has_the_orders_lines_in_minor_units_and_an_idempotency_key(world, stripe_stub):
    world.clinic_a.tax_rate_bp = 725
    world.clinic_a.save()
    cream = ProductFactory(clinic=world.clinic_a, name="Cream", price_cents=1250)
    order = place_order(world, products=[(cream, 2)])
    response = Client()
    response.force_login(world.patient_user_1)
    reply = response.post(f"/portal/orders/{order.pk}/pay/")
    assert reply["Location"] == "https://checkout.stripe.test/cs_test_stub"
    [request] = stripe_stub
    form = request["form"]
    payment = Payment.objects.get(order=order)
    assert request["headers"]["Idempotency-Key"] == f"payment-{payment.pk}"
    assert form["mode"] == ["payment"] and form["client_reference_id"] == [str(order.pk)]
    assert form["line_items[0][price_data][unit_amount]"] == ["1250"]
    assert form["line_items[0][quantity]"] == ["2"]
    assert form["line_items[0][price_data][currency]"] == ["usd"]
    assert form["line_items[0][price_data][product_data][name]"] == ["Cream"]
    assert form["line_items[1][price_data][unit_amount]"] == ["181"]  # tax 7.25% of 25.00
    assert form["line_items[1][price_data][product_data][name]"] == ["Tax (7.25%)"]
    assert form["success_url"][0].endswith(
        f"/portal/orders/{order.pk}/confirmation/?session_id={{CHECKOUT_SESSION_ID}}"
    )
    assert (payment.reference, payment.amount_cents) == ("cs_test_stub", 2681)


def post_webhook(body: str, signature: str):
    # Here, not imported: tests/test_every_url_has_an_access_test.py reads the webhook's path from this module.
    return Client().post(
        "/payments/stripe/webhook/", data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature
    )


@pytest.fixture
def stripe_payment(world, stripe_stub):
    order = place_order(world)
    client = Client()
    client.force_login(world.patient_user_1)
    client.post(f"/portal/orders/{order.pk}/pay/")
    return order, Payment.objects.get(order=order)


def test_a_signed_completed_event_pays_the_order(stripe_payment):
    order, payment = stripe_payment
    response = post_webhook(*signed(session_event("evt_1", payment)))
    assert (response.status_code, response.content) == (200, b"paid")
    order.refresh_from_db()
    payment.refresh_from_db()
    assert (order.status, order.payment_status) == (OrderStatus.PROCESSING, PaymentStatus.PAID)
    assert payment.charge_reference == "pi_test_1"


@pytest.mark.parametrize("tamper", ["wrong secret", "old timestamp", "changed body", "no header"])
def test_a_bad_signature_is_refused_and_changes_nothing(stripe_payment, tamper):
    order, payment = stripe_payment
    if tamper == "wrong secret":
        body, signature = signed(session_event("evt_bad", payment), secret="whsec_other")
    elif tamper == "old timestamp":
        body, signature = signed(session_event("evt_bad", payment), timestamp=int(time.time()) - 3600)
    elif tamper == "changed body":
        _body, signature = signed(session_event("evt_bad", payment))
        body = json.dumps(session_event("evt_bad", payment, amount=1))
    else:
        body, signature = json.dumps(session_event("evt_bad", payment)), ""
    response = post_webhook(body, signature)
    assert response.status_code == 400
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.UNPAID
    assert not WebhookEvent.objects.exists()


def test_the_same_stripe_event_twice_and_expired_after_completed(stripe_payment):
    _order, payment = stripe_payment
    post_webhook(*signed(session_event("evt_1", payment)))
    assert post_webhook(*signed(session_event("evt_1", payment))).content == b"duplicate: already processed"
    expired = post_webhook(*signed(session_event("evt_2", payment, kind="checkout.session.expired")))
    assert expired.content.startswith(b"ignored")
    payment.refresh_from_db()
    assert payment.status == PaymentAttemptStatus.SUCCEEDED


def test_an_amount_mismatch_from_stripe_is_flagged(stripe_payment):
    order, payment = stripe_payment
    response = post_webhook(*signed(session_event("evt_1", payment, amount=1)))
    assert response.content.startswith(b"flagged")
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.UNPAID


def test_a_charge_refunded_event_marks_the_order_refunded(stripe_payment):
    order, payment = stripe_payment
    post_webhook(*signed(session_event("evt_1", payment)))
    refund_event = {
        "id": "evt_r",
        "object": "event",
        "type": "charge.refunded",
        "data": {
            "object": {
                "id": "ch_1",
                "object": "charge",
                "payment_intent": "pi_test_1",
                "amount_refunded": payment.amount_cents,
                "currency": "usd",
            }
        },
    }
    assert post_webhook(*signed(refund_event)).content == b"refunded"
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.REFUNDED


def test_event_types_we_do_not_use_are_acknowledged(stripe_payment):
    body, signature = signed(
        {
            "id": "evt_x",
            "object": "event",
            "type": "customer.created",
            "data": {"object": {"id": "cus_1", "object": "customer"}},
        }
    )
    assert post_webhook(body, signature).content == b"ignored: event type not used"


def test_the_webhook_is_absent_without_stripe(settings):
    settings.STRIPE_SECRET_KEY = ""
    assert Client().post("/payments/stripe/webhook/", data="{}", content_type="application/json").status_code == 404


def test_a_refund_goes_to_stripe_with_an_idempotency_key(world, stripe_payment, stripe_stub):
    from patientportal.payments.services import order_refund

    order, payment = stripe_payment
    post_webhook(*signed(session_event("evt_1", payment)))
    order.refresh_from_db()
    order_refund(order=order, reason="Damaged", actor=world.owner_a)
    refund_request = stripe_stub[-1]
    assert refund_request["path"] == "/v1/refunds"
    assert refund_request["form"]["payment_intent"] == ["pi_test_1"]
    assert refund_request["headers"]["Idempotency-Key"] == f"refund-{payment.pk}-1"  # its first refund


def test_the_return_page_retrieves_the_session_when_the_webhook_is_late(world, stripe_payment):
    order, payment = stripe_payment
    client = Client()
    client.force_login(world.patient_user_1)
    StripeStub.retrieve_status, StripeStub.retrieve_amount = "unpaid", payment.amount_cents
    waiting = client.get(f"/portal/orders/{order.pk}/confirmation/?session_id=cs_test_stub")
    assert "Payment processing" in waiting.text
    StripeStub.retrieve_status = "paid"
    paid = client.get(f"/portal/orders/{order.pk}/confirmation/?session_id=cs_test_stub")
    assert "Thank you — payment received" in paid.text
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.PAID
    assert WebhookEvent.objects.filter(event_id="retrieve:cs_test_stub:succeeded").count() == 1


def test_a_retrieve_that_disagrees_on_the_amount_does_not_mark_paid(world, stripe_payment):
    order, _payment = stripe_payment
    client = Client()
    client.force_login(world.patient_user_1)
    StripeStub.retrieve_status, StripeStub.retrieve_amount = "paid", 1
    client.get(f"/portal/orders/{order.pk}/confirmation/")
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.UNPAID


def test_cancelling_an_order_closes_its_open_stripe_checkout(
    world, stripe_payment, stripe_stub, django_capture_on_commit_callbacks
):
    from patientportal.payments.services import order_cancel

    order, payment = stripe_payment
    with django_capture_on_commit_callbacks(execute=True):
        order_cancel(order=order, reason="Out of stock", actor=world.staff_a)
    assert stripe_stub[-1]["path"] == "/v1/checkout/sessions/cs_test_stub/expire"
    payment.refresh_from_db()
    assert payment.status == PaymentAttemptStatus.EXPIRED
    # Stripe's own "expired" event that follows changes nothing more.
    assert post_webhook(*signed(session_event("evt_x", payment, kind="checkout.session.expired"))).content.startswith(
        b"ignored"
    )


def test_a_checkout_stripe_will_not_close_is_left_to_its_own_event(
    world, stripe_payment, stripe_stub, settings, django_capture_on_commit_callbacks
):
    from patientportal.payments.services import order_cancel

    order, payment = stripe_payment
    stub_base, settings.STRIPE_API_BASE = settings.STRIPE_API_BASE, "http://127.0.0.1:9"  # unreachable
    with django_capture_on_commit_callbacks(execute=True):
        order_cancel(order=order, reason="Out of stock", actor=world.staff_a)
    settings.STRIPE_API_BASE = stub_base
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED and payment.status == PaymentAttemptStatus.CREATED
    # If the patient still pays, the money goes back.
    post_webhook(*signed(session_event("evt_paid", payment)))
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED and payment.status == PaymentAttemptStatus.REFUNDED
    assert stripe_stub[-1]["path"] == "/v1/refunds"


def test_stripe_not_answering_in_time_leaves_the_order_payable_with_a_message(world, stripe_stub, settings):
    settings.STRIPE_TIMEOUT_SECONDS = 1
    StripeStub.answer_after_seconds = 3
    order = place_order(world)
    client = Client()
    client.force_login(world.patient_user_1)
    response = client.post(f"/portal/orders/{order.pk}/pay/", follow=True)
    assert "The payment service could not be reached. Nothing was charged" in response.text
    # The first try and one retry, each given up after the timeout, with the same idempotency key.
    assert len(stripe_stub) == 2 and len({request["headers"]["Idempotency-Key"] for request in stripe_stub}) == 1
    assert not Payment.objects.exists()
    order.refresh_from_db()
    assert order.is_payable


def test_a_refund_webhook_before_the_completion_webhook_ends_refunded_not_paid(stripe_payment):
    order, payment = stripe_payment
    early = post_webhook(*signed(refund_webhook("evt_refund", payment.amount_cents)))
    late = post_webhook(*signed(session_event("evt_completed", payment)))
    order.refresh_from_db()
    assert (order.status, order.payment_status) == (OrderStatus.CANCELLED, PaymentStatus.REFUNDED)
    assert (early.status_code, early.content) == (200, b"waiting: no such payment yet")  # kept: Stripe may stop
    assert (late.status_code, late.content) == (200, b"paid; then 1 waiting event(s): refunded")


def open_for(payment: Payment, minutes: int) -> None:
    Payment.objects.filter(pk=payment.pk).update(created_at=timezone.now() - datetime.timedelta(minutes=minutes))


def session_says(status: str, payment_status: str, amount: int, intent: str | None = None) -> None:
    StripeStub.retrieve_session_status, StripeStub.retrieve_status = status, payment_status
    StripeStub.retrieve_amount, StripeStub.retrieve_intent_status = amount, intent


def test_reconciliation_records_a_paid_checkout_whose_webhook_never_came(stripe_payment, stripe_stub):
    order, payment = stripe_payment
    session_says("complete", "paid", payment.amount_cents)
    open_for(payment, 29)
    assert checkouts_reconcile().checked == 0  # too young: its webhook may still come
    assert [request["path"] for request in stripe_stub] == ["/v1/checkout/sessions"]
    open_for(payment, 31)
    summary = checkouts_reconcile()
    assert (summary.checked, summary.applied) == (1, [f"payment {payment.pk}: paid"])
    # The session with its payment intent, then (money was taken) the intent's refunds.
    assert stripe_stub[-2]["path"].startswith("/v1/checkout/sessions/cs_test_stub?expand")
    assert stripe_stub[-1]["path"].startswith("/v1/refunds?payment_intent=pi_sync")
    order.refresh_from_db()
    assert (order.status, order.payment_status) == (OrderStatus.PROCESSING, PaymentStatus.PAID)
    # Once recorded, it is no longer open; the webhook that comes after all changes nothing.
    assert checkouts_reconcile().checked == 0
    assert post_webhook(*signed(session_event("evt_late", payment))).content.startswith(b"ignored")
    assert order.events.filter(machine="payment").count() == 1


def test_reconciliation_marks_an_expired_checkout_expired_and_leaves_the_order_payable(stripe_payment):
    order, payment = stripe_payment
    session_says("expired", "unpaid", payment.amount_cents)
    open_for(payment, 60 * 25)
    assert checkouts_reconcile().applied == [f"payment {payment.pk}: expired"]
    payment.refresh_from_db()
    order.refresh_from_db()
    assert payment.status == PaymentAttemptStatus.EXPIRED and order.is_payable


def test_reconciliation_follows_a_bank_debit_to_its_failure(stripe_payment):
    order, payment = stripe_payment
    open_for(payment, 31)
    session_says("complete", "unpaid", payment.amount_cents, intent="processing")
    assert checkouts_reconcile().applied == [f"payment {payment.pk}: processing"]
    assert checkouts_reconcile().applied == []  # still processing: asking again changes nothing
    session_says("complete", "unpaid", payment.amount_cents, intent="requires_payment_method")
    assert checkouts_reconcile().applied == [f"payment {payment.pk}: failed"]
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.FAILED and order.is_payable


def test_reconciliation_leaves_a_checkout_the_patient_may_still_pay(stripe_payment):
    _order, payment = stripe_payment
    open_for(payment, 31)
    session_says("open", "unpaid", payment.amount_cents)
    summary = checkouts_reconcile()
    assert (summary.checked, summary.still_open, summary.applied) == (1, 1, [])
    payment.refresh_from_db()
    assert payment.status == PaymentAttemptStatus.CREATED and not WebhookEvent.objects.exists()


def test_a_stripe_outage_during_reconciliation_is_logged_and_left_for_the_next_run(stripe_payment, settings, caplog):
    _order, payment = stripe_payment
    open_for(payment, 31)
    session_says("complete", "paid", payment.amount_cents)
    stub_base, settings.STRIPE_API_BASE = settings.STRIPE_API_BASE, "http://127.0.0.1:9"  # nothing listens
    with caplog.at_level("WARNING"):
        summary = checkouts_reconcile()
    assert (summary.checked, summary.not_checked) == (0, 1)
    assert f"stripe could not be reached; payment {payment.pk}" in caplog.text
    payment.refresh_from_db()
    assert payment.status == PaymentAttemptStatus.CREATED
    settings.STRIPE_API_BASE = stub_base  # Stripe is back
    assert checkouts_reconcile().applied == [f"payment {payment.pk}: paid"]


def test_a_kept_refund_is_applied_when_reconciliation_finds_its_lost_completion(stripe_payment):
    order, payment = stripe_payment
    post_webhook(*signed(refund_webhook("evt_refund", payment.amount_cents, payment_intent="pi_sync")))
    open_for(payment, 31)
    session_says("complete", "paid", payment.amount_cents)
    assert checkouts_reconcile().applied == [f"payment {payment.pk}: paid; then 1 waiting event(s): refunded"]
    order.refresh_from_db()
    assert (order.status, order.payment_status) == (OrderStatus.CANCELLED, PaymentStatus.REFUNDED)


def test_the_reconcile_payments_command(stripe_payment, capsys):
    _order, payment = stripe_payment
    open_for(payment, 31)
    session_says("complete", "paid", payment.amount_cents)
    call_command("reconcile_payments")
    output = capsys.readouterr().out
    assert "Checked 1 payment(s): 1 updated, 0 checkout(s) still open, 0 left for the next run." in output
    assert f"payment {payment.pk}: paid" in output
