"""Reconciliation (issue 17, part 3): asking the provider what its webhooks may not have told us, and
applying the answer through the webhooks' own path (`payments.events.payment_event_apply`), so a lost
webhook changes nothing for the patient and a webhook that comes after reconciliation changes nothing.

Three kinds of payment are asked about:
- checkouts still open (started or processing) PAYMENT_RECONCILE_AFTER_MINUTES after they began: paid,
  authorised, processing, failed or expired at the provider;
- card authorisations that end within a day (the queue's "urgent"): captured or cancelled at the provider;
- payments taken within PAYMENT_RECONCILE_REFUNDS_DAYS: refunds made at the provider (its dashboard), and
  refunds that failed there after they were recorded (raised as payments needing attention).
The last two are asked at most once per PAYMENT_RECONCILE_EVERY_HOURS each (`Payment.reconciled_at`), a
batch a run. No lock is held while the provider is asked. A provider that cannot be reached is logged
and asked again on the next run; it never stops the run, nor the periodic runner.
"""

import dataclasses
import datetime
import logging
from collections.abc import Iterable

from django.conf import settings
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from patientportal.orders.models import AUTHORISATION_URGENT_BEFORE
from patientportal.payments.choices import PaymentAttemptStatus
from patientportal.payments.events import DUPLICATE, payment_event_apply
from patientportal.payments.models import Payment
from patientportal.payments.moves import PROVIDER_ERRORS, REQUEST_REFUSED_ERRORS
from patientportal.payments.providers import PaymentProvider, ProviderEvent, ProviderEventKind, provider_named
from patientportal.payments.providers.base import PaymentState
from patientportal.payments.selectors import provider_events_waiting_too_long

logger = logging.getLogger(__name__)
S = PaymentAttemptStatus
# Checkouts the patient may still be paying (or paid without our hearing of it).
OPEN_CHECKOUT = (S.CREATED, S.PROCESSING)
# Money taken: a refund may have been made (or have failed) at the provider.
TAKEN = (S.SUCCEEDED, S.NEEDS_REVIEW)
# Payments asked about in one run beyond the open checkouts (the rest wait for the next run, oldest first).
BATCH = 200


@dataclasses.dataclass
class ReconcileSummary:
    """What one reconciliation run did, for the command's output and the periodic runner's log."""

    checked: int = 0  # payments the provider told us about
    still_open: int = 0  # of those, checkouts still payable: asked again next run
    applied: list[str] = dataclasses.field(default_factory=list)  # "payment 12: paid", for what changed
    not_checked: int = 0  # the provider could not be asked (down, or refused): left for the next run
    stale_events: list[str] = dataclasses.field(default_factory=list)  # ids of events waiting too long

    def __str__(self) -> str:
        text = (
            f"Checked {self.checked} payment(s): {len(self.applied)} updated, {self.still_open} checkout(s) still "
            f"open, {self.not_checked} left for the next run."
        )
        if self.applied:
            text += "\n" + "\n".join(self.applied)
        if self.stale_events:
            text += (
                f"\n{len(self.stale_events)} provider event(s) have waited too long for their payment: "
                + ", ".join(self.stale_events)
            )
        return text

    def __len__(self) -> int:
        return len(self.applied)  # the periodic runner logs "N done"


@dataclasses.dataclass
class _Run:
    now: datetime.datetime
    summary: ReconcileSummary = dataclasses.field(default_factory=ReconcileSummary)
    unreachable: set[str] = dataclasses.field(default_factory=set)

    def ask(self, payment: Payment) -> PaymentState | None:
        """The provider's state of the payment; None (logged, counted) when it cannot be asked."""
        if payment.provider in self.unreachable:
            self.summary.not_checked += 1
            return None
        provider: PaymentProvider = provider_named(payment.provider)
        try:
            state = provider.state(payment=payment)
        except REQUEST_REFUSED_ERRORS:
            logger.warning("Reconciliation: the provider refused to tell about payment %s", payment.pk, exc_info=True)
            self.summary.not_checked += 1
            return None
        except PROVIDER_ERRORS:
            # Down, slow or refusing our key: the rest would fail the same way, each after its timeout.
            logger.warning(
                "Reconciliation: %s could not be reached; payment %s and the provider's other payments are left "
                "for the next run",
                payment.provider,
                payment.pk,
                exc_info=True,
            )
            self.unreachable.add(payment.provider)
            self.summary.not_checked += 1
            return None
        self.summary.checked += 1
        # Bookkeeping only (no lock, no history): asked again after PAYMENT_RECONCILE_EVERY_HOURS, not this run.
        Payment.objects.filter(pk=payment.pk).update(reconciled_at=self.now)
        return state

    def apply(self, payment: Payment, events: Iterable[ProviderEvent]) -> None:
        for event in events:
            outcome = payment_event_apply(provider=payment.provider, event=event)
            if outcome != DUPLICATE and not outcome.startswith("ignored"):
                self.summary.applied.append(f"payment {payment.pk}: {outcome}")


