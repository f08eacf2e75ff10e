"""Reads of the payments app."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from patientportal.orders.models import Order
from patientportal.payments.choices import PaymentAttemptStatus, ProviderEventStatus
from patientportal.payments.models import Payment, Refund, WebhookEvent


def provider_events_waiting_too_long(*, now: datetime.datetime | None = None) -> QuerySet[WebhookEvent]:
    """Provider events kept for a payment that has not turned up within PAYMENT_EVENT_STALE_MINUTES,
    oldest first: an operator should look at them (they are not clinic data, so not scoped to a clinic)."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(minutes=settings.PAYMENT_EVENT_STALE_MINUTES)
    return WebhookEvent.objects.filter(status=ProviderEventStatus.WAITING, received_at__lte=cutoff).order_by(
        "received_at", "id"
    )


def order_may_authorise(*, order: Order) -> bool:
    """Whether the patient may have their card authorised for this order now: it waits for approval and
    holds no payment, a provider is configured, and no earlier authorisation of it has ended (once one
    lapsed, or was released, the order is paid after approval, as orders without authorisation are)."""
    if not (settings.PAYMENT_PROVIDER and order.is_authorisable):
        return False
    ended = Payment.objects.filter(order=order, manual_capture=True, status=PaymentAttemptStatus.RELEASED)
    return not ended.exists()


@dataclass(frozen=True)
class OrderRefunds:
    """The refunds of an order, oldest first, and what they gave back in all."""

    refunds: list[Refund]

    def __bool__(self) -> bool:
        return bool(self.refunds)

    @property
    def total_cents(self) -> int:
        return sum(refund.amount_cents for refund in self.refunds)

    @property
    def tax_cents(self) -> int:
        return sum(refund.tax_cents for refund in self.refunds)


def order_refunds(*, order: Order) -> OrderRefunds:
    """The refunds of an order's payments with their items (two queries, however many)."""
    return OrderRefunds(
        list(
            Refund.objects.filter(payment__order=order)
            .select_related("actor")
            .prefetch_related("items__order_item")
            .order_by("created_at", "id")
        )
    )


def order_left_to_refund_cents(*, order: Order) -> int:
    """What may still be given back of the payment the order was paid with (0 if none)."""
    payment = Payment.objects.filter(order=order, status=PaymentAttemptStatus.SUCCEEDED).first()
    if payment is None:
        return 0
    return payment.amount_cents - sum(payment.refunds.values_list("amount_cents", flat=True))
