"""The small steps every payments module takes: moving a payment along its table, cancelling a
locked order (and, once that commits, closing its checkouts that are still open), and which
errors of a provider mean "could not ask" or "asked, and was refused"."""

import logging
from functools import partial

import stripe
from django.db import transaction

from patientportal.accounts.models import User
from patientportal.audit import services as audit
from patientportal.audit.transitions import transition
from patientportal.orders.models import Order
from patientportal.orders.services import cancel_locked_order
from patientportal.payments.choices import PaymentAttemptStatus
from patientportal.payments.machines import PAYMENT_ATTEMPT
from patientportal.payments.models import Payment
from patientportal.payments.providers import provider_named

logger = logging.getLogger(__name__)
PROVIDER_ERRORS = (stripe.StripeError,)
# The provider refused one request (a checkout it does not know, an authorisation already closed): the
# request is wrong for this payment, not the provider down.
REQUEST_REFUSED_ERRORS = (stripe.InvalidRequestError,)


def payment_move(payment: Payment, to: str, *, note: str = "", **fields: object) -> bool:
    """Move a locked payment if the table allows (also setting `fields`); False (and nothing changed) otherwise."""
    if not PAYMENT_ATTEMPT.allows(payment.status, to):
        return False
    if note:
        fields["note"] = note[:500]
    transition(machine=PAYMENT_ATTEMPT, obj=payment, to=to, actor=None, note=note, fields=fields)
    return True


def order_cancel_locked(order: Order, *, actor: User | None, reason: str) -> Order:
    """Cancel a locked order and, once that commits, close its open checkouts."""
    cancel_locked_order(order, actor=actor, reason=reason)
    transaction.on_commit(partial(order_checkouts_close, order_id=order.pk), robust=True)
    return order


def order_checkouts_close(*, order_id: int) -> int:
    """After an order is cancelled, close its checkouts that are still open, so
    the patient cannot pay for it (a payment that gets through anyway is
    refunded, an authorisation released, by `payments.handlers`). Runs after the cancellation
    commits: a call to the provider never holds the order's lock. Returns how many were closed."""
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
            if payment_move(locked, PaymentAttemptStatus.EXPIRED, note="Closed because the order was cancelled"):
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
