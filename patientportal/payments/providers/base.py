from dataclasses import dataclass
from enum import StrEnum

from django.http import HttpRequest

from patientportal.orders.models import Order
from patientportal.payments.models import Payment


class ProviderEventKind(StrEnum):
    SUCCEEDED = "succeeded"  # paid, or an authorisation captured
    AUTHORISED = "authorised"  # the card is authorised, to be captured later (manual capture)
    PROCESSING = "processing"
    FAILED = "failed"
    EXPIRED = "expired"
    RELEASED = "released"  # an authorisation cancelled (by us, at the provider, or lapsed) without capture
    REFUNDED = "refunded"
    REFUND_FAILED = "refund_failed"  # a refund the provider had accepted failed later (the money did not go back)


# Kinds that name the charge (the payment intent) rather than the checkout.
CHARGE_KINDS = frozenset({ProviderEventKind.REFUNDED, ProviderEventKind.RELEASED, ProviderEventKind.REFUND_FAILED})


@dataclass(frozen=True)
class ProviderEvent:
    """A provider's notification about one payment, in our words."""

    event_id: str
    kind: ProviderEventKind
    event_type: str
    payment_reference: str = ""  # the checkout session
    charge_reference: str = ""  # the payment intent, for refunds
    amount_cents: int | None = None  # for a refund: the total refunded so far, as the provider counts it
    currency: str = ""
    refund_reference: str = ""  # the provider's id of a refund we asked for
    note: str = ""  # why, in our words, for an answer to our own request (a release: the order was rejected)
    card: "Card | None" = None  # the card paid with, when the event carries it (for receipts)
    # A PaymentIssueKind when applying the event leaves staff something to look at (a refused capture).
    issue: str = ""


@dataclass(frozen=True)
class Card:
    """The card a payment was made with, as much as a receipt shows: its brand and last four digits."""

    brand: str  # the provider's word ("visa", "mastercard", "amex", ...); "" if it does not say
    last4: str


@dataclass(frozen=True)
class RefundState:
    """One refund as the provider lists it."""

    reference: str
    amount_cents: int
    status: str  # the provider's word: succeeded, pending, failed, canceled


# Refunds that give money back (or will): what the provider counts as refunded on the charge.
REFUNDS_COUNTED = frozenset({"succeeded", "pending", "requires_action"})


@dataclass(frozen=True)
class PaymentState:
    """What the provider says about one payment now (reconciliation): its checkout or payment intent, as
    the event it amounts to (None while the patient may still pay, or nothing to tell), the charge's
    reference, and the charge's refunds."""

    event: ProviderEvent | None
    charge_reference: str = ""
    refunds: tuple[RefundState, ...] = ()

    @property
    def refunded_cents(self) -> int:
        return sum(refund.amount_cents for refund in self.refunds if refund.status in REFUNDS_COUNTED)

    @property
    def failed_refunds(self) -> tuple[RefundState, ...]:
        return tuple(refund for refund in self.refunds if refund.status == "failed")


class WebhookRejected(Exception):
    """The notification could not be verified; nothing may change."""


class PaymentProvider:
    identifier = ""
    name = ""

    def start_checkout(self, *, payment: Payment, order: Order, success_url: str, cancel_url: str) -> tuple[str, str]:
        """Create the checkout (to authorise only, if `payment.manual_capture`); returns (provider
        reference, URL to send the patient to)."""
        raise NotImplementedError

    def parse_webhook(self, request: HttpRequest) -> ProviderEvent | None:
        """Verify and translate a notification; None for event types we do not use."""
        raise NotImplementedError

    def sync(self, *, payment: Payment) -> ProviderEvent | None:
        """Ask the provider for the payment's state (the return page, and reconciliation of checkouts whose
        webhook never came); None while the patient may still pay, or if the provider cannot tell."""
        return None

    def state(self, *, payment: Payment) -> PaymentState:
        """Ask the provider about one payment (reconciliation): the state of its checkout or payment intent
        and its refunds. Raises the provider's errors when it cannot be asked."""
        return PaymentState(event=self.sync(payment=payment), charge_reference=payment.charge_reference)

    def refund(self, *, payment: Payment, amount_cents: int, idempotency_key: str) -> str:
        """Refund and return the provider's refund reference."""
        raise NotImplementedError

    def capture(self, *, payment: Payment, amount_cents: int, idempotency_key: str) -> ProviderEvent:
        """Capture an authorised payment; the provider's answer, as the event to apply (its amount is
        what was captured)."""
        raise NotImplementedError

    def release(self, *, payment: Payment, idempotency_key: str) -> ProviderEvent:
        """Cancel an authorised payment without capturing it; the provider's answer, as the event to apply."""
        raise NotImplementedError

    def card(self, *, payment: Payment) -> Card | None:
        """The card a succeeded payment was made with, for its receipt; None if the provider does not say
        (or was not asked: a provider without cards)."""
        return None

    def expire_checkout(self, *, payment: Payment) -> None:
        """Close an open checkout so it can no longer be paid (the order was cancelled).
        Providers without hosted checkouts have nothing to close."""
        return None
