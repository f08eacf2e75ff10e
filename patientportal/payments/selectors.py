"""Reads of the payments app."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from patientportal.clinics.models import Clinic
from patientportal.orders.models import Order
from patientportal.payments.choices import PaymentAttemptStatus, PaymentIssueStatus, ProviderEventStatus
from patientportal.payments.models import Payment, PaymentIssue, Refund, WebhookEvent


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


# The attention page lists at most this many open issues (oldest first) and this many resolved lately.
ISSUES_SHOWN = 100
RESOLVED_SHOWN = 20


def payment_issues_open(*, clinic: Clinic, limit: int = ISSUES_SHOWN) -> list[PaymentIssue]:
    """The clinic's payments needing attention, oldest first, with their order, patient and payment (one query)."""
    return list(
        PaymentIssue.objects.filter(clinic=clinic, status=PaymentIssueStatus.OPEN)
        .select_related("order__patient", "payment")
        .order_by("created_at", "id")[:limit]
    )


def payment_issues_resolved_lately(*, clinic: Clinic, limit: int = RESOLVED_SHOWN) -> list[PaymentIssue]:
    """The clinic's issues resolved most recently, with who resolved them (one query)."""
    return list(
        PaymentIssue.objects.filter(clinic=clinic, status=PaymentIssueStatus.RESOLVED)
        .select_related("order", "resolved_by")
        .order_by("-resolved_at", "-id")[:limit]
    )


def payment_issue_count(*, clinic: Clinic, up_to: int) -> int:
    """How many of the clinic's payments need attention, counted no further than `up_to` + 1."""
    return PaymentIssue.objects.filter(clinic=clinic, status=PaymentIssueStatus.OPEN).order_by()[: up_to + 1].count()


def payment_issue_get_for_clinic(*, clinic: Clinic, issue_id: int) -> PaymentIssue:
    """One of the clinic's issues (PaymentIssue.DoesNotExist for another clinic's: a 404)."""
    return PaymentIssue.objects.select_related("order__patient").get(clinic=clinic, pk=issue_id)


def order_issues_open(*, order: Order) -> list[PaymentIssue]:
    """What about the order's payments needs attention now, oldest first."""
    return list(order.payment_issues.filter(status=PaymentIssueStatus.OPEN).order_by("created_at", "id"))
