"""The one path by which provider events change payments and orders: webhooks, the test page, a
retrieve on the return page or by reconciliation, and the provider's answers to our own requests
(a capture on approval, a release on rejection, a refund).

Each event id is recorded once (`WebhookEvent`, unique per provider), so a second delivery changes
nothing; the order row and then the payment row are locked (the same order as every other change of
an order, so they cannot deadlock); and a payment never moves backwards (`payments.handlers`), so
repeated or late events change nothing wrong. An event that comes before its payment can take it (a
refund before the completion) is kept and applied when the payment catches up, never dropped.
"""

import hashlib
import logging
from collections.abc import Iterable

from django.db import IntegrityError, connection, transaction

from patientportal.audit import services as audit
from patientportal.audit.transitions import transition
from patientportal.orders.models import Order
from patientportal.orders.services import order_lock
from patientportal.payments.choices import ProviderEventStatus
from patientportal.payments.handlers import WAITING, RefundDetails, handle
from patientportal.payments.machines import PROVIDER_EVENT
from patientportal.payments.models import Payment, WebhookEvent
from patientportal.payments.providers import ProviderEvent, ProviderEventKind
from patientportal.payments.providers.base import CHARGE_KINDS

logger = logging.getLogger(__name__)
DUPLICATE = "duplicate: already processed"
# pg_advisory_xact_lock(namespace, key): the namespace keeps these locks apart from any other use of them.
REFERENCE_LOCK_NAMESPACE = 0x50415945  # "PAYE"


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
            lock_references(provider, (event.payment_reference, event.charge_reference))
            if WebhookEvent.objects.filter(provider=provider, event_id=event.event_id).exists():
                return DUPLICATE  # a copy that held the same references' lock while we waited for it
            outcome, payment = _apply(provider, event)
            try:
                _record(provider, event, outcome, payment)
            except IntegrityError:
                raise _AlreadyRecorded from None
    except _AlreadyRecorded:
        return DUPLICATE
    if outcome.startswith(WAITING):
        logger.info("Provider event %s (%s) kept until its payment can take it", event.event_id, event.event_type)
    return outcome


def event_apply_locked(
    *, payment: Payment, order: Order, event: ProviderEvent, refund: RefundDetails | None = None
) -> str:
    """Apply the provider's answer to a request made while the caller holds the order's and the payment's
    locks (a capture, a release, a refund), through the same handlers as its webhooks, and record it as
    an event. The webhook that follows finds it done. `refund` carries what one of our refunds records."""
    outcome = _handle(payment, order, event, refund=refund)
    applied = _apply_waiting_events(payment.provider, payment, order)
    if applied:
        outcome = f"{outcome}; then {len(applied)} waiting event(s): {', '.join(applied)}"
    try:
        _record(payment.provider, event, outcome, payment)
    except IntegrityError:  # the same answer applied before: the payment's state made this one change nothing
        logger.warning("Provider answer %s was recorded before", event.event_id)
    return outcome


def _record(provider: str, event: ProviderEvent, outcome: str, payment: Payment | None) -> None:
    """The event's row, with its first state (nobody sees it before this commits). In a savepoint: a copy
    recorded first raises IntegrityError without spoiling the caller's transaction."""
    waiting = outcome.startswith(WAITING)
    with transaction.atomic():
        WebhookEvent.objects.create(
            provider=provider,
            event_id=event.event_id,
            event_type=event.event_type[:100],
            outcome=outcome[:200],
            status=ProviderEventStatus.WAITING if waiting else ProviderEventStatus.PROCESSED,
            kind=event.kind,
            payment_reference=event.payment_reference,
            charge_reference=event.charge_reference,
            amount_cents=event.amount_cents,
            currency=event.currency[:3],
            match_reference=_match_reference(event) if waiting else "",
            payment=None if waiting else payment,
        )


def _match_reference(event: ProviderEvent) -> str:
    # A refund or a release names the charge (the payment intent); every other event names the checkout.
    return event.charge_reference if event.kind in CHARGE_KINDS else event.payment_reference


def lock_references(provider: str, references: Iterable[str]) -> None:
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
    field = "charge_reference" if event.kind in CHARGE_KINDS else "reference"
    row = Payment.objects.filter(provider=provider, **{field: reference}).values_list("pk", "order_id").first()
    return (row[0], row[1]) if row else None


def _apply(provider: str, event: ProviderEvent) -> tuple[str, Payment | None]:
    found = _find_payment_id(provider, event)
    if found is None:
        if event.kind == ProviderEventKind.RELEASED:
            # An authorisation we never recorded held nothing for any order; should its completion come
            # later, capturing it on approval is refused and the order falls back to paying after approval.
            return "ignored: no payment holds this authorisation", None
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


def _handle(
    payment: Payment,
    order: Order,
    event: ProviderEvent,
    *,
    audit_waiting: bool = True,
    refund: RefundDetails | None = None,
) -> str:
    """Apply an event to its locked order and payment (or say it must wait), and audit it."""
    outcome = handle(payment, order, event, refund=refund)
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
