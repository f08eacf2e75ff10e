"""What each provider event does to its payment and its order. `payments.events` applies every
event once, with the order and then the payment locked, and calls `handle`.

Also here: the provider calls that a handler, or a staff action holding the same locks, makes —
capture, release, refund — each answered by the event it amounts to, which is then applied like
any other (a later webhook saying the same finds it done and changes nothing)."""

import dataclasses
import datetime
import logging
from collections.abc import Callable

from django.conf import settings

from patientportal.accounts.models import User
from patientportal.audit import services as audit
from patientportal.core.money import format_money
from patientportal.orders.choices import Approval, OrderStatus, PaymentStatus
from patientportal.orders.errors import OrderError
from patientportal.orders.models import Order
from patientportal.orders.refunds import RefundLine
from patientportal.orders.services import (
    order_move,
    order_record_authorisation,
    order_record_authorisation_ended,
    order_record_payment,
)
from patientportal.orders.tax import amount_refund_tax_cents, refund_tax_cents
from patientportal.payments.choices import PaymentAttemptStatus, PaymentIssueKind, RefundKind
from patientportal.payments.errors import RefundRefused
from patientportal.payments.issues import payment_issue_raise
from patientportal.payments.models import Payment, Refund, RefundItem
from patientportal.payments.moves import PROVIDER_ERRORS, REQUEST_REFUSED_ERRORS, order_cancel_locked, payment_move
from patientportal.payments.providers import ProviderEvent, ProviderEventKind, provider_named
from patientportal.payments.providers.base import Card
from patientportal.payments.receipts import payment_receipt_send, refund_receipt_send

logger = logging.getLogger(__name__)
S = PaymentAttemptStatus
WAITING = "waiting: "  # the prefix of the outcome of an event that is kept to be applied later
# A payment in one of these states may still succeed (an expired checkout can still be paid late).
NOT_YET_PAID = (S.CREATED, S.PROCESSING, S.EXPIRED)


@dataclasses.dataclass(frozen=True)
class RefundDetails:
    """What one of our own refunds records beyond the amount the provider reports (a refund made at
    the provider, in its dashboard, has none of it)."""

    kind: str
    reason: str
    actor: User | None
    amount_cents: int  # what this refund gives back, tax included
    tax_cents: int | None = None  # None: the tax share of an amount (orders.tax)
    lines: tuple[RefundLine, ...] = ()
    restocked: bool = False
    # A refund in full cancels an order not yet handed over; one that refunds the rest piece by piece does not.
    cancel_open_order: bool = True
    # False for money given back because the order could not take it: the order's own payment is untouched.
    settles_order: bool = True


AT_PROVIDER = RefundDetails(kind=RefundKind.AT_PROVIDER, reason="Refunded at the provider", actor=None, amount_cents=0)


def refunded_cents(payment: Payment) -> int:
    return sum(refund.amount_cents for refund in payment.refunds.all())


def handle(payment: Payment, order: Order, event: ProviderEvent, *, refund: RefundDetails | None = None) -> str:
    """Apply an event to its locked order and payment (or say it must wait); returns what happened."""
    if event.charge_reference and not payment.charge_reference:
        payment.charge_reference = event.charge_reference
        payment.save(update_fields=["charge_reference"])
    if event.card and not payment.card_last4:
        _card_record(payment, event.card)
    if event.kind == ProviderEventKind.REFUNDED:
        return _refunded(payment, order, event, refund)
    return HANDLERS[event.kind](payment, order, event)


def _mismatch(payment: Payment, event: ProviderEvent) -> bool:
    return event.amount_cents != payment.amount_cents or event.currency.upper() != payment.currency.upper()


def _may_take(order: Order, *, captured: bool) -> bool:
    """Whether the order can take this money: an authorisation captured on approval, or a payment."""
    if captured:
        return (
            order.status == OrderStatus.PENDING
            and order.approval == Approval.APPROVED
            and order.payment_status == PaymentStatus.AUTHORISED
        )
    return order.is_payable


