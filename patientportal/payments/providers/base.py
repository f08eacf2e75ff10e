from dataclasses import dataclass
from enum import StrEnum

from django.http import HttpRequest

from patientportal.orders.models import Order
from patientportal.payments.models import Payment


class ProviderEventKind(StrEnum):
    SUCCEEDED = "succeeded"
    PROCESSING = "processing"
    FAILED = "failed"
    EXPIRED = "expired"
    REFUNDED = "refunded"


@dataclass(frozen=True)
class ProviderEvent:
    """A provider's notification about one payment, in our words."""

    event_id: str
    kind: ProviderEventKind
    event_type: str
    payment_reference: str = ""  # the checkout session
    charge_reference: str = ""  # the payment intent, for refunds
    amount_cents: int | None = None
    currency: str = ""


class WebhookRejected(Exception):
    """The notification could not be verified; nothing may change."""


class PaymentProvider:
    identifier = ""
    name = ""

    def start_checkout(self, *, payment: Payment, order: Order, success_url: str, cancel_url: str) -> tuple[str, str]:
        """Create the checkout; returns (provider reference, URL to send the patient to)."""
        raise NotImplementedError

    def parse_webhook(self, request: HttpRequest) -> ProviderEvent | None:
        """Verify and translate a notification; None for event types we do not use."""
        raise NotImplementedError

    def sync(self, *, payment: Payment) -> ProviderEvent | None:
        """Ask the provider for the payment's state (the return page, and reconciliation of checkouts whose
        webhook never came); None while the patient may still pay, or if the provider cannot tell."""
        return None

    def refund(self, *, payment: Payment, amount_cents: int, idempotency_key: str) -> str:
        """Refund and return the provider's refund reference."""
        raise NotImplementedError

    def expire_checkout(self, *, payment: Payment) -> None:
        """Close an open checkout so it can no longer be paid (the order was cancelled).
        Providers without hosted checkouts have nothing to close."""
        return None
