"""Stripe Checkout with the official `stripe` library. Card data never reaches
us: the patient pays on Stripe's page, and only a verified webhook (or a
server-side retrieve of the session) confirms the payment."""

from typing import cast

import stripe
from django.conf import settings
from django.http import HttpRequest
from stripe.params.checkout import SessionCreateParams, SessionCreateParamsLineItem

from patientportal.orders.models import Order
from patientportal.payments.choices import PaymentAttemptStatus
from patientportal.payments.models import Payment
from patientportal.payments.providers.base import (
    Card,
    PaymentProvider,
    PaymentState,
    ProviderEvent,
    ProviderEventKind,
    RefundState,
    WebhookRejected,
)

SESSION_EVENTS = {
    "checkout.session.async_payment_succeeded": ProviderEventKind.SUCCEEDED,
    "checkout.session.async_payment_failed": ProviderEventKind.FAILED,
    "checkout.session.expired": ProviderEventKind.EXPIRED,
}


def client() -> stripe.StripeClient:
    # The library's default waits 80 s for an answer; ours is bounded (every request has an idempotency key,
    # so the retry is safe).
    http = stripe.RequestsClient(timeout=(5, settings.STRIPE_TIMEOUT_SECONDS))
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        base_addresses={"api": settings.STRIPE_API_BASE} if settings.STRIPE_API_BASE else None,
        max_network_retries=1,
        http_client=http,
    )


def _reference(value: str | stripe.StripeObject | None) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else str(getattr(value, "id", ""))


def _manual(obj: stripe.StripeObject) -> bool:
    """A checkout (or its payment intent) we started to authorise only: our metadata says so."""
    return getattr(getattr(obj, "metadata", None), "capture", None) == "manual"


def _card(intent: object) -> Card | None:
    """The card of a payment intent whose latest charge was expanded (`expand: ["latest_charge"]`):
    the charge's payment_method_details.card brand and last4; None when it is not there (not expanded,
    not yet charged, or paid by another method)."""
    charge = getattr(intent, "latest_charge", None)
    if charge is None or isinstance(charge, str):
        return None
    card = getattr(getattr(charge, "payment_method_details", None), "card", None)
    last4 = str(getattr(card, "last4", "") or "") if card is not None else ""
    if not last4:
        return None
    return Card(brand=str(getattr(card, "brand", "") or "")[:20], last4=last4[-4:])


def _completed_kind(session: stripe.checkout.Session) -> ProviderEventKind:
    # Paid now (cards), or still processing (bank debits confirm later). With manual capture a completed
    # session stays "unpaid" until we capture: the card is authorised (only cards are offered for it).
    paid = getattr(session, "payment_status", "") in ("paid", "no_payment_required")
    if paid:
        return ProviderEventKind.SUCCEEDED
    return ProviderEventKind.AUTHORISED if _manual(session) else ProviderEventKind.PROCESSING


def _session_event(
    event_id: str, event_type: str, session: stripe.checkout.Session, kind: ProviderEventKind
) -> ProviderEvent:
    return ProviderEvent(
        event_id=event_id,
        kind=kind,
        event_type=event_type,
        payment_reference=session.id,
        charge_reference=_reference(getattr(session, "payment_intent", None)),
        amount_cents=getattr(session, "amount_total", None),
        currency=(getattr(session, "currency", "") or "").upper(),
        card=_card(getattr(session, "payment_intent", None)),
    )


def _retrieved_kind(session: stripe.checkout.Session) -> ProviderEventKind | None:
    """What a retrieved session says, in our words; None while the patient may still pay."""
    status = getattr(session, "status", "")
    if status == "expired":
        return ProviderEventKind.EXPIRED
    if status != "complete" and getattr(session, "payment_status", "") not in ("paid", "no_payment_required"):
        return None  # open: still payable on Stripe's page
    kind = _completed_kind(session)
    intent_status = getattr(getattr(session, "payment_intent", None), "status", "")
    if intent_status == "requires_capture":
        return ProviderEventKind.AUTHORISED
    if intent_status == "succeeded":
        return ProviderEventKind.SUCCEEDED  # an authorisation captured at Stripe (its dashboard) counts as paid
    if kind != ProviderEventKind.SUCCEEDED and intent_status in ("requires_payment_method", "canceled"):
        # A bank debit settles days later; its payment intent says whether it has failed meanwhile (the
        # session itself stays "complete" and "unpaid"). An authorisation cancelled before we heard of it
        # held nothing for us: failed too.
        return ProviderEventKind.FAILED
    return kind


