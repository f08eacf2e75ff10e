"""Payments: starting a checkout, applying provider events, refunds, and the
order use cases that move money (staff cancel with refund, the unpaid-order
timer, closing the checkouts of a cancelled order). `orders` knows nothing of
payment providers; this app sits above it.

Provider events (webhooks, the test page, a retrieve on the return page) all
go through `payment_event_apply`: each event id is recorded once; the order
row and then the payment row are locked (the same order as every other
change of an order, so they cannot deadlock); and a payment never moves
backwards, so repeated or late events change nothing wrong.
"""

import datetime
import logging
from functools import partial

import stripe
from django.db import IntegrityError, transaction
from django.utils import timezone

from patientportal.accounts.models import User
from patientportal.audit import services as audit
from patientportal.audit.transitions import transition
from patientportal.orders.choices import OrderStatus, PaymentStatus
from patientportal.orders.errors import OrderError
from patientportal.orders.models import Order
from patientportal.orders.services import (
    cancel_locked_order,
    order_email_patient,
    order_lock,
    order_move,
    order_record_payment,
)
from patientportal.payments.choices import PaymentAttemptStatus
from patientportal.payments.machines import PAYMENT_ATTEMPT
from patientportal.payments.models import Payment, Refund, WebhookEvent
from patientportal.payments.providers import ProviderEvent, ProviderEventKind, active_provider, provider_named

logger = logging.getLogger(__name__)
REUSE_CHECKOUT_FOR = datetime.timedelta(minutes=30)
# A payment in one of these states may still turn into money: the order must wait for it.
UNSETTLED = (PaymentAttemptStatus.PROCESSING, PaymentAttemptStatus.NEEDS_REVIEW)
PROVIDER_ERRORS = (stripe.StripeError,)


