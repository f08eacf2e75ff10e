"""`manage.py stripe_check`: one order through Stripe's test mode, end to end, before a clinic goes live.

It places an order for a throwaway demo clinic, patient and product through the portal's own services,
starts the Checkout Session through our Stripe provider, pays for it with a test card through Stripe's
API, applies the payment through the one event path webhooks use (`payment_event_apply`), and, as asked,
captures on approval and refunds part. Everything it writes here is rolled back at the end unless
`--keep` (Stripe keeps its test-mode objects either way). Test keys only: a live key is refused.

A Checkout Session cannot be paid by API (only on Stripe's page), so the card is confirmed on a
PaymentIntent made for the same order, amount and currency, with the session's metadata, and with
manual capture when the order waits for approval. See docs/decisions.md, "stripe_check".
"""

import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import stripe
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction

from patientportal.accounts.models import User
from patientportal.catalog.models import Product
from patientportal.clinics.choices import Role
from patientportal.clinics.features import AddOn, Plan
from patientportal.clinics.models import Clinic, StaffMembership
from patientportal.orders.cart import cart_add_item
from patientportal.orders.choices import PaymentStatus
from patientportal.orders.errors import OrderError
from patientportal.orders.models import Order
from patientportal.orders.services import order_place
from patientportal.patients.choices import PortalStatus
from patientportal.patients.models import Patient, PortalAccess
from patientportal.payments.errors import PaymentError
from patientportal.payments.models import Payment, WebhookEvent
from patientportal.payments.providers import ProviderEvent, ProviderEventKind, provider_named
from patientportal.payments.providers.stripe_provider import client
from patientportal.payments.services import order_approve, order_refund_partial, payment_event_apply, payment_start

# What a step may fail with: the provider's errors, and the services' refusals.
STEP_ERRORS = (stripe.StripeError, OrderError, PaymentError)
POLL_INTERVAL_SECONDS = 1.0


class StepFailed(Exception):
    """A step's check did not hold; its message says what was found."""


class _RollBack(Exception):
    """Leaves the run's transaction, undoing every row it wrote."""


@dataclass
class Run:
    steps: list[tuple[str, bool, str]] = field(default_factory=list)
    payment_pk: int | None = None

    @property
    def ok(self) -> bool:
        return all(ok for _name, ok, _detail in self.steps)


def test_key_or_refuse() -> None:
    key = settings.STRIPE_SECRET_KEY or ""
    if not key:
        raise CommandError("STRIPE_SECRET_KEY is not set: give stripe_check your Stripe test secret key (sk_test_...).")
    if not key.startswith("sk_test_"):
        raise CommandError(
            "STRIPE_SECRET_KEY is not a Stripe test secret key (sk_test_...): stripe_check never runs against "
            "live keys (it would charge a real card). Run it with your test keys."
        )
    if settings.PAYMENT_PROVIDER != "stripe":
        raise CommandError(f"PAYMENT_PROVIDER is {settings.PAYMENT_PROVIDER!r}, not 'stripe'.")


