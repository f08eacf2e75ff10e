"""Authorise now, capture on approval (issue 17, part 1).

An order that needs approval (prescription or consultation items) has the patient's card authorised
at checkout: the money is held, not taken. Approving the order captures it; rejecting or cancelling
it releases the hold (and returns the stock, once, by the move to Cancelled). An authorisation lasts
PAYMENT_AUTHORISATION_DAYS: a day before it lapses the order is urgent in the staff queue, and when it
lapses the order falls back to "pay after approval" and the patient is told. Every change goes
through the provider-event path (`payments.events`): the provider's answer to a capture or a release
is applied and recorded like its webhooks, which then change nothing.
"""

import dataclasses
import datetime
import logging

from django.db import transaction
from django.utils import timezone

from patientportal.accounts.models import User
from patientportal.orders.choices import Approval, OrderStatus, PaymentStatus
from patientportal.orders.errors import OrderError
from patientportal.orders.models import Order
from patientportal.orders.services import (
    order_approve_locked,
    order_email_patient,
    order_lock,
    order_pending_locked,
    order_reject_locked,
)
from patientportal.payments.choices import PaymentAttemptStatus, PaymentIssueKind
from patientportal.payments.events import event_apply_locked
from patientportal.payments.handlers import capture_now, closed_release_answer, release_now
from patientportal.payments.models import Payment
from patientportal.payments.moves import PROVIDER_ERRORS, order_cancel_locked
from patientportal.payments.providers import ProviderEvent, provider_named

logger = logging.getLogger(__name__)
LAPSED = "The card authorisation lapsed before the order was approved"


def authorised_payment_locked(order: Order) -> Payment | None:
    """The payment holding the (locked) order's card authorisation, locked; None if there is none."""
    if order.payment_status != PaymentStatus.AUTHORISED:
        return None
    return Payment.objects.select_for_update().filter(order=order, status=PaymentAttemptStatus.AUTHORISED).first()


@transaction.atomic
def order_approve(*, order: Order, actor: User) -> Order:
    """Approve a pending order. If the card is authorised, capture it now, in the same transaction: the
    order is Paid and Processing without the patient coming back. If the provider refuses the capture (the
    authorisation lapsed there), the order is approved and the patient asked to pay; if the provider cannot
    be reached, nothing changes (OrderError "provider_unavailable"). A second approval is refused."""
    locked = order_pending_locked(order)
    payment = authorised_payment_locked(locked)
    order_approve_locked(locked, actor=actor)
    if payment is None:
        order_email_patient(locked, "approved")
        return locked
    event_apply_locked(payment=payment, order=locked, event=capture_now(payment))
    order_email_patient(locked, "approved_paid" if locked.payment_status == PaymentStatus.PAID else "approved_pay_now")
    return locked


@transaction.atomic
def order_reject(*, order: Order, reason: str, actor: User) -> Order:
    """Reject a pending order: cancelled, its stock back once, its card authorisation released (if the
    provider cannot be reached, nothing changes: try again)."""
    if not reason.strip():
        raise OrderError("reason_required")
    locked = order_pending_locked(order)
    payment = authorised_payment_locked(locked)
    answer = release_now(payment, note="Released: the order was rejected") if payment else None
    order_reject_locked(locked, reason=reason, actor=actor)
    order_cancel_locked(locked, actor=actor, reason=reason.strip())  # and its checkouts still open closed
    if payment is not None and answer is not None:
        event_apply_locked(payment=payment, order=locked, event=answer)
    order_email_patient(locked, "rejected_released" if payment else "rejected")
    return locked


def authorisation_release_for_cancel(order: Order) -> tuple[Payment, ProviderEvent] | None:
    """For a staff cancel of a locked order: release its card authorisation, if it holds one. Returns the
    payment and the provider's answer, applied by the caller once the order is cancelled."""
    payment = authorised_payment_locked(order)
    if payment is None:
        return None
    return payment, release_now(payment, note="Released: the order was cancelled")


def authorisations_lapse(*, now: datetime.datetime | None = None) -> list[str]:
    """Release every card authorisation that has reached its end without the order being approved: the
    order falls back to "pay after approval" and the patient is told. Safe to run at any time and in
    several copies: each order is re-checked under its lock. The provider is asked to cancel the hold
    before the lock is taken; if it cannot be reached, the clock decides (the authorisation is over)."""
    now = now or timezone.now()
    lapsed: list[str] = []
    due = Order.objects.filter(payment_status=PaymentStatus.AUTHORISED, authorised_until__lte=now).order_by(
        "authorised_until", "id"
    )
    for order in due.select_related("clinic", "patient"):
        payment = Payment.objects.filter(order=order, status=PaymentAttemptStatus.AUTHORISED).first()
        if payment is None:
            continue
        answer = _release_at_the_end(payment)
        with transaction.atomic():
            locked = order_lock(order)
            held = authorised_payment_locked(locked)
            if held is None or held.pk != payment.pk:
                continue  # captured or released meanwhile
            event_apply_locked(payment=held, order=locked, event=answer)
            if locked.status == OrderStatus.PENDING and locked.approval == Approval.AWAITING:
                order_email_patient(locked, "authorisation_lapsed")
            lapsed.append(locked.number)
    return lapsed


def _release_at_the_end(payment: Payment) -> ProviderEvent:
    try:
        answer = provider_named(payment.provider).release(payment=payment, idempotency_key=f"release-{payment.pk}")
    except PROVIDER_ERRORS:
        # Refused (closed there already) or unreachable: either way the authorisation is over by now.
        logger.warning("Releasing the lapsed authorisation of payment %s at the provider failed", payment.pk)
        return closed_release_answer(
            payment,
            reason="lapsed",
            note=LAPSED,
            event_name="authorisation_lapsed",
            issue=PaymentIssueKind.AUTHORISATION_UNANSWERED,
        )
    return dataclasses.replace(answer, note=LAPSED)
