"""Payments: starting a checkout, applying provider events, refunds.

Provider events (webhooks, the test page, a retrieve on the return page) all
go through `payment_event_apply`: each event id is recorded once, the payment
row and then the order row are locked, and a payment never moves backwards,
so repeated or late events change nothing wrong.
"""

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from patientportal.audit import services as audit
from patientportal.orders.choices import OrderStatus, PaymentStatus
from patientportal.orders.errors import OrderError
from patientportal.orders.models import Order
from patientportal.orders.services import cancel_locked_order, order_lock, order_move, order_record_payment
from patientportal.payments.models import (
    PAYMENT_ATTEMPT_TRANSITIONS,
    Payment,
    PaymentAttemptStatus,
    Refund,
    WebhookEvent,
)
from patientportal.payments.providers import ProviderEvent, ProviderEventKind, active_provider, provider_named

REUSE_CHECKOUT_FOR = datetime.timedelta(minutes=30)


@transaction.atomic
def payment_start(*, order: Order, actor: object, success_url: str, cancel_url: str) -> Payment:
    """Start paying an order (or return the checkout started moments ago, so
    "Pay now" twice does not make two payments). Refused unless the order is
    payable: a restricted order must be approved first, however the request is made."""
    locked = order_lock(order)
    if not locked.is_payable:
        raise OrderError("not_payable")
    provider = active_provider()
    recent = (
        Payment.objects.filter(
            order=locked,
            provider=provider.identifier,
            status=PaymentAttemptStatus.CREATED,
            amount_cents=locked.total_cents,
            created_at__gte=timezone.now() - REUSE_CHECKOUT_FOR,
        )
        .exclude(redirect_url="")
        .first()
    )
    if recent:
        return recent
    payment = Payment.objects.create(
        clinic=locked.clinic,
        order=locked,
        provider=provider.identifier,
        amount_cents=locked.total_cents,
        currency=locked.currency,
    )
    payment.reference, payment.redirect_url = provider.start_checkout(
        payment=payment, order=locked, success_url=success_url, cancel_url=cancel_url
    )
    payment.save(update_fields=["reference", "redirect_url", "updated_at"])
    audit.record(
        action="payments.payment.started",
        actor=actor,
        clinic=locked.clinic,
        patient=locked.patient,
        obj=payment,
        metadata={"provider": provider.identifier, "amount_cents": payment.amount_cents},
    )
    return payment


def _payment_move(payment: Payment, to: str, *, note: str = "") -> bool:
    """Move a locked payment if the table allows; False (and nothing changed) otherwise."""
    if to not in PAYMENT_ATTEMPT_TRANSITIONS[payment.status]:
        return False
    payment.status = to
    if note:
        payment.note = note[:500]
    payment.save(update_fields=["status", "note", "updated_at"])
    return True