class Command(BaseCommand):
    help = (
        "Run one order through Stripe's TEST mode end to end (Checkout Session, a test card confirmed through "
        "Stripe's API, the payment applied through the webhook's event path, optional capture on approval and "
        "partial refund) and print each step. Needs a test secret key (sk_test_...); refuses live keys. Rows it "
        "writes are rolled back unless --keep. Needs network access to Stripe: not for CI."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--amount", type=int, default=500, help="Price of the demo item, in cents (500).")
        parser.add_argument("--currency", default="USD", help="The demo clinic's currency (USD).")
        parser.add_argument(
            "--authorise",
            action="store_true",
            help="Order a prescription item: the card is authorised, then captured when the order is approved.",
        )
        parser.add_argument("--refund", type=int, metavar="CENTS", help="Then refund this many cents.")
        parser.add_argument(
            "--card", default="pm_card_visa", help="Stripe test payment method (pm_card_visa; pm_card_chargeDeclined)."
        )
        parser.add_argument("--keep", action="store_true", help="Keep the demo rows (default: roll them back).")
        parser.add_argument(
            "--poll-seconds", type=float, default=30, help="How long to poll Stripe for the PaymentIntent (30)."
        )
        parser.add_argument(
            "--webhook-wait",
            type=float,
            default=0,
            metavar="SECONDS",
            help="Also wait this long for Stripe's webhooks about this order to reach the running portal "
            "(stripe listen --forward-to .../payments/stripe/webhook/). Needs --keep.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        test_key_or_refuse()
        if options["webhook_wait"] and not options["keep"]:
            raise CommandError(
                "--webhook-wait needs --keep: the portal answering Stripe's webhooks cannot see rows that are "
                "rolled back (nor wait for them)."
            )
        if options["webhook_wait"] and not settings.STRIPE_WEBHOOK_SECRET:
            raise CommandError("--webhook-wait needs STRIPE_WEBHOOK_SECRET (stripe listen prints it: whsec_...).")
        if options["amount"] < 50 or (options["refund"] is not None and options["refund"] <= 0):
            raise CommandError("--amount must be at least 50 cents (Stripe's minimum) and --refund positive.")
        self.stdout.write("Stripe check, TEST mode (key sk_test_...). Nothing here charges a real card.")
        run = Run()
        if options["keep"]:
            self._run(run, options)
        else:
            try:
                with transaction.atomic():
                    self._run(run, options)
                    raise _RollBack
            except _RollBack:
                pass
            keep_ids_used(run.payment_pk)
        self._summary(run, kept=options["keep"])
        if not run.ok:
            failed = next(name for name, ok, _detail in run.steps if not ok)
            raise CommandError(f"stripe_check FAILED at: {failed}")

    def _step(self, run: Run, name: str, ok: bool, detail: str) -> None:
        run.steps.append((name, ok, detail))
        line = f"[{'OK' if ok else 'FAILED'}] {name}: {detail}"
        self.stdout.write(line if ok else self.style.ERROR(line))

    def _run(self, run: Run, options: dict[str, Any]) -> None:
        payment: Payment | None = None
        name = "Place the demo order"
        try:
            order, staff = demo_order(options)
            self._step(run, name, True, f"order {order.number} (id {order.pk}), {order.total_cents} cents")
            name = "Create the Checkout Session"
            payment = payment_start(
                order=order, actor=None, success_url="https://example.invalid/ok", cancel_url="https://example.invalid/"
            )
            run.payment_pk = payment.pk
            capture = "manual capture (authorise only)" if payment.manual_capture else "automatic capture"
            self._step(run, name, True, f"{payment.reference}, {capture}, payment {payment.pk}")
            name = f"Confirm a test card ({options['card']})"
            intent = confirm_test_card(payment, card=options["card"], run_id=uuid.uuid4().hex[:12])
            self._step(run, name, True, f"{intent.id}, status {intent.status}")
            name = "Poll Stripe and apply the payment through the webhook's event path"
            outcome = self._apply(payment, intent.id, options["poll_seconds"])
            expected = PaymentStatus.AUTHORISED if payment.manual_capture else PaymentStatus.PAID
            order.refresh_from_db()
            expect(order.payment_status == expected, f"the order is {order.payment_status}, not {expected}")
            self._step(run, name, True, f"{outcome}; order {order.payment_status}")
            if payment.manual_capture:
                name = "Approve the order (captures the authorisation)"
                order_approve(order=order, actor=staff)
                order.refresh_from_db()
                expect(order.payment_status == PaymentStatus.PAID, f"the order is {order.payment_status}, not Paid")
                self._step(run, name, True, f"{intent.id} captured; order {order.payment_status}")
            if options["refund"] is not None:
                name = f"Refund {options['refund']} cents"
                refund = order_refund_partial(
                    order=order, actor=staff, reason="stripe_check", amount_cents=options["refund"]
                )
                order.refresh_from_db()
                expect(bool(refund.reference), "the refund has no Stripe id")
                self._step(
                    run, name, True, f"{refund.reference}, {refund.amount_cents} cents; order {order.payment_status}"
                )
        except (*STEP_ERRORS, StepFailed) as error:
            self._step(run, name, False, describe(error))
        if payment is not None and payment.reference:
            self._close_checkout(run, payment)
            if options["webhook_wait"]:
                self._wait_for_webhooks(run, payment, options["webhook_wait"])

    def _apply(self, payment: Payment, intent_id: str, poll_seconds: float) -> str:
        """Ask Stripe for the PaymentIntent until it is paid (or authorised) and apply that, as an event, through
        `payment_event_apply`: what the webhook view does once Stripe's signature is verified."""
        deadline = time.monotonic() + poll_seconds
        while True:
            intent = client().v1.payment_intents.retrieve(intent_id)
            if intent.status in ("succeeded", "requires_capture"):
                break
            if time.monotonic() >= deadline:
                raise StepFailed(f"{intent_id} is still {intent.status} after {poll_seconds:g} s")
            time.sleep(POLL_INTERVAL_SECONDS)
        authorised = intent.status == "requires_capture"
        kind = ProviderEventKind.AUTHORISED if authorised else ProviderEventKind.SUCCEEDED
        event = ProviderEvent(
            event_id=f"stripe_check:{intent.id}:{kind}",
            kind=kind,
            event_type=f"stripe_check.payment_intent.{intent.status}",
            payment_reference=payment.reference,
            charge_reference=intent.id,
            amount_cents=intent.amount if authorised else intent.amount_received,
            currency=(intent.currency or "").upper(),
        )
        return payment_event_apply(provider="stripe", event=event)

    def _close_checkout(self, run: Run, payment: Payment) -> None:
        """The session was never paid on Stripe's page: close it, so nothing is left payable."""
        name = "Close the unused Checkout Session"
        try:
            provider_named("stripe").expire_checkout(payment=payment)
        except stripe.StripeError as error:
            self._step(run, name, False, describe(error))
            return
        self._step(run, name, True, f"{payment.reference} expired")

    def _wait_for_webhooks(self, run: Run, payment: Payment, seconds: float) -> None:
        """Stripe's own webhooks about this order (the session's expiry, a refund), as the running portal
        recorded them: proof that forwarding works and that STRIPE_WEBHOOK_SECRET verifies Stripe's signature."""
        name = "Receive Stripe's webhooks in the portal"
        payment.refresh_from_db()
        references = [reference for reference in (payment.reference, payment.charge_reference) if reference]
        deadline = time.monotonic() + seconds
        while True:
            events = list(
                WebhookEvent.objects.filter(provider="stripe", event_id__startswith="evt_")
                .filter(payment_reference__in=references)
                .union(
                    WebhookEvent.objects.filter(
                        provider="stripe", event_id__startswith="evt_", charge_reference__in=references
                    )
                )
            )
            if events or time.monotonic() >= deadline:
                break
            time.sleep(POLL_INTERVAL_SECONDS)
        if not events:
            self._step(
                run,
                name,
                False,
                f"none within {seconds:g} s: is `stripe listen --forward-to <portal>/payments/stripe/webhook/` "
                "running, the portal up, and STRIPE_WEBHOOK_SECRET the secret stripe listen printed?",
            )
            return
        received = ", ".join(f"{event.event_id} {event.event_type} ({event.outcome})" for event in events)
        self._step(run, name, True, received)

    def _summary(self, run: Run, *, kept: bool) -> None:
        self.stdout.write("")
        self.stdout.write("Summary:")
        for name, ok, detail in run.steps:
            self.stdout.write(f"  {'OK    ' if ok else 'FAILED'} {name}: {detail}")
        self.stdout.write(
            "Demo rows kept (clinic slug stripe-check-...)."
            if kept
            else "Demo rows rolled back: nothing was kept in this database."
        )
        self.stdout.write("Stripe keeps its test-mode objects (Dashboard, test mode).")
        self.stdout.write(
            self.style.SUCCESS("stripe_check: OK") if run.ok else self.style.ERROR("stripe_check: FAILED")
        )


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise StepFailed(message)


def describe(error: Exception) -> str:
    if isinstance(error, stripe.StripeError):
        return f"Stripe said: {error.user_message or error}"
    if isinstance(error, (OrderError, PaymentError)):
        return f"refused: {error}"
    return str(error)


def demo_order(options: dict[str, Any]) -> tuple[Order, User]:
    """A throwaway clinic (its owner approves and refunds), a patient with a portal account, one product, and
    the patient's order for it, placed through the cart and `order_place` like any order."""
    tag = uuid.uuid4().hex[:10]
    clinic = Clinic.objects.create(
        name="Stripe check (demo)",
        slug=f"stripe-check-{tag}",
        currency=options["currency"].upper(),
        plan=Plan.PREMIUM,
        add_ons=[AddOn.PORTAL],
    )
    owner = User.objects.create(email=f"stripe-check-owner-{tag}@example.invalid")
    owner.set_unusable_password()
    owner.save(update_fields=["password"])
    StaffMembership.objects.create(user=owner, clinic=clinic, role=Role.OWNER)
    patient = Patient.objects.create(
        clinic=clinic,
        first_name="Stripe",
        last_name="Check",
        date_of_birth="1980-01-01",
        email=f"stripe-check-patient-{tag}@example.invalid",
        portal_status=PortalStatus.ENABLED,
    )
    patient_user = User.objects.create(email=patient.email)
    patient_user.set_unusable_password()
    patient_user.save(update_fields=["password"])
    PortalAccess.objects.create(user=patient_user, patient=patient, clinic=clinic)
    product = Product.objects.create(
        clinic=clinic,
        name="Stripe check item",
        category="supplements",
        price_cents=options["amount"],
        stock=1,
        requires_prescription=options["authorise"],
    )
    cart_add_item(patient=patient, product=product, quantity=1)
    return order_place(patient=patient, notes="stripe_check", actor=patient_user), owner


def confirm_test_card(payment: Payment, *, card: str, run_id: str) -> stripe.PaymentIntent:
    """Pay for the payment's order with a Stripe test card: a PaymentIntent for the same amount and currency,
    with the Checkout Session's metadata and its capture method, confirmed at once (cards only: nothing to
    redirect to). Through the provider's own client (its key, API base, timeout and retries)."""
    metadata = {"order_id": str(payment.order_id), "payment_id": str(payment.pk), "stripe_check": payment.reference}
    if payment.manual_capture:
        metadata["capture"] = "manual"
    return client().v1.payment_intents.create(
        params={
            "amount": payment.amount_cents,
            "currency": payment.currency.lower(),
            "payment_method": card,
            "allowed_payment_method_types": ["card"],
            "confirm": True,
            "capture_method": "manual" if payment.manual_capture else "automatic",
            "metadata": metadata,
            "description": f"stripe_check for Checkout Session {payment.reference}",
        },
        options={"idempotency_key": f"stripe-check-{run_id}-confirm"},
    )


def keep_ids_used(payment_pk: int | None) -> None:
    """On SQLite a rolled-back insert hands its id out again, and our idempotency keys with Stripe are made of
    payment ids (payment-12, capture-12, refund-12-1): keep the ids the check used from being given to a real
    payment later, whose checkout Stripe would otherwise answer with the check's. (PostgreSQL never reuses them.)"""
    if payment_pk is None or connection.vendor != "sqlite":
        return
    table = Payment._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        if row is None:
            cursor.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", [table, payment_pk])
        elif row[0] < payment_pk:
            cursor.execute("UPDATE sqlite_sequence SET seq = %s WHERE name = %s", [payment_pk, table])
