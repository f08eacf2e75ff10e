"""Payments: starting a checkout (to pay, or to authorise an order that waits for approval), the
order use cases that move money (staff cancel with refund or release, the unpaid-order timer),
and operators' dismissals.
`orders` knows nothing of payment providers; this app sits above it.

The rest of the app, by concern: `events` (the one path by which provider events change payments and
orders), `handlers` (what each event does), `authorisations` (authorise now, capture on approval),
`refunds` (in full, flagged, in part), `reconciliation` (asking the provider what webhooks may have
missed), `issues` (payments needing attention), `moves` (the small steps they share). The names other apps
and tests use are importable from here as well.
"""

import datetime
import logging

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from patientportal.accounts.models import User
from patientportal.audit import services as audit
from patientportal.audit.transitions import transition
from patientportal.clinics.models import Clinic
from patientportal.orders.errors import OrderError
from patientportal.orders.models import Order
from patientportal.orders.services import order_email_patient, order_lock
from patientportal.payments.authorisations import (
    authorisation_release_for_cancel,
    authorisations_lapse,
    order_approve,
    order_reject,
)
from patientportal.payments.choices import PaymentAttemptStatus, ProviderEventStatus
from patientportal.payments.errors import PaymentError
from patientportal.payments.events import event_apply_locked, payment_event_apply
from patientportal.payments.issues import keeps_refused_refunds
from patientportal.payments.machines import PROVIDER_EVENT
from patientportal.payments.models import Payment, WebhookEvent
from patientportal.payments.moves import (
    PROVIDER_ERRORS,
    order_cancel_locked,
    order_checkouts_close,
)
from patientportal.payments.providers import active_provider, provider_named
from patientportal.payments.reconciliation import checkouts_reconcile, payments_reconcile
from patientportal.payments.refunds import (
    REFUND_ROLES,
    flagged_payment_refund,
    may_refund,
    order_refund,
    order_refund_partial,
    payment_refund_order,
)
from patientportal.payments.selectors import order_may_authorise

# The use cases of the other modules, for the views, the periodic runner and tests.
__all__ = [
    "REFUND_ROLES",
    "authorisations_lapse",
    "cancel_unpaid_orders",
    "checkouts_reconcile",
    "flagged_payment_refund",
    "may_refund",
    "order_approve",
    "order_cancel",
    "order_checkouts_close",
    "order_refund",
    "order_refund_partial",
    "order_reject",
    "payment_event_apply",
    "payment_start",
    "payment_sync",
    "payments_reconcile",
    "provider_event_dismiss",
]

logger = logging.getLogger(__name__)
REUSE_CHECKOUT_FOR = datetime.timedelta(minutes=30)
# A payment in one of these states may still turn into money: the order must wait for it.
UNSETTLED = (PaymentAttemptStatus.PROCESSING, PaymentAttemptStatus.NEEDS_REVIEW)


@transaction.atomic
def payment_start(*, order: Order, actor: User | None, success_url: str, cancel_url: str) -> Payment:
    """Start paying an order (or return the checkout started moments ago, so "Pay now" twice does not
    make two payments). An order that waits for approval is not paid: the card is only authorised
    (captured on approval), if `order_may_authorise` says so. Refused otherwise, however the request is made."""
    provider = active_provider()
    if provider is None:
        raise OrderError("payments_unavailable")
    locked = order_lock(order)
    manual = not locked.is_payable and order_may_authorise(order=locked)
    if not (locked.is_payable or manual):
        raise OrderError("not_payable")
    attempts = Payment.objects.filter(order=locked)
    if attempts.filter(status__in=UNSETTLED).exists():
        raise OrderError("payment_in_progress")
    recent = (
        attempts.filter(
            provider=provider.identifier,
            status=PaymentAttemptStatus.CREATED,
            amount_cents=locked.total_cents,
            manual_capture=manual,
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
        manual_capture=manual,
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
        metadata={"provider": provider.identifier, "amount_cents": payment.amount_cents, "authorise_only": manual},
    )
    return payment


@keeps_refused_refunds
@transaction.atomic
def order_cancel(*, order: Order, reason: str, actor: User) -> Order:
    """Staff cancel: a paid order is refunded (what is left of it) through its provider, a card
    authorisation is released; if the provider cannot be reached, nothing changes."""
    if not reason.strip():
        raise OrderError("reason_required")
    locked = order_lock(order)
    released = authorisation_release_for_cancel(locked)
    order_cancel_locked(locked, actor=actor, reason=reason.strip())
    if released is not None:
        event_apply_locked(payment=released[0], order=locked, event=released[1])
    if locked.holds_payment:
        payment_refund_order(order=locked, actor=actor, reason=reason.strip())
    order_email_patient(locked, "cancelled_released" if released else "cancelled")
    return locked


def cancel_unpaid_orders(*, now: datetime.datetime | None = None) -> list[str]:
    """Cancel every order that has been payable but unpaid for longer than its
    clinic allows, returning their stock. Safe to run at any time, as often as
    wanted: each order is re-checked under its lock. An order with a payment
    still processing, or flagged for staff to review, is left alone. An order waiting
    for approval is never payable, so never here, with its card authorised or not: its
    timer starts at approval, which captures an authorised card in the same transaction
    (and if the authorisation had lapsed, the patient pays from then on, timed as usual)."""
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


def payment_sync(*, payment: Payment) -> str | None:
    """On the return page: ask the provider (if it can tell) and apply what it says.
    A provider that cannot be reached just means the page keeps waiting for the webhook."""
    try:
        event = provider_named(payment.provider).sync(payment=payment)
    except PROVIDER_ERRORS:
        logger.warning("Could not retrieve payment %s from its provider", payment.pk)
        return None
    return payment_event_apply(provider=payment.provider, event=event) if event else None


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