def _succeeded(payment: Payment, order: Order, event: ProviderEvent) -> str:
    if payment.status in (S.SUCCEEDED, S.REFUNDED, S.RELEASED):
        return f"ignored: payment is {payment.status}"
    captured = payment.status == S.AUTHORISED
    if _mismatch(payment, event):
        flagged = payment_move(
            payment, S.NEEDS_REVIEW, note=f"Amount mismatch: provider said {event.amount_cents} {event.currency}"
        )
        _authorisation_gone(order, captured, note="The captured amount did not match: flagged for review")
        if flagged:  # once: a repeat of the provider's word about a payment already flagged raises nothing new
            _raise_mismatch(payment, order, event, then="The order was not marked paid: refund it from the order page")
        return "flagged: amount or currency does not match the order"
    if not payment_move(payment, S.SUCCEEDED):
        return f"ignored: payment is {payment.status}"
    if not payment.card_last4:
        _card_ask(payment)
    if _may_take(order, captured=captured):
        order_record_payment(order=order, note="Card authorisation captured" if captured else "")
        # Here, at the one move to Paid: a second delivery of the event never comes this far.
        payment_receipt_send(payment)
        return "captured" if captured else "paid"
    # Paid after the order was cancelled (or paid twice, or captured before approval): never lost, given back.
    _authorisation_gone(order, captured, note="Captured at the provider before approval: refunded")
    reason = f"Order was {order.get_status_display().lower()} when paid"
    refund = RefundDetails(
        kind=RefundKind.FULL, reason=reason, actor=None, amount_cents=payment.amount_cents, settles_order=False
    )
    _refunded(payment, order, refund_now(payment, refund), refund)
    return "refunded: the order could no longer be paid"


def _card_record(payment: Payment, card: Card) -> None:
    payment.card_brand, payment.card_last4 = card.brand[:20], card.last4[-4:]
    payment.save(update_fields=["card_brand", "card_last4"])


def _card_ask(payment: Payment) -> None:
    """Ask the provider which card paid, for the receipt. Best effort: without an answer the receipt
    says nothing of the card, and the payment is applied all the same."""
    try:
        card = provider_named(payment.provider).card(payment=payment)
    except PROVIDER_ERRORS:
        logger.warning("Could not ask which card paid payment %s", payment.pk, exc_info=True)
        return
    if card is not None and card.last4:
        _card_record(payment, card)


def _raise_mismatch(payment: Payment, order: Order, event: ProviderEvent, *, then: str) -> None:
    said = format_money(event.amount_cents or 0, event.currency or payment.currency)
    detail = f"The payment provider reported {said}; the order's total is " + (
        f"{format_money(payment.amount_cents, payment.currency)}. {then}, or settle it at the provider."
    )
    payment_issue_raise(payment=payment, order=order, kind=PaymentIssueKind.AMOUNT_MISMATCH, detail=detail)


def _authorisation_gone(order: Order, captured: bool, *, note: str) -> None:
    if captured and order.payment_status == PaymentStatus.AUTHORISED:
        order_record_authorisation_ended(order=order, note=note)


def authorisation_expiry(payment: Payment) -> datetime.datetime:
    """When an authorisation lapses: counted from when its checkout began, so never later than the provider's."""
    return payment.created_at + datetime.timedelta(days=settings.PAYMENT_AUTHORISATION_DAYS)


def _authorised(payment: Payment, order: Order, event: ProviderEvent) -> str:
    """The card is authorised (manual capture). The order holds it until approval; if the order was approved
    meanwhile it is captured now, and if the order can no longer take it, it is released now."""
    until = authorisation_expiry(payment)
    if not payment_move(payment, S.AUTHORISED, authorised_until=until):
        return f"ignored: payment is {payment.status}"
    if _mismatch(payment, event):
        note = f"Amount mismatch: provider said {event.amount_cents} {event.currency}; released"
        _raise_mismatch(payment, order, event, then="The authorisation was released at once")
        return "released: " + _released(payment, order, release_now(payment, note=note))
    if not (order.is_authorisable or order.is_payable):
        note = f"Released: the order was {order.get_status_display().lower()} when the card was authorised"
        return "released: " + _released(payment, order, release_now(payment, note=note))
    order_record_authorisation(order=order, until=until)
    if order.approval != Approval.APPROVED:
        return "authorised"
    # Approved while the patient was authorising: capture at once.
    answer = capture_now(payment)
    return "authorised; then " + HANDLERS[answer.kind](payment, order, answer)


def _released(payment: Payment, order: Order, event: ProviderEvent) -> str:
    """An authorisation cancelled without capture (by us, at the provider, or lapsed): nothing was taken,
    and the order is back to "pay after approval" (if it is still to be paid at all)."""
    note = event.note or "Card authorisation released at the provider"
    if not payment_move(payment, S.RELEASED, note=note, authorised_until=None):
        return f"ignored: payment is {payment.status}"
    _authorisation_gone(order, True, note=note)
    if event.issue:
        detail = f"{note}. The payment provider did not confirm it: check the payment there."
        payment_issue_raise(payment=payment, order=order, kind=event.issue, detail=detail)
    return "released"


