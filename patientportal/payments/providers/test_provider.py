"""The built-in test provider, used when no Stripe key is set: a local page
with "Pay" and "Decline" (or, for an order that needs approval, "Authorise"
and "Decline") that drives the same event path as a webhook. Capturing,
releasing and refunding always succeed; every payment is made with a fixed test card.

It keeps no state of its own: whatever its page did went through the event path
at once, so asking it about a payment (reconciliation) can only say what the
clock says: a checkout left unused for CHECKOUT_LIFETIME has expired, as a
Stripe Checkout Session does after a day."""

import datetime
import secrets

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from patientportal.orders.models import Order
from patientportal.payments.choices import PaymentAttemptStatus
from patientportal.payments.models import Payment
from patientportal.payments.providers.base import Card, PaymentProvider, ProviderEvent, ProviderEventKind

# Every test payment is made with Stripe's best-known test card, so a receipt shows what a real one would.
TEST_CARD = Card(brand="visa", last4="4242")

# How long a checkout page stays payable (Stripe's default for a Checkout Session).
CHECKOUT_LIFETIME = datetime.timedelta(hours=24)


class TestProvider(PaymentProvider):
    identifier = "test"
    name = "Test payments"

    def start_checkout(self, *, payment: Payment, order: Order, success_url: str, cancel_url: str) -> tuple[str, str]:
        reference = f"test_{secrets.token_urlsafe(16)}"
        return reference, reverse("payments:test_checkout", args=[reference])

    def parse_webhook(self, request: HttpRequest) -> ProviderEvent | None:
        return None  # the test page calls the event path directly

    def sync(self, *, payment: Payment) -> ProviderEvent | None:
        if payment.status == PaymentAttemptStatus.CREATED and payment.created_at <= timezone.now() - CHECKOUT_LIFETIME:
            return self._answer(payment, ProviderEventKind.EXPIRED, "expired", payment.amount_cents)
        return None

    def refund(self, *, payment: Payment, amount_cents: int, idempotency_key: str) -> str:
        return f"test_refund_{secrets.token_urlsafe(8)}"

    def card(self, *, payment: Payment) -> Card | None:
        return TEST_CARD

    def capture(self, *, payment: Payment, amount_cents: int, idempotency_key: str) -> ProviderEvent:
        return self._answer(payment, ProviderEventKind.SUCCEEDED, "captured", amount_cents)

    def release(self, *, payment: Payment, idempotency_key: str) -> ProviderEvent:
        return self._answer(payment, ProviderEventKind.RELEASED, "released", payment.amount_cents)

    def _answer(self, payment: Payment, kind: ProviderEventKind, what: str, amount_cents: int) -> ProviderEvent:
        return ProviderEvent(
            event_id=f"test:{what}:{payment.reference}",
            kind=kind,
            event_type=f"test.payment_{what}",
            payment_reference=payment.reference,
            charge_reference=payment.charge_reference,
            amount_cents=amount_cents,
            currency=payment.currency,
        )
