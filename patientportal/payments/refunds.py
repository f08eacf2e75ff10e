"""Staff give money back: in full, a flagged payment, or part of an order (chosen items and
quantities, or an amount) with its share of the tax (`orders.tax` says how). Only owners and admins
(REFUND_ROLES), checked here as well as by the views. Every refund is asked of the provider while
the order and its payment are locked, so two staff refunding at once are served one after the other
and the second sees what the first gave back: never more than was captured. The provider's answer
goes through the event path (`payments.events`) like its webhooks, which records the refund and emails
its receipt (`payments.receipts`), once.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from django.db import transaction

from patientportal.accounts.models import User
from patientportal.clinics.choices import Role
from patientportal.clinics.models import Clinic, StaffMembership
from patientportal.core.money import format_money
from patientportal.orders.errors import OrderError
from patientportal.orders.models import Order
from patientportal.orders.refunds import RefundLine, order_items_quote, order_items_refund
from patientportal.orders.services import order_lock
from patientportal.orders.tax import amount_refund_tax_cents, refund_tax_cents
from patientportal.payments.choices import PaymentAttemptStatus, RefundKind
from patientportal.payments.errors import PaymentError
from patientportal.payments.events import event_apply_locked
from patientportal.payments.handlers import RefundDetails, refund_now, refunded_cents
from patientportal.payments.issues import keeps_refused_refunds
from patientportal.payments.models import Payment, Refund

# Giving money back is the clinic's owners' and admins' decision; the plain staff role
# runs the queue (approve, prepare, hand over, cancel an unpaid order) but never refunds.
REFUND_ROLES = frozenset({Role.OWNER, Role.ADMIN})


def may_refund(*, actor: User, clinic: Clinic) -> bool:
    """Whether the account may give a payment back in this clinic (an owner or admin there)."""
    return StaffMembership.objects.filter(user=actor, clinic=clinic, role__in=REFUND_ROLES).exists()


def _refund_allowed_or_refuse(*, actor: User, order: Order) -> None:
    # Checked here as well as by the view, so no other way in (a new page, a script) can skip it.
    if not may_refund(actor=actor, clinic=order.clinic):
        raise PaymentError("refund_not_allowed")


def _paid_with_locked(order: Order) -> Payment:
    """The payment a locked, paid order was paid with, locked."""
    return Payment.objects.select_for_update().get(order=order, status=PaymentAttemptStatus.SUCCEEDED)


def _give_back(payment: Payment, order: Order, details: RefundDetails) -> Refund:
    """Ask the provider, apply its answer through the event path, and return the refund it recorded."""
    event_apply_locked(payment=payment, order=order, event=refund_now(payment, details), refund=details)
    refund = payment.refunds.order_by("-id").first()
    assert refund is not None  # the answer to a refund we asked for is always recorded
    return refund


def payment_refund_order(*, order: Order, actor: User, reason: str) -> Refund:
    """Refund what is left of the order's payment; the order must be locked by the caller. An order not
    yet handed over is cancelled (its stock back, but for items already refunded one by one)."""
    if not order.holds_payment:
        raise OrderError("not_paid")
    _refund_allowed_or_refuse(actor=actor, order=order)
    payment = _paid_with_locked(order)
    left = payment.amount_cents - refunded_cents(payment)
    return _give_back(
        payment, order, RefundDetails(kind=RefundKind.FULL, reason=reason, actor=actor, amount_cents=left)
    )


@keeps_refused_refunds
@transaction.atomic
def order_refund(*, order: Order, actor: User, reason: str) -> Order:
    """Staff refund a paid order in full (what is left of it); one not yet completed is cancelled too."""
    if not reason.strip():
        raise OrderError("reason_required")
    locked = order_lock(order)
    payment_refund_order(order=locked, actor=actor, reason=reason.strip())
    return locked


@keeps_refused_refunds
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
    details = RefundDetails(
        kind=RefundKind.FULL, reason=reason.strip(), actor=actor, amount_cents=payment.amount_cents, settles_order=False
    )
    _give_back(payment, locked, details)
    return locked


@dataclass(frozen=True)
class RefundQuote:
    """What a partial refund gives back: the items' prices (or the amount less its tax) and the tax."""

    lines: list[RefundLine]
    items_cents: int
    tax_cents: int
    left_cents: int  # what was left to refund before this one

    @property
    def total_cents(self) -> int:
        return self.items_cents + self.tax_cents

    @property
    def kind(self) -> str:
        return RefundKind.ITEMS if self.lines else RefundKind.AMOUNT


