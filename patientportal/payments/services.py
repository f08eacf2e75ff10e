"""Payments: starting a checkout, applying provider events, refunds, and the
order use cases that move money (staff cancel with refund, the unpaid-order
timer, closing the checkouts of a cancelled order). `orders` knows nothing of
payment providers; this app sits above it.

Provider events (webhooks, the test page, a retrieve on the return page or by
reconciliation) all go through `payment_event_apply`: each event id is
recorded once; the order row and then the payment row are locked (the same
order as every other change of an order, so they cannot deadlock); and a
payment never moves backwards, so repeated or late events change nothing
wrong. An event that comes before its payment can take it (a refund before
the completion) is kept and applied when the payment catches up, never
dropped; `checkouts_reconcile` asks the provider about checkouts whose
webhook never came.
"""

import dataclasses
import datetime
import hashlib
import logging
from collections.abc import Iterable
from functools import partial

import stripe
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from patientportal.accounts.models import User
from patientportal.audit import services as audit
from patientportal.audit.transitions import transition
from patientportal.clinics.choices import Role
from patientportal.clinics.models import Clinic, StaffMembership
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
from patientportal.payments.choices import PaymentAttemptStatus, ProviderEventStatus
from patientportal.payments.errors import PaymentError
from patientportal.payments.machines import PAYMENT_ATTEMPT, PROVIDER_EVENT
from patientportal.payments.models import Payment, Refund, WebhookEvent
from patientportal.payments.providers import ProviderEvent, ProviderEventKind, active_provider, provider_named
from patientportal.payments.selectors import provider_events_waiting_too_long

logger = logging.getLogger(__name__)
REUSE_CHECKOUT_FOR = datetime.timedelta(minutes=30)
# A payment in one of these states may still turn into money: the order must wait for it.
UNSETTLED = (PaymentAttemptStatus.PROCESSING, PaymentAttemptStatus.NEEDS_REVIEW)
# A payment in one of these states may still succeed (an expired checkout can still be paid late).
NOT_YET_PAID = (PaymentAttemptStatus.CREATED, PaymentAttemptStatus.PROCESSING, PaymentAttemptStatus.EXPIRED)
# Checkouts the patient may still be paying (or paid without our hearing of it): what reconciliation asks about.
OPEN_CHECKOUT = (PaymentAttemptStatus.CREATED, PaymentAttemptStatus.PROCESSING)
# Giving money back is the clinic's owners' and admins' decision; the plain staff role
# runs the queue (approve, prepare, hand over, cancel an unpaid order) but never refunds.
REFUND_ROLES = frozenset({Role.OWNER, Role.ADMIN})
PROVIDER_ERRORS = (stripe.StripeError,)
# The provider refused one request (for example a checkout it does not know): other payments may still be asked.
REQUEST_REFUSED_ERRORS = (stripe.InvalidRequestError,)
# pg_advisory_xact_lock(namespace, key): the namespace keeps these locks apart from any other use of them.
REFERENCE_LOCK_NAMESPACE = 0x50415945  # "PAYE"


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
    cancelled: list[str] = []
    # Only the orders past their clinic's limit are read: clinics choose among a few limits, so one
    # condition per limit in use keeps this run to the overdue orders, not every payable one.
    limits = Clinic.objects.values_list("unpaid_order_hours", flat=True).distinct().order_by()
    overdue = Q()
    for hours in limits:
        overdue |= Q(clinic__unpaid_order_hours=hours, payable_since__lte=now - datetime.timedelta(hours=hours))
    if not overdue:
        return cancelled
    candidates = (
        Order.objects.payable()
        .select_related("clinic", "patient")
        .filter(overdue)
        .exclude(payments__status__in=UNSETTLED)
    )
    for candidate in candidates:
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


DUPLICATE = "duplicate: already processed"
WAITING = "waiting: "  # the prefix of the outcome of an event that is kept to be applied later