def state_events(payment: Payment, state: PaymentState) -> list[ProviderEvent]:
    """What the provider's state of a payment amounts to, as the events its webhooks would have sent: the
    checkout's (or intent's) state, the refunded total of the charge, each refund that failed. Their ids
    are made from what they say, so asking again gives the same ids and changes nothing."""
    events = [state.event] if state.event is not None else []
    charge = state.charge_reference or payment.charge_reference
    if not charge:
        return events
    if state.refunded_cents:
        events.append(
            ProviderEvent(
                event_id=f"reconcile:refunded:{charge}:{state.refunded_cents}",
                kind=ProviderEventKind.REFUNDED,
                event_type="refunds.reconciled",
                payment_reference=payment.reference,
                charge_reference=charge,
                amount_cents=state.refunded_cents,  # the running total, as the provider's own events say it
                currency=payment.currency,
            )
        )
    events.extend(
        ProviderEvent(
            event_id=f"reconcile:refund_failed:{refund.reference}",
            kind=ProviderEventKind.REFUND_FAILED,
            event_type="refund.reconciled.failed",
            payment_reference=payment.reference,
            charge_reference=charge,
            amount_cents=refund.amount_cents,
            currency=payment.currency,
            refund_reference=refund.reference,
        )
        for refund in state.failed_refunds
    )
    return events


def _open_checkouts(now: datetime.datetime) -> QuerySet[Payment]:
    cutoff = now - datetime.timedelta(minutes=settings.PAYMENT_RECONCILE_AFTER_MINUTES)
    return (
        Payment.objects.filter(status__in=OPEN_CHECKOUT, created_at__lte=cutoff)
        .exclude(reference="")
        .order_by("created_at", "id")
    )


def _due(now: datetime.datetime) -> QuerySet[Payment]:
    """Authorisations ending within a day, and payments taken lately, not asked about lately."""
    asked_before = now - datetime.timedelta(hours=settings.PAYMENT_RECONCILE_EVERY_HOURS)
    ending = Q(status=S.AUTHORISED, authorised_until__lte=now + AUTHORISATION_URGENT_BEFORE)
    taken = Q(status__in=TAKEN, created_at__gte=now - datetime.timedelta(days=settings.PAYMENT_RECONCILE_REFUNDS_DAYS))
    return (
        Payment.objects.filter(ending | taken)
        .filter(Q(reconciled_at__isnull=True) | Q(reconciled_at__lte=asked_before))
        .exclude(reference="")
        .order_by(F("reconciled_at").asc(nulls_first=True), "created_at", "id")
    )


def checkouts_reconcile(*, now: datetime.datetime | None = None) -> ReconcileSummary:
    """Ask the provider about every checkout still open after PAYMENT_RECONCILE_AFTER_MINUTES and apply
    what it says (with the refunds of a checkout it says was paid); then report the provider events
    that have waited longer than PAYMENT_EVENT_STALE_MINUTES for their payment."""
    now = now or timezone.now()
    run = _Run(now)
    _checkouts(run, now)
    _report_stale(run.summary, now)
    return run.summary


def payments_reconcile(*, now: datetime.datetime | None = None) -> ReconcileSummary:
    """The periodic job: open checkouts, authorisations nearing their end and the refunds of payments
    taken lately, each asked of its provider and applied through the webhooks' path. Safe to run as
    often as wanted, in several copies (each event is applied once)."""
    now = now or timezone.now()
    run = _Run(now)
    _checkouts(run, now)
    for payment in _due(now)[:BATCH]:
        state = run.ask(payment)
        if state is None:
            continue
        run.apply(payment, state_events(payment, state))
    _report_stale(run.summary, now)
    return run.summary


def _checkouts(run: _Run, now: datetime.datetime) -> None:
    for payment in _open_checkouts(now):
        state = run.ask(payment)
        if state is None:
            continue
        if state.event is None:
            run.summary.still_open += 1
            continue
        run.apply(payment, state_events(payment, state))


def _report_stale(summary: ReconcileSummary, now: datetime.datetime) -> None:
    summary.stale_events = list(provider_events_waiting_too_long(now=now).values_list("event_id", flat=True)[:50])
    if summary.stale_events:
        logger.warning(
            "%d provider event(s) have waited more than %d minutes for their payment (operator area, "
            "Payments > Provider events): %s",
            len(summary.stale_events),
            settings.PAYMENT_EVENT_STALE_MINUTES,
            ", ".join(summary.stale_events),
        )