def _retrieved_event(payment: Payment, session: stripe.checkout.Session) -> ProviderEvent | None:
    kind = _retrieved_kind(session)
    if kind is None:
        return None
    if kind == ProviderEventKind.FAILED and payment.status == PaymentAttemptStatus.AUTHORISED:
        # The authorisation we hold was cancelled at Stripe (it lapsed there, or by hand in the dashboard)
        # and its webhook never came: released, matched by the payment intent like that webhook.
        intent_id = _reference(getattr(session, "payment_intent", None))
        return ProviderEvent(
            event_id=f"retrieve:{intent_id}:released",
            kind=ProviderEventKind.RELEASED,
            event_type="payment_intent.retrieved.canceled",
            payment_reference=session.id,
            charge_reference=intent_id,
            amount_cents=getattr(session, "amount_total", None),
            currency=(getattr(session, "currency", "") or "").upper(),
            note="Card authorisation cancelled at the provider",
        )
    # One id per session and state: asking again says the same and changes nothing; a later state
    # (processing, then paid) is a new event.
    return _session_event(f"retrieve:{session.id}:{kind}", f"checkout.session.retrieved.{kind}", session, kind)


class StripeProvider(PaymentProvider):
    identifier = "stripe"
    name = "Stripe"

    def start_checkout(self, *, payment: Payment, order: Order, success_url: str, cancel_url: str) -> tuple[str, str]:
        currency = order.currency.lower()
        line_items: list[SessionCreateParamsLineItem] = [
            {
                "quantity": item.quantity,
                "price_data": {
                    "currency": currency,
                    "unit_amount": item.unit_price_cents,
                    "product_data": {"name": item.name},
                },
            }
            for item in order.items.all()
        ]
        if order.tax_cents:
            rate = order.tax_rate_bp / 100
            line_items.append(
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": currency,
                        "unit_amount": order.tax_cents,
                        "product_data": {"name": f"Tax ({rate:g}%)"},
                    },
                }
            )
        metadata = {"order_id": str(order.pk), "payment_id": str(payment.pk)}
        params: SessionCreateParams = {
            "mode": "payment",
            "line_items": line_items,
            "client_reference_id": str(order.pk),
            "metadata": metadata,
            "success_url": success_url + "?session_id={CHECKOUT_SESSION_ID}",
            "cancel_url": cancel_url,
        }
        if payment.manual_capture:
            # Authorise now, capture on approval. Cards only: their authorisation lasts the 7 days that
            # PAYMENT_AUTHORISATION_DAYS counts on (other methods differ or cannot be captured later).
            manual = {**metadata, "capture": "manual"}
            params["metadata"] = manual
            params["allowed_payment_method_types"] = ["card"]
            params["payment_intent_data"] = {"capture_method": "manual", "metadata": manual}
        session = client().v1.checkout.sessions.create(
            params=params, options={"idempotency_key": f"payment-{payment.pk}"}
        )
        return session.id, session.url or ""

    def parse_webhook(self, request: HttpRequest) -> ProviderEvent | None:
        try:
            event = client().construct_event(
                request.body, request.headers.get("Stripe-Signature"), settings.STRIPE_WEBHOOK_SECRET
            )
        except (ValueError, stripe.SignatureVerificationError):
            raise WebhookRejected from None
        data = event.data.object
        if event.type == "checkout.session.completed" or event.type in SESSION_EVENTS:
            # The library builds the event's object by its "object" field: a checkout.session is a Session.
            session = cast(stripe.checkout.Session, data)
            kind = (
                _completed_kind(session) if event.type == "checkout.session.completed" else SESSION_EVENTS[event.type]
            )
            return _session_event(event.id, event.type, session, kind)
        if event.type == "payment_intent.canceled" and _manual(data):
            # An authorisation cancelled at Stripe (it lapsed, or by hand in the dashboard). Only ours to
            # authorise: other intents are cancelled whenever a checkout expires.
            return ProviderEvent(
                event_id=event.id,
                kind=ProviderEventKind.RELEASED,
                event_type=event.type,
                charge_reference=str(getattr(data, "id", "")),
                amount_cents=getattr(data, "amount", None),
                currency=(getattr(data, "currency", "") or "").upper(),
            )
        if event.type == "refund.failed":
            # A refund Stripe had accepted failed (the card was closed, say): the money did not go back.
            return ProviderEvent(
                event_id=event.id,
                kind=ProviderEventKind.REFUND_FAILED,
                event_type=event.type,
                charge_reference=_reference(getattr(data, "payment_intent", None)),
                amount_cents=getattr(data, "amount", None),
                currency=(getattr(data, "currency", "") or "").upper(),
                refund_reference=str(getattr(data, "id", "")),
            )
        if event.type == "charge.refunded":
            return ProviderEvent(
                event_id=event.id,
                kind=ProviderEventKind.REFUNDED,
                event_type=event.type,
                charge_reference=_reference(getattr(data, "payment_intent", None)),
                amount_cents=getattr(data, "amount_refunded", None),
                currency=(getattr(data, "currency", "") or "").upper(),
            )
        return None

    def sync(self, *, payment: Payment) -> ProviderEvent | None:
        return _retrieved_event(payment, self._session(payment))

    def state(self, *, payment: Payment) -> PaymentState:
        """The Checkout Session with its payment intent expanded, and, once money was taken, the intent's
        refunds (Stripe's refunds list, every page)."""
        session = self._session(payment)
        intent = getattr(session, "payment_intent", None)
        intent_id = _reference(intent)
        taken = getattr(session, "payment_status", "") == "paid" or getattr(intent, "status", "") == "succeeded"
        refunds: tuple[RefundState, ...] = ()
        if intent_id and taken:
            listed = client().v1.refunds.list(params={"payment_intent": intent_id, "limit": 100})
            refunds = tuple(
                RefundState(reference=refund.id, amount_cents=refund.amount, status=refund.status or "")
                for refund in listed.auto_paging_iter()
            )
        return PaymentState(event=_retrieved_event(payment, session), charge_reference=intent_id, refunds=refunds)

    def _session(self, payment: Payment) -> stripe.checkout.Session:
        return client().v1.checkout.sessions.retrieve(
            payment.reference, params={"expand": ["payment_intent.latest_charge"]}
        )

    def refund(self, *, payment: Payment, amount_cents: int, idempotency_key: str) -> str:
        refund = client().v1.refunds.create(
            params={"payment_intent": payment.charge_reference, "amount": amount_cents},
            options={"idempotency_key": idempotency_key},
        )
        return refund.id

    def card(self, *, payment: Payment) -> Card | None:
        if not payment.charge_reference:
            return None
        intent = client().v1.payment_intents.retrieve(payment.charge_reference, params={"expand": ["latest_charge"]})
        return _card(intent)

    def expire_checkout(self, *, payment: Payment) -> None:
        client().v1.checkout.sessions.expire(payment.reference)

    def capture(self, *, payment: Payment, amount_cents: int, idempotency_key: str) -> ProviderEvent:
        intent = client().v1.payment_intents.capture(
            payment.charge_reference,
            params={"amount_to_capture": amount_cents, "expand": ["latest_charge"]},
            options={"idempotency_key": idempotency_key},
        )
        return _intent_event(f"capture:{intent.id}", "payment_intent.captured", ProviderEventKind.SUCCEEDED, intent)

    def release(self, *, payment: Payment, idempotency_key: str) -> ProviderEvent:
        intent = client().v1.payment_intents.cancel(
            payment.charge_reference, options={"idempotency_key": idempotency_key}
        )
        return _intent_event(f"release:{intent.id}", "payment_intent.released", ProviderEventKind.RELEASED, intent)


def _intent_event(
    event_id: str, event_type: str, kind: ProviderEventKind, intent: stripe.PaymentIntent
) -> ProviderEvent:
    """Stripe's answer to a capture or a cancel, as the event it amounts to (what was captured, for a capture)."""
    captured = getattr(intent, "amount_received", None) if kind == ProviderEventKind.SUCCEEDED else None
    return ProviderEvent(
        event_id=event_id,
        kind=kind,
        event_type=event_type,
        charge_reference=intent.id,
        amount_cents=captured if captured is not None else getattr(intent, "amount", None),
        currency=(getattr(intent, "currency", "") or "").upper(),
        card=_card(intent),
    )