def _refund_failed(payment: Payment, order: Order, event: ProviderEvent) -> str:
    """A refund the provider had accepted (and we recorded) failed there: the money did not reach the
    patient. Nothing is undone here; staff are asked to settle it ("Payments needing attention")."""
    which = f" {event.refund_reference}" if event.refund_reference else ""
    amount = f" of {format_money(event.amount_cents, payment.currency)}" if event.amount_cents else ""
    detail = (
        f"The payment provider says the refund{which}{amount} failed: the money did not go back to the patient, "
        "although the order shows it refunded. Refund again at the provider or contact the patient."
    )
    raised = payment_issue_raise(payment=payment, order=order, kind=PaymentIssueKind.REFUND_FAILED, detail=detail)
    return "flagged: refund failed at the provider" if raised else "ignored: refund failure already flagged"


def _processing(payment: Payment, order: Order, event: ProviderEvent) -> str:
    return "processing" if payment_move(payment, S.PROCESSING) else f"ignored: {payment.status}"


def _expired(payment: Payment, order: Order, event: ProviderEvent) -> str:
    # A checkout that expired does not cancel the order: the patient may pay again.
    return "expired" if payment_move(payment, S.EXPIRED) else f"ignored: {payment.status}"


def _failed(payment: Payment, order: Order, event: ProviderEvent) -> str:
    if not payment_move(payment, S.FAILED):
        return f"ignored: payment is {payment.status}"
    if order.payment_status == PaymentStatus.UNPAID:
        order_move(order=order, machine="payment", to=PaymentStatus.FAILED, actor=None)
    return "failed"


def _refunded(payment: Payment, order: Order, event: ProviderEvent, details: RefundDetails | None) -> str:
    """Money given back: one of ours (`details`), or one made at the provider (its dashboard). The event
    says the running total refunded; what is new is recorded as a Refund, once, so a later webhook saying
    the same total changes nothing. In full: the payment (and the order it paid) is Refunded and an order
    not yet handed over is cancelled with its stock; in part: the order is Partly refunded."""
    if payment.status == S.AUTHORISED:
        # Stripe marks the charge of a cancelled authorisation refunded: nothing had been taken.
        return _released(payment, order, event)
    if payment.status in NOT_YET_PAID:
        # Events arrive in any order: the success this refund follows is on its way (or found by reconciliation).
        return f"{WAITING}payment is {payment.status}"
    if payment.status not in (S.SUCCEEDED, S.NEEDS_REVIEW):
        return f"ignored: payment is {payment.status}"
    before = refunded_cents(payment)
    said = min(event.amount_cents if event.amount_cents is not None else payment.amount_cents, payment.amount_cents)
    if said <= before:
        return "ignored: refund already recorded"
    details = details or AT_PROVIDER
    refund = _record_refund(payment, order, details, amount=said - before, reference=event.refund_reference)
    # Here, where the refund is recorded once: a repeated event saying the same total never comes this far.
    refund_receipt_send(refund)
    # The payment the order was paid with (a payment flagged for review, or given back because the order
    # could not take it, never paid the order).
    paying = details.settles_order and order.holds_payment and payment.status == S.SUCCEEDED
    full = said >= payment.amount_cents
    if full:
        payment_move(payment, S.REFUNDED, note=details.reason)
    elif details.kind == RefundKind.AT_PROVIDER:
        payment.note = f"Partly refunded at the provider: {said} of {payment.amount_cents}"
        payment.save(update_fields=["note", "updated_at"])
    if paying:
        to = PaymentStatus.REFUNDED if full else PaymentStatus.PARTLY_REFUNDED
        note = f"{format_money(refund.amount_cents, payment.currency)} refunded: {details.reason}"
        order_move(order=order, machine="payment", to=to, actor=details.actor, note=note)
    if paying and full and details.cancel_open_order and order.status in (OrderStatus.PROCESSING, OrderStatus.READY):
        order_cancel_locked(order, actor=details.actor, reason=details.reason)
    return "refunded" if full else "recorded: partial refund"


def _record_refund(payment: Payment, order: Order, details: RefundDetails, *, amount: int, reference: str) -> Refund:
    tax_before = sum(refund.tax_cents for refund in payment.refunds.all())
    computed = (
        details.tax_cents
        if details.tax_cents is not None
        else amount_refund_tax_cents(
            amount_cents=amount, order_tax_cents=order.tax_cents, order_total_cents=order.total_cents
        )
    )
    refund = Refund.objects.create(
        payment=payment,
        kind=details.kind,
        amount_cents=amount,
        tax_cents=refund_tax_cents(
            computed_cents=computed, tax_left_cents=order.tax_cents - tax_before, amount_cents=amount
        ),
        reference=reference,
        reason=details.reason[:500],
        restocked=details.restocked,
        actor=details.actor,
    )
    RefundItem.objects.bulk_create(
        RefundItem(refund=refund, order_item=line.item, quantity=line.quantity, amount_cents=line.amount_cents)
        for line in details.lines
    )
    audit.record(
        action="payments.payment.refunded",
        actor=details.actor,
        clinic=order.clinic,
        patient=order.patient,
        obj=payment,
        metadata={"amount_cents": amount, "tax_cents": refund.tax_cents, "kind": details.kind, "refund": refund.pk},
    )
    return refund