def order_refund_quote(
    *, order: Order, payment: Payment, quantities: Mapping[int, int], amount_cents: int | None
) -> RefundQuote:
    """What refunding these items (item id → quantity) or this amount (tax included) of a paid order would
    give back. Refused (PaymentError) unless exactly one of the two is given and it is within what is left."""
    chosen = {item_id: quantity for item_id, quantity in quantities.items() if quantity > 0}
    if bool(chosen) == (amount_cents is not None):
        raise PaymentError("refund_items_or_amount")
    left = payment.amount_cents - refunded_cents(payment)
    tax_left = order.tax_cents - sum(refund.tax_cents for refund in payment.refunds.all())
    if amount_cents is not None:
        if amount_cents <= 0:
            raise PaymentError("refund_amount_positive")
        computed = amount_refund_tax_cents(
            amount_cents=amount_cents, order_tax_cents=order.tax_cents, order_total_cents=order.total_cents
        )
        tax = refund_tax_cents(computed_cents=computed, tax_left_cents=tax_left, amount_cents=amount_cents)
        quote = RefundQuote(lines=[], items_cents=amount_cents - tax, tax_cents=tax, left_cents=left)
    else:
        items = order_items_quote(order=order, quantities=chosen)
        tax = refund_tax_cents(computed_cents=items.tax_cents, tax_left_cents=tax_left, amount_cents=items.total_cents)
        quote = RefundQuote(lines=items.lines, items_cents=items.items_cents, tax_cents=tax, left_cents=left)
    if quote.total_cents > left:
        raise PaymentError("over_refund", left=format_money(left, payment.currency))
    return quote


def order_refund_preview(*, order: Order, quantities: Mapping[int, int], amount_cents: int | None) -> RefundQuote:
    """The quote for the staff's review page (nothing locked, nothing changed)."""
    if not order.holds_payment:
        raise OrderError("not_paid")
    payment = Payment.objects.get(order=order, status=PaymentAttemptStatus.SUCCEEDED)
    return order_refund_quote(order=order, payment=payment, quantities=quantities, amount_cents=amount_cents)


@keeps_refused_refunds
@transaction.atomic
def order_refund_partial(
    *,
    order: Order,
    actor: User,
    reason: str,
    quantities: Mapping[int, int] | None = None,
    amount_cents: int | None = None,
    restock: bool = False,
    expected_cents: int | None = None,
) -> Refund:
    """Refund part of a paid order: chosen items and quantities (put back in stock if `restock`), or an
    amount. The order keeps its status (a refund is not a cancellation); its payment becomes Partly
    refunded, or Refunded when everything has been given back. `expected_cents` is the total the staff
    member reviewed: if it no longer holds (another refund came first), nothing is refunded."""
    if not reason.strip():
        raise OrderError("reason_required")
    locked = order_lock(order)
    if not locked.holds_payment:
        raise OrderError("not_paid")
    _refund_allowed_or_refuse(actor=actor, order=locked)
    payment = _paid_with_locked(locked)
    quote = order_refund_quote(order=locked, payment=payment, quantities=quantities or {}, amount_cents=amount_cents)
    if expected_cents is not None and expected_cents != quote.total_cents:
        raise PaymentError("refund_changed")
    order_items_refund(order=locked, lines=quote.lines, restock=restock, actor=actor)
    details = RefundDetails(
        kind=quote.kind,
        reason=reason.strip(),
        actor=actor,
        amount_cents=quote.total_cents,
        tax_cents=quote.tax_cents,
        lines=tuple(quote.lines),
        restocked=restock and bool(quote.lines),
        cancel_open_order=False,
    )
    return _give_back(payment, locked, details)