def payment_event_apply(*, provider: str, event: ProviderEvent) -> str:
    """Apply one provider event exactly once; returns what happened (kept on the event row)."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = WebhookEvent.objects.create(
                    provider=provider, event_id=event.event_id, event_type=event.event_type
                )
        except IntegrityError:
            return "duplicate: already processed"
        outcome = _apply(provider, event)
        record.outcome = outcome[:200]
        record.save(update_fields=["outcome"])
        return outcome


def _find_payment(provider: str, event: ProviderEvent) -> Payment | None:
    payments = Payment.objects.select_for_update().filter(provider=provider)
    if event.kind == ProviderEventKind.REFUNDED:
        return payments.filter(charge_reference=event.charge_reference).first() if event.charge_reference else None
    return payments.filter(reference=event.payment_reference).first() if event.payment_reference else None


def _apply(provider: str, event: ProviderEvent) -> str:
    payment = _find_payment(provider, event)
    if payment is None:
        return "ignored: no such payment"
    order = order_lock(Order.objects.select_related("clinic", "patient").get(pk=payment.order_id))
    if event.charge_reference and not payment.charge_reference:
        payment.charge_reference = event.charge_reference
        payment.save(update_fields=["charge_reference"])
    handlers = {
        ProviderEventKind.SUCCEEDED: _succeeded,
        ProviderEventKind.PROCESSING: _processing,
        ProviderEventKind.FAILED: _failed,
        ProviderEventKind.EXPIRED: _expired,
        ProviderEventKind.REFUNDED: _refunded,
    }
    outcome = handlers[event.kind](payment, order, event)
    audit.record(
        action="payments.event.applied",
        clinic=order.clinic,
        patient=order.patient,
        obj=payment,
        metadata={"event": event.event_type, "outcome": outcome},
    )
    return outcome


def _succeeded(payment: Payment, order: Order, event: ProviderEvent) -> str:
    if payment.status in (PaymentAttemptStatus.SUCCEEDED, PaymentAttemptStatus.REFUNDED):
        return f"ignored: payment is {payment.status}"
    if event.amount_cents != payment.amount_cents or event.currency.upper() != payment.currency.upper():
        _payment_move(
            payment,
            PaymentAttemptStatus.NEEDS_REVIEW,
            note=f"Amount mismatch: provider said {event.amount_cents} {event.currency}",
        )
        return "flagged: amount or currency does not match the order"
    if not _payment_move(payment, PaymentAttemptStatus.SUCCEEDED):
        return f"ignored: payment is {payment.status}"
    if not order.is_payable:
        # Paid after the order was cancelled (or paid twice): the money goes back, never lost.
        _refund(payment, order, actor=None, reason=f"Order was {order.get_status_display().lower()} when paid")
        return "refunded: the order could no longer be paid"
    order_record_payment(order=order)
    return "paid"


def _processing(payment: Payment, order: Order, event: ProviderEvent) -> str:
    return "processing" if _payment_move(payment, PaymentAttemptStatus.PROCESSING) else f"ignored: {payment.status}"


def _expired(payment: Payment, order: Order, event: ProviderEvent) -> str:
    # A checkout that expired does not cancel the order: the patient may pay again.
    return "expired" if _payment_move(payment, PaymentAttemptStatus.EXPIRED) else f"ignored: {payment.status}"


def _failed(payment: Payment, order: Order, event: ProviderEvent) -> str:
    if not _payment_move(payment, PaymentAttemptStatus.FAILED):
        return f"ignored: payment is {payment.status}"
    if order.payment_status == PaymentStatus.UNPAID:
        order_move(order=order, machine="payment", to=PaymentStatus.FAILED, actor=None)
    return "failed"


def _refunded(payment: Payment, order: Order, event: ProviderEvent) -> str:
    if not _payment_move(payment, PaymentAttemptStatus.REFUNDED, note="Refunded at the provider"):
        return f"ignored: payment is {payment.status}"
    if not payment.refunds.exists():
        Refund.objects.create(
            payment=payment, amount_cents=event.amount_cents or payment.amount_cents, reason="Refunded at the provider"
        )
    if order.payment_status == PaymentStatus.PAID:
        order_move(order=order, machine="payment", to=PaymentStatus.REFUNDED, actor=None)
    return "refunded"


def _refund(payment: Payment, order: Order, *, actor: object, reason: str) -> Refund:
    provider = provider_named(payment.provider)
    reference = provider.refund(
        payment=payment, amount_cents=payment.amount_cents, idempotency_key=f"refund-{payment.pk}"
    )
    refund = Refund.objects.create(
        payment=payment,
        amount_cents=payment.amount_cents,
        reference=reference,
        reason=reason[:500],
        actor=actor if getattr(actor, "is_authenticated", False) else None,
    )
    _payment_move(payment, PaymentAttemptStatus.REFUNDED, note=reason)
    audit.record(
        action="payments.payment.refunded",
        actor=actor,
        clinic=order.clinic,
        patient=order.patient,
        obj=payment,
        metadata={"amount_cents": refund.amount_cents},
    )
    return refund


def payment_refund_order(*, order: Order, actor: object, reason: str) -> Refund:
    """Refund the order's payment in full; the order must be locked by the caller."""
    if order.payment_status != PaymentStatus.PAID:
        raise OrderError("not_paid")
    payment = Payment.objects.select_for_update().get(order=order, status=PaymentAttemptStatus.SUCCEEDED)
    refund = _refund(payment, order, actor=actor, reason=reason)
    order_move(order=order, machine="payment", to=PaymentStatus.REFUNDED, actor=actor, note=reason)
    return refund


@transaction.atomic
def order_refund(*, order: Order, actor: object, reason: str) -> Order:
    """Staff refund a paid order; one not yet completed is cancelled too (stock returned)."""
    if not reason.strip():
        raise OrderError("reason_required")
    locked = order_lock(order)
    payment_refund_order(order=locked, actor=actor, reason=reason.strip())
    if locked.status in (OrderStatus.PROCESSING, OrderStatus.READY):
        cancel_locked_order(locked, actor=actor, reason=reason.strip())
    return locked


def payment_sync(*, payment: Payment) -> str | None:
    """On the return page: ask the provider (if it can tell) and apply what it says."""
    event = provider_named(payment.provider).sync(payment=payment)
    return payment_event_apply(provider=payment.provider, event=event) if event else None