class _AlreadyRecorded(Exception):
    """Another copy of the event was recorded first; whatever this copy did is rolled back."""


def payment_event_apply(*, provider: str, event: ProviderEvent) -> str:
    """Apply one provider event exactly once; returns what happened (kept on the event row).

    An event that cannot be applied yet is kept, never acknowledged and dropped: a refund that arrives
    before the checkout's completion (which is what tells us the refunded charge), or before the payment
    has succeeded, waits and is applied, oldest first, by the event that brings its payment along."""
    if WebhookEvent.objects.filter(provider=provider, event_id=event.event_id).exists():
        return DUPLICATE
    try:
        with transaction.atomic():
            _lock_references(provider, (event.payment_reference, event.charge_reference))
            if WebhookEvent.objects.filter(provider=provider, event_id=event.event_id).exists():
                return DUPLICATE  # a copy that held the same references' lock while we waited for it
            outcome, payment = _apply(provider, event)
            waiting = outcome.startswith(WAITING)
            try:
                with transaction.atomic():
                    WebhookEvent.objects.create(
                        provider=provider,
                        event_id=event.event_id,
                        event_type=event.event_type[:100],
                        outcome=outcome[:200],
                        # Its first state, set as the row is made: nobody sees the row before this commits.
                        status=ProviderEventStatus.WAITING if waiting else ProviderEventStatus.PROCESSED,
                        kind=event.kind,
                        payment_reference=event.payment_reference,
                        charge_reference=event.charge_reference,
                        amount_cents=event.amount_cents,
                        currency=event.currency[:3],
                        match_reference=_match_reference(event) if waiting else "",
                        payment=None if waiting else payment,
                    )
            except IntegrityError:
                raise _AlreadyRecorded from None
    except _AlreadyRecorded:
        return DUPLICATE
    if waiting:
        logger.info("Provider event %s (%s) kept until its payment can take it", event.event_id, event.event_type)
    return outcome


def _match_reference(event: ProviderEvent) -> str:
    # A refund names the charge (the payment intent); every other event names the checkout.
    return event.charge_reference if event.kind == ProviderEventKind.REFUNDED else event.payment_reference


def _lock_references(provider: str, references: Iterable[str]) -> None:
    """Serialise the events that name the same checkout or charge, before any row is locked.

    This is what makes a waiting event safe: a refund that finds no payment and is kept, and the
    completion that records the refund's charge on the payment and then applies the waiting events, both
    hold this lock on the charge, so one of them always sees the other's commit (never both miss each
    other). Taken first and in one order (sorted keys), so it cannot deadlock with the order and payment
    row locks taken after it. SQLite runs one writing transaction at a time and needs nothing."""
    if connection.vendor != "postgresql":
        return
    keys = sorted({_lock_key(provider, reference) for reference in references if reference})
    with connection.cursor() as cursor:
        for key in keys:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [REFERENCE_LOCK_NAMESPACE, key])


