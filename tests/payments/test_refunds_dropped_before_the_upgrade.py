"""Refunds that the code before provider events could wait recorded as processed and dropped
("ignored: no such payment": a charge.refunded before its payment) are not left lost by the
upgrade. The old rows did not keep the charge the refund named, so nothing can apply them: the
migration makes them waiting events with nothing to match, which operators see in the admin and
in reconciliation's warning until they have checked each by hand and dismissed it."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from patientportal.orders.choices import OrderStatus, PaymentStatus
from patientportal.payments.models import WebhookEvent
from patientportal.payments.providers import ProviderEvent, ProviderEventKind
from patientportal.payments.selectors import provider_events_waiting_too_long
from patientportal.payments.services import checkouts_reconcile, payment_event_apply
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.orders.helpers import event, place_order, start_payment

pytestmark = pytest.mark.django_db(transaction=True)

# The provider of the test payments, so that a payment made in a test could pick the old rows up.
PROVIDER = "test"
BEFORE = ("payments", "0001_initial")
WAITING_EVENTS = ("payments", "0002_provider_events_wait_for_their_payment")
AFTER = ("payments", "0003_refunds_dropped_before_the_upgrade_wait_for_an_operator")
DROPPED = {
    "evt_refund_before_completion": ("charge.refunded", "ignored: no such payment"),
    "evt_refund_while_processing": ("charge.refunded", "ignored: payment is processing"),
}
LEFT_ALONE = {
    "evt_refund_applied": ("charge.refunded", "refunded"),
    "evt_refund_of_a_refunded_payment": ("charge.refunded", "ignored: payment is refunded"),
    # Reconciliation asks Stripe about every checkout still open: a dropped completion is found again.
    "evt_completion_of_another_system": ("checkout.session.completed", "ignored: no such payment"),
    "evt_paid": ("checkout.session.completed", "paid"),
}


def migrate(target: tuple[str, str]) -> None:
    executor = MigrationExecutor(connection)  # a fresh one: it reads what is applied now
    executor.migrate([target])


def migrate_to_the_latest() -> None:
    """The migrations after AFTER too, so today's code (which reads their columns) can run."""
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.fixture
def rows_recorded_before_the_upgrade():
    """The database as it was before provider events could wait (payments at 0001), with the
    events the old code recorded; put back to the latest migrations afterwards."""
    migrate(BEFORE)
    try:
        old_apps = MigrationExecutor(connection).loader.project_state([BEFORE]).apps
        OldEvent = old_apps.get_model("payments", "WebhookEvent")
        for event_id, (event_type, outcome) in {**DROPPED, **LEFT_ALONE}.items():
            OldEvent.objects.create(provider=PROVIDER, event_id=event_id, event_type=event_type, outcome=outcome)
        yield
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


def by_event_id() -> dict[str, WebhookEvent]:
    return {row.event_id: row for row in WebhookEvent.objects.all()}


def test_the_upgrade_turns_refunds_dropped_before_their_payment_into_events_for_an_operator(
    rows_recorded_before_the_upgrade, settings, caplog
):
    migrate(AFTER)
    rows = by_event_id()
    for event_id, (_type, old_outcome) in DROPPED.items():
        row = rows[event_id]
        assert (row.status, row.kind, row.match_reference, row.payment) == ("waiting", "refunded", "", None)
        assert row.outcome.startswith("waiting: check by hand") and old_outcome in row.outcome
    for event_id, (_type, old_outcome) in LEFT_ALONE.items():
        assert (rows[event_id].status, rows[event_id].outcome) == ("processed", old_outcome)
    # Operators are told: reconciliation warns about them (they came long before the stale limit) ...
    migrate_to_the_latest()
    settings.PAYMENT_EVENT_STALE_MINUTES = 60
    later = timezone.now() + datetime.timedelta(minutes=61)
    assert set(provider_events_waiting_too_long(now=later).values_list("event_id", flat=True)) == set(DROPPED)
    with caplog.at_level("WARNING"):
        assert set(checkouts_reconcile(now=later).stale_events) == set(DROPPED)
    assert "evt_refund_before_completion" in caplog.text


def test_no_payment_ever_applies_them_and_an_operator_dismisses_them_in_the_admin(
    rows_recorded_before_the_upgrade, world
):
    migrate(AFTER)
    migrate_to_the_latest()
    # A payment completing later does not pick them up: they name no charge, so could be anyone's.
    payment = start_payment(place_order(world))
    assert payment.provider == PROVIDER
    assert payment_event_apply(provider=PROVIDER, event=event(payment, ProviderEventKind.SUCCEEDED)) == "paid"
    rows = by_event_id()
    assert all(rows[event_id].status == "waiting" for event_id in DROPPED)
    # What docs/operations.md tells the operator to run once Stripe showed which charge it refunded.
    payment.refresh_from_db()
    by_hand = ProviderEvent(
        event_id="evt_refund_before_completion:by-hand",
        kind=ProviderEventKind.REFUNDED,
        event_type="charge.refunded",
        charge_reference=payment.charge_reference,
        amount_cents=None,
    )
    assert payment_event_apply(provider=PROVIDER, event=by_hand) == "refunded"
    payment.order.refresh_from_db()
    assert (payment.order.status, payment.order.payment_status) == (OrderStatus.CANCELLED, PaymentStatus.REFUNDED)
    # ... and the admin's list of waiting events shows them, for a person to check and dismiss.
    operator = UserFactory(email="operator@example.com", is_staff=True, is_superuser=True)
    client = client_for(operator)
    listing = client.get("/operator/payments/webhookevent/?status__exact=waiting")
    assert listing.status_code == 200
    assert all(event_id in listing.text for event_id in DROPPED)
    assert "check by hand" in listing.text
    client.post(
        "/operator/payments/webhookevent/",
        {"action": "dismiss", "_selected_action": [rows[event_id].pk for event_id in DROPPED]},
    )
    assert {by_event_id()[event_id].status for event_id in DROPPED} == {"dismissed"}


def test_the_migration_can_be_undone(rows_recorded_before_the_upgrade):
    migrate(AFTER)
    migrate(WAITING_EVENTS)
    rows = by_event_id()
    for event_id, (_type, old_outcome) in {**DROPPED, **LEFT_ALONE}.items():
        assert (rows[event_id].status, rows[event_id].outcome) == ("processed", old_outcome)