HANDLERS: dict[str, Callable[[Payment, Order, ProviderEvent], str]] = {
    ProviderEventKind.SUCCEEDED: _succeeded,
    ProviderEventKind.AUTHORISED: _authorised,
    ProviderEventKind.PROCESSING: _processing,
    ProviderEventKind.FAILED: _failed,
    ProviderEventKind.EXPIRED: _expired,
    ProviderEventKind.RELEASED: _released,
    ProviderEventKind.REFUND_FAILED: _refund_failed,
}


# --- Asking the provider, with the order and the payment locked -------------------------------------


def capture_now(payment: Payment) -> ProviderEvent:
    """Capture an authorised payment in full. If the provider refuses (the authorisation lapsed or was
    cancelled there), the answer is that it was released; if it cannot be reached, nothing changes."""
    try:
        return provider_named(payment.provider).capture(
            payment=payment, amount_cents=payment.amount_cents, idempotency_key=f"capture-{payment.pk}"
        )
    except REQUEST_REFUSED_ERRORS:
        logger.warning("Capturing payment %s was refused: its authorisation is gone", payment.pk, exc_info=True)
        return closed_release_answer(
            payment,
            reason="capture-refused",
            note="The card authorisation could not be captured on approval (lapsed or cancelled at the provider)",
            issue=PaymentIssueKind.CAPTURE_FAILED,
        )
    except PROVIDER_ERRORS:
        logger.exception("Capturing payment %s failed", payment.pk)
        raise OrderError("provider_unavailable") from None


def release_now(payment: Payment, *, note: str) -> ProviderEvent:
    """Cancel an authorised payment without capturing it. Refused by the provider means it is closed there
    already (lapsed, or cancelled in its dashboard); if it cannot be reached, nothing changes."""
    try:
        answer = provider_named(payment.provider).release(payment=payment, idempotency_key=f"release-{payment.pk}")
    except REQUEST_REFUSED_ERRORS:
        logger.warning("Releasing payment %s was refused: already closed", payment.pk, exc_info=True)
        return closed_release_answer(payment, reason="release-refused", note=note)
    except PROVIDER_ERRORS:
        logger.exception("Releasing payment %s failed", payment.pk)
        raise OrderError("provider_unavailable") from None
    return dataclasses.replace(answer, note=note)


def closed_release_answer(
    payment: Payment, *, reason: str, note: str, event_name: str = "", issue: str = ""
) -> ProviderEvent:
    """An authorisation that is over without the provider saying so in an answer of its own (it refused
    a capture or release: gone or closed already; or could not be reached when the hold had ended
    anyway), as an event of our making, applied through the one event path."""
    return ProviderEvent(
        event_id=f"{payment.provider}:{reason}:{payment.pk}",
        kind=ProviderEventKind.RELEASED,
        event_type=f"{payment.provider}.{event_name or reason}",
        payment_reference=payment.reference,
        charge_reference=payment.charge_reference,
        amount_cents=payment.amount_cents,
        currency=payment.currency,
        note=note,
        issue=issue,
    )


def refund_now(payment: Payment, details: RefundDetails) -> ProviderEvent:
    """Ask the provider to give back `details.amount_cents` of a locked payment. The idempotency key counts
    the payment's refunds, so asking again after a timeout cannot refund twice, and the next refund
    (made under the same locks, after this one) has a key of its own."""
    before = refunded_cents(payment)
    key = f"refund-{payment.pk}-{payment.refunds.count() + 1}"
    try:
        reference = provider_named(payment.provider).refund(
            payment=payment, amount_cents=details.amount_cents, idempotency_key=key
        )
    except REQUEST_REFUSED_ERRORS:
        logger.warning("Refunding payment %s was refused by the provider", payment.pk, exc_info=True)
        raise RefundRefused(payment_id=payment.pk, amount_cents=details.amount_cents) from None
    except PROVIDER_ERRORS:
        logger.exception("Refunding payment %s failed", payment.pk)
        raise OrderError("provider_unavailable") from None
    return ProviderEvent(
        event_id=f"{payment.provider}:refund:{reference}",
        kind=ProviderEventKind.REFUNDED,
        event_type=f"{payment.provider}.refund_created",
        payment_reference=payment.reference,
        charge_reference=payment.charge_reference,
        amount_cents=before + details.amount_cents,  # the running total, as the provider's own events say it
        currency=payment.currency,
        refund_reference=reference,
    )