def _lock_key(provider: str, reference: str) -> int:
    digest = hashlib.blake2b(f"{provider}:{reference}".encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big", signed=True)  # a collision only makes two events wait for each other


def _find_payment_id(provider: str, event: ProviderEvent) -> tuple[int, int] | None:
    reference = _match_reference(event)
    if not reference:
        return None
    field = "charge_reference" if event.kind == ProviderEventKind.REFUNDED else "reference"
    row = Payment.objects.filter(provider=provider, **{field: reference}).values_list("pk", "order_id").first()
    return (row[0], row[1]) if row else None


def _apply(provider: str, event: ProviderEvent) -> tuple[str, Payment | None]:
    found = _find_payment_id(provider, event)
    if found is None:
        return f"{WAITING}no such payment yet", None
    payment_id, order_id = found
    order = order_lock(Order.objects.select_related("clinic", "patient").get(pk=order_id))  # the order first
    payment = Payment.objects.select_for_update().get(pk=payment_id)  # then the payment
    outcome = _handle(payment, order, event)
    if not outcome.startswith(WAITING):
        applied = _apply_waiting_events(provider, payment, order)
        if applied:
            outcome = f"{outcome}; then {len(applied)} waiting event(s): {', '.join(applied)}"
    return outcome, payment


def _handle(payment: Payment, order: Order, event: ProviderEvent, *, audit_waiting: bool = True) -> str:
    """Apply an event to its locked order and payment (or say it must wait)."""
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
    waiting = outcome.startswith(WAITING)
    if waiting and not audit_waiting:
        return outcome  # still waiting: its first arrival was audited
    audit.record(
        action="payments.event.waiting" if waiting else "payments.event.applied",
        clinic=order.clinic,
        patient=order.patient,
        obj=payment,
        metadata={"event": event.event_type, "outcome": outcome},
    )
    return outcome


def _apply_waiting_events(provider: str, payment: Payment, order: Order) -> list[str]:
    """Apply the events that were kept for this (locked) payment, oldest first, each once. One that still
    cannot be applied (a refund while the payment is processing) keeps waiting. Repeated while any was
    applied, since one may make the next possible."""
    applied: list[str] = []
    progressed = True
    while progressed:
        progressed = False
        references = [reference for reference in (payment.reference, payment.charge_reference) if reference]
        waiting = WebhookEvent.objects.select_for_update().filter(
            provider=provider, status=ProviderEventStatus.WAITING, match_reference__in=references
        )
        for record in waiting.order_by("received_at", "id"):
            outcome = _handle(payment, order, _stored_event(record), audit_waiting=False)
            if outcome.startswith(WAITING):
                continue
            transition(
                machine=PROVIDER_EVENT,
                obj=record,
                to=ProviderEventStatus.PROCESSED,
                actor=None,
                note=outcome,
                fields={"outcome": outcome[:200], "payment": payment},
                audit_metadata={"event_id": record.event_id},
            )
            applied.append(outcome)
            progressed = True
    return applied


def _stored_event(record: WebhookEvent) -> ProviderEvent:
    return ProviderEvent(
        event_id=record.event_id,
        kind=ProviderEventKind(record.kind),
        event_type=record.event_type,
        payment_reference=record.payment_reference,
        charge_reference=record.charge_reference,
        amount_cents=record.amount_cents,
        currency=record.currency,
    )


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
    if payment.status in NOT_YET_PAID:
        # Events arrive in any order: the success this refund follows is on its way (or found by reconciliation).
        return f"{WAITING}payment is {payment.status}"
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


def may_refund(*, actor: User, clinic: Clinic) -> bool:
    """Whether the account may give a payment back in this clinic (an owner or admin there)."""
    return StaffMembership.objects.filter(user=actor, clinic=clinic, role__in=REFUND_ROLES).exists()


def _refund_allowed_or_refuse(*, actor: User, order: Order) -> None:
    # Checked here as well as by the view, so no other way in (a new page, a script) can skip it.
    if not may_refund(actor=actor, clinic=order.clinic):
        raise PaymentError("refund_not_allowed")


def payment_refund_order(*, order: Order, actor: User, reason: str) -> Refund:
    """Refund the order's payment in full; the order must be locked by the caller."""
    if order.payment_status != PaymentStatus.PAID:
        raise OrderError("not_paid")
    _refund_allowed_or_refuse(actor=actor, order=order)
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
    _refund_allowed_or_refuse(actor=actor, order=locked)
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


@dataclasses.dataclass
class ReconcileSummary:
    """What one reconciliation run did, for the command's output and the periodic runner's log."""

    checked: int = 0  # open checkouts the provider told us about
    still_open: int = 0  # of those, still payable: asked again next run
    applied: list[str] = dataclasses.field(default_factory=list)  # "payment 12: paid", for what changed
    not_checked: int = 0  # the provider could not be asked (down, or refused): left for the next run
    stale_events: list[str] = dataclasses.field(default_factory=list)  # ids of events waiting too long

    def __str__(self) -> str:
        text = (
            f"Checked {self.checked} open checkout(s): {len(self.applied)} updated, {self.still_open} still open, "
            f"{self.not_checked} left for the next run."
        )
        if self.applied:
            text += "\n" + "\n".join(self.applied)
        if self.stale_events:
            text += (
                f"\n{len(self.stale_events)} provider event(s) have waited too long for their payment: "
                + ", ".join(self.stale_events)
            )
        return text


def checkouts_reconcile(*, now: datetime.datetime | None = None) -> ReconcileSummary:
    """Ask the provider about every checkout still open (started or processing) after
    PAYMENT_RECONCILE_AFTER_MINUTES, and apply what it says through the webhook's own path
    (`payment_event_apply`), so a lost webhook cannot leave a paid checkout unrecorded and asking twice
    changes nothing. A provider that cannot be reached is logged and asked again on the next run; no
    lock is held while it is asked. Then reports the provider events that have waited longer than
    PAYMENT_EVENT_STALE_MINUTES for their payment. Safe to run as often as wanted, in several copies."""
    now = now or timezone.now()
    summary = ReconcileSummary()
    cutoff = now - datetime.timedelta(minutes=settings.PAYMENT_RECONCILE_AFTER_MINUTES)
    open_checkouts = (
        Payment.objects.filter(status__in=OPEN_CHECKOUT, created_at__lte=cutoff)
        .exclude(reference="")
        .order_by("created_at", "id")
    )
    unreachable: set[str] = set()
    for payment in open_checkouts:
        if payment.provider in unreachable:
            summary.not_checked += 1
            continue
        try:
            event = provider_named(payment.provider).sync(payment=payment)
        except REQUEST_REFUSED_ERRORS:
            logger.warning("Reconciliation: the provider refused to tell about payment %s", payment.pk, exc_info=True)
            summary.not_checked += 1
            continue
        except PROVIDER_ERRORS:
            # Down, slow or refusing our key: the rest would fail the same way, each after its timeout.
            logger.warning(
                "Reconciliation: %s could not be reached; payment %s and the provider's other open checkouts "
                "are left for the next run",
                payment.provider,
                payment.pk,
                exc_info=True,
            )
            unreachable.add(payment.provider)
            summary.not_checked += 1
            continue
        summary.checked += 1
        if event is None:
            summary.still_open += 1
            continue
        outcome = payment_event_apply(provider=payment.provider, event=event)
        if outcome != DUPLICATE:
            summary.applied.append(f"payment {payment.pk}: {outcome}")
    summary.stale_events = list(provider_events_waiting_too_long(now=now).values_list("event_id", flat=True)[:50])
    if summary.stale_events:
        logger.warning(
            "%d provider event(s) have waited more than %d minutes for their payment (operator area, "
            "Payments > Provider events): %s",
            len(summary.stale_events),
            settings.PAYMENT_EVENT_STALE_MINUTES,
            ", ".join(summary.stale_events),
        )
    return summary


@transaction.atomic
def provider_event_dismiss(*, event: WebhookEvent, actor: User, reason: str) -> WebhookEvent:
    """An operator closes a waiting event that will never find its payment here (another system's event
    on the same Stripe account, or settled by hand). Audited; the event stays, marked dismissed."""
    if not reason.strip():
        raise PaymentError("reason_required")
    locked = WebhookEvent.objects.select_for_update().get(pk=event.pk)
    transition(
        machine=PROVIDER_EVENT,
        obj=locked,
        to=ProviderEventStatus.DISMISSED,
        actor=actor,
        note=reason.strip(),
        fields={"outcome": f"dismissed: {reason.strip()}"[:200]},
        audit_action="payments.provider_event.dismissed",
        audit_metadata={"event_id": locked.event_id},
    )
    return locked