@transaction.atomic
def payment_start(*, order: Order, actor: User | None, success_url: str, cancel_url: str) -> Payment:
    """Start paying an order (or return the checkout started moments ago, so
    "Pay now" twice does not make two payments). Refused unless the order is
    payable: a restricted order must be approved first, however the request is made."""
    provider = active_provider()
    if provider is None:
        raise OrderError("payments_unavailable")
    locked = order_lock(order)
    if not locked.is_payable:
        raise OrderError("not_payable")
    attempts = Payment.objects.filter(order=locked)
    if attempts.filter(status__in=UNSETTLED).exists():
        raise OrderError("payment_in_progress")
    recent = (
        attempts.filter(
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
    try:
        payment.reference, payment.redirect_url = provider.start_checkout(
            payment=payment, order=locked, success_url=success_url, cancel_url=cancel_url
        )
    except PROVIDER_ERRORS:
        logger.exception("Starting a checkout failed for payment %s", payment.pk)
        raise OrderError("provider_unavailable") from None
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


def order_cancel_locked(order: Order, *, actor: User | None, reason: str) -> Order:
    """Cancel a locked order and, once that commits, close its open checkouts."""
    cancel_locked_order(order, actor=actor, reason=reason)
    transaction.on_commit(partial(order_checkouts_close, order_id=order.pk), robust=True)
    return order


@transaction.atomic
def order_cancel(*, order: Order, reason: str, actor: User) -> Order:
    """Staff cancel; a paid order is refunded in full through its provider."""
    if not reason.strip():
        raise OrderError("reason_required")
    locked = order_lock(order)
    order_cancel_locked(locked, actor=actor, reason=reason.strip())
    if locked.payment_status == PaymentStatus.PAID:
        payment_refund_order(order=locked, actor=actor, reason=reason.strip())
    order_email_patient(locked, "cancelled")
    return locked


def cancel_unpaid_orders(*, now: datetime.datetime | None = None) -> list[str]:
    """Cancel every order that has been payable but unpaid for longer than its
    clinic allows, returning their stock. Safe to run at any time, as often as
    wanted: each order is re-checked under its lock. An order with a payment
    still processing, or flagged for staff to review, is left alone."""
    now = now or timezone.now()
    cancelled = []
    candidates = (
        Order.objects.payable()
        .select_related("clinic", "patient")
        .filter(payable_since__isnull=False)
        .exclude(payments__status__in=UNSETTLED)
    )
    for candidate in candidates:
        assert candidate.payable_since is not None  # filtered on payable_since__isnull=False above
        if now - candidate.payable_since < datetime.timedelta(hours=candidate.clinic.unpaid_order_hours):
            continue
        with transaction.atomic():
            locked = order_lock(candidate)
            if not locked.is_payable or locked.payments.filter(status__in=UNSETTLED).exists():
                continue  # paid, cancelled or being paid meanwhile
            order_cancel_locked(locked, actor=None, reason="Not paid in time")
            order_email_patient(locked, "cancelled_unpaid")
            cancelled.append(locked.number)
    return cancelled


def order_checkouts_close(*, order_id: int) -> int:
    """After an order is cancelled, close its checkouts that are still open, so
    the patient cannot pay for it (a payment that gets through anyway is
    refunded by `_succeeded`). Runs after the cancellation commits: a call to
    the provider never holds the order's lock. Returns how many were closed."""
    closed = 0
    for payment in Payment.objects.filter(order_id=order_id, status=PaymentAttemptStatus.CREATED).exclude(reference=""):
        try:
            provider_named(payment.provider).expire_checkout(payment=payment)
        except PROVIDER_ERRORS:
            # Already completed or expired at the provider: its own event says which, and is applied as usual.
            logger.warning("Closing checkout of payment %s failed", payment.pk, exc_info=True)
            continue
        with transaction.atomic():
            order = Order.objects.select_for_update().get(pk=order_id)  # the order first, as everywhere
            locked = Payment.objects.select_for_update().get(pk=payment.pk)
            if _payment_move(locked, PaymentAttemptStatus.EXPIRED, note="Closed because the order was cancelled"):
                closed += 1
                audit.record(
                    action="payments.payment.closed",
                    actor=None,
                    clinic=order.clinic,
                    patient=order.patient,
                    obj=locked,
                    metadata={"provider": locked.provider},
                )
    return closed


def _payment_move(payment: Payment, to: str, *, note: str = "") -> bool:
    """Move a locked payment if the table allows; False (and nothing changed) otherwise."""
    if not PAYMENT_ATTEMPT.allows(payment.status, to):
        return False
    fields = {"note": note[:500]} if note else {}
    transition(machine=PAYMENT_ATTEMPT, obj=payment, to=to, actor=None, note=note, fields=fields)
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


def _find_payment_id(provider: str, event: ProviderEvent) -> tuple[int, int] | None:
    payments = Payment.objects.filter(provider=provider)
    if event.kind == ProviderEventKind.REFUNDED:
        found = payments.filter(charge_reference=event.charge_reference) if event.charge_reference else None
    else:
        found = payments.filter(reference=event.payment_reference) if event.payment_reference else None
    row = found.values_list("pk", "order_id").first() if found is not None else None
    return (row[0], row[1]) if row else None


def _apply(provider: str, event: ProviderEvent) -> str:
    found = _find_payment_id(provider, event)
    if found is None:
        return "ignored: no such payment"
    payment_id, order_id = found
    order = order_lock(Order.objects.select_related("clinic", "patient").get(pk=order_id))  # the order first
    payment = Payment.objects.select_for_update().get(pk=payment_id)  # then the payment
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
    """A refund made at the provider (its dashboard). In full: the order is refunded and, if not yet
    handed over, cancelled with its stock returned. In part: recorded, and the payment flagged for staff."""
    if payment.status not in (PaymentAttemptStatus.SUCCEEDED, PaymentAttemptStatus.NEEDS_REVIEW):
        return f"ignored: payment is {payment.status}"
    amount = event.amount_cents if event.amount_cents is not None else payment.amount_cents
    already = sum(refund.amount_cents for refund in payment.refunds.all())
    if amount > already:
        Refund.objects.create(payment=payment, amount_cents=amount - already, reason="Refunded at the provider")
    if amount < payment.amount_cents:
        payment.note = f"Partly refunded at the provider: {amount} of {payment.amount_cents}"
        payment.save(update_fields=["note", "updated_at"])
        return "recorded: partial refund"
    _payment_move(payment, PaymentAttemptStatus.REFUNDED, note="Refunded at the provider")
    if order.payment_status == PaymentStatus.PAID:
        order_move(order=order, machine="payment", to=PaymentStatus.REFUNDED, actor=None)
    if order.status in (OrderStatus.PROCESSING, OrderStatus.READY):
        order_cancel_locked(order, actor=None, reason="Refunded at the payment provider")
    return "refunded"


def _refund(payment: Payment, order: Order, *, actor: User | None, reason: str) -> Refund:
    provider = provider_named(payment.provider)
    try:
        reference = provider.refund(
            payment=payment, amount_cents=payment.amount_cents, idempotency_key=f"refund-{payment.pk}"
        )
    except PROVIDER_ERRORS:
        logger.exception("Refunding payment %s failed", payment.pk)
        raise OrderError("provider_unavailable") from None
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


def payment_refund_order(*, order: Order, actor: User, reason: str) -> Refund:
    """Refund the order's payment in full; the order must be locked by the caller."""
    if order.payment_status != PaymentStatus.PAID:
        raise OrderError("not_paid")
    payment = Payment.objects.select_for_update().get(order=order, status=PaymentAttemptStatus.SUCCEEDED)
    refund = _refund(payment, order, actor=actor, reason=reason)
    order_move(order=order, machine="payment", to=PaymentStatus.REFUNDED, actor=actor, note=reason)
    return refund


@transaction.atomic
def order_refund(*, order: Order, actor: User, reason: str) -> Order:
    """Staff refund a paid order; one not yet completed is cancelled too (stock returned)."""
    if not reason.strip():
        raise OrderError("reason_required")
    locked = order_lock(order)
    payment_refund_order(order=locked, actor=actor, reason=reason.strip())
    if locked.status in (OrderStatus.PROCESSING, OrderStatus.READY):
        order_cancel_locked(locked, actor=actor, reason=reason.strip())
    return locked


@transaction.atomic
def flagged_payment_refund(*, order: Order, actor: User, reason: str) -> Order:
    """Give back a payment that was flagged for review (for example an amount that did not match)."""
    if not reason.strip():
        raise OrderError("reason_required")
    locked = order_lock(order)
    payment = Payment.objects.select_for_update().filter(order=locked, status=PaymentAttemptStatus.NEEDS_REVIEW).first()
    if payment is None:
        raise OrderError("not_paid")
    _refund(payment, locked, actor=actor, reason=reason.strip())
    return locked


def payment_sync(*, payment: Payment) -> str | None:
    """On the return page: ask the provider (if it can tell) and apply what it says.
    A provider that cannot be reached just means the page keeps waiting for the webhook."""
    try:
        event = provider_named(payment.provider).sync(payment=payment)
    except PROVIDER_ERRORS:
        logger.warning("Could not retrieve payment %s from its provider", payment.pk)
        return None
    return payment_event_apply(provider=payment.provider, event=event) if event else None
