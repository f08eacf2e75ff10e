"""Provider events arrive in any order and more than once (Stripe says so): an event that cannot be
applied yet is kept and applied when its payment catches up, exactly once, oldest first; none is
acknowledged and dropped. A kept event that never finds its payment is shown to operators."""

import datetime

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from patientportal.audit.models import AuditEvent
from patientportal.catalog.models import Product, StockAdjustment
from patientportal.orders.choices import OrderStatus, PaymentStatus
from patientportal.payments.errors import PaymentError
from patientportal.payments.models import PaymentAttemptStatus, Refund, WebhookEvent
from patientportal.payments.providers import ProviderEventKind
from patientportal.payments.selectors import provider_events_waiting_too_long
from patientportal.payments.services import checkouts_reconcile, payment_event_apply
from tests.conftest import client_for
from tests.factories import ProductFactory, UserFactory
from tests.orders.helpers import event, place_order, start_payment
from tests.races import race

pytestmark = pytest.mark.django_db


def apply(payment, kind=ProviderEventKind.SUCCEEDED, **kwargs):
    return payment_event_apply(provider="test", event=event(payment, kind, **kwargs))


def states(order, payment):
    order.refresh_from_db()
    payment.refresh_from_db()
    return order.status, order.payment_status, payment.status


@pytest.fixture
def stocked(world):
    """An order of 2 of a product with 4 in stock (2 left), and its started payment."""
    product = ProductFactory(clinic=world.clinic_a, stock=4)
    order = place_order(world, products=[(product, 2)])
    return product, order, start_payment(order)


def stock_returned_once(product, order):
    return (
        Product.objects.get(pk=product.pk).stock == 4
        and StockAdjustment.objects.filter(product=product, reason="order_released").count() == 1
    )


def test_a_refund_that_arrives_before_its_payment_is_applied_when_the_payment_arrives(stocked):
    product, order, payment = stocked
    # Stripe's charge.refunded before checkout.session.completed: the charge is not known yet.
    early = apply(payment, ProviderEventKind.REFUNDED)
    meanwhile = states(order, payment)
    late = apply(payment)
    # The money went back: the order is not left Paid, and its stock is back.
    assert states(order, payment) == (OrderStatus.CANCELLED, PaymentStatus.REFUNDED, PaymentAttemptStatus.REFUNDED)
    assert stock_returned_once(product, order)
    assert payment.refunds.get().amount_cents == order.total_cents
    # Kept (changing nothing) until the completion brought its payment, then applied by it.
    assert (early, meanwhile) == (
        "waiting: no such payment yet",
        (OrderStatus.PENDING, PaymentStatus.UNPAID, PaymentAttemptStatus.CREATED),
    )
    assert late == "paid; then 1 waiting event(s): refunded"
    refund_event = WebhookEvent.objects.get(kind="refunded")
    assert (refund_event.status, refund_event.outcome, refund_event.payment) == ("processed", "refunded", payment)


def test_a_refund_that_arrives_while_the_payment_is_still_processing_waits_for_its_success(stocked):
    product, order, payment = stocked
    apply(payment, ProviderEventKind.PROCESSING)  # a bank debit: the charge is known, the money not yet
    early = apply(payment, ProviderEventKind.REFUNDED)
    apply(payment, event_id="evt_async_succeeded")
    assert states(order, payment) == (OrderStatus.CANCELLED, PaymentStatus.REFUNDED, PaymentAttemptStatus.REFUNDED)
    assert stock_returned_once(product, order)
    assert early == "waiting: payment is processing"


def test_a_kept_event_is_applied_once_however_often_it_or_its_payment_come_again(stocked):
    product, order, payment = stocked
    apply(payment, ProviderEventKind.REFUNDED, event_id="evt_refund")
    apply(payment, event_id="evt_paid")
    assert apply(payment, ProviderEventKind.REFUNDED, event_id="evt_refund") == "duplicate: already processed"
    assert apply(payment, event_id="evt_paid") == "duplicate: already processed"
    assert apply(payment, event_id="evt_paid_retrieved").startswith("ignored")
    assert states(order, payment)[:2] == (OrderStatus.CANCELLED, PaymentStatus.REFUNDED)
    assert Refund.objects.count() == 1 and stock_returned_once(product, order)
    assert not WebhookEvent.objects.filter(status="waiting").exists()


def test_kept_events_are_applied_in_the_order_they_came(stocked):
    _product, order, payment = stocked
    # Stripe's amount_refunded is the running total: first 3.00 back, then all of it.
    apply(payment, ProviderEventKind.REFUNDED, event_id="evt_part", amount=300)
    apply(payment, ProviderEventKind.REFUNDED, event_id="evt_all")
    apply(payment)
    assert list(payment.refunds.order_by("id").values_list("amount_cents", flat=True)) == [300, order.total_cents - 300]
    assert states(order, payment)[1] == PaymentStatus.REFUNDED


def test_an_event_still_waiting_after_the_set_time_is_logged_and_listed_for_operators(world, settings, caplog, capsys):
    settings.PAYMENT_EVENT_STALE_MINUTES = 60
    payment = start_payment(place_order(world))
    payment.reference = "cs_of_another_system"
    apply(payment, ProviderEventKind.EXPIRED, event_id="evt_lonely")
    now = timezone.now()
    assert not provider_events_waiting_too_long(now=now + datetime.timedelta(minutes=59)).exists()
    later = now + datetime.timedelta(minutes=61)
    assert [kept.event_id for kept in provider_events_waiting_too_long(now=later)] == ["evt_lonely"]
    with caplog.at_level("WARNING"):
        assert checkouts_reconcile(now=later).stale_events == ["evt_lonely"]
    assert "1 provider event(s) have waited more than 60 minutes for their payment" in caplog.text
    assert "evt_lonely" in caplog.text
    settings.PAYMENT_EVENT_STALE_MINUTES = 1
    WebhookEvent.objects.update(received_at=now - datetime.timedelta(minutes=5))
    call_command("reconcile_payments")
    assert "1 provider event(s) are waiting for a payment that has not turned up" in capsys.readouterr().err


def test_operators_see_waiting_events_in_the_admin_and_can_dismiss_one(world):
    payment = start_payment(place_order(world))
    payment.reference = "cs_of_another_system"
    apply(payment, ProviderEventKind.EXPIRED, event_id="evt_not_ours")
    operator = UserFactory(email="operator@example.com", is_staff=True, is_superuser=True)
    client = client_for(operator)
    listing = client.get("/operator/payments/webhookevent/?status__exact=waiting")
    assert listing.status_code == 200
    assert "cs_of_another_system" in listing.text and "Waiting for its payment" in listing.text
    kept = WebhookEvent.objects.get()
    client.post(
        "/operator/payments/webhookevent/",
        {"action": "dismiss", "_selected_action": [kept.pk]},
    )
    kept.refresh_from_db()
    assert kept.status == "dismissed"
    event_row = AuditEvent.objects.get(action="payments.provider_event.dismissed")
    assert event_row.actor_id == operator.pk
    assert not provider_events_waiting_too_long(now=timezone.now() + datetime.timedelta(days=1)).exists()


def test_a_dismissed_or_applied_event_cannot_be_dismissed(stocked, world):
    from patientportal.payments.services import provider_event_dismiss

    _product, _order, payment = stocked
    apply(payment)
    with pytest.raises(PaymentError):
        provider_event_dismiss(event=WebhookEvent.objects.get(), actor=world.owner_a, reason="Not ours")


def needs_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL: run with DATABASE_URL=postgres://…")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_events_twice_at_once_change_things_once(world):
    needs_postgres()
    product = ProductFactory(clinic=world.clinic_a, stock=4)
    order = place_order(world, products=[(product, 2)])
    payment = start_payment(order)
    refund = event(payment, ProviderEventKind.REFUNDED, event_id="evt_refund")
    paid = event(payment, event_id="evt_paid")

    def deliver(provider_event):
        return lambda: payment_event_apply(provider="test", event=provider_event)

    assert race([deliver(refund), deliver(refund)], refused=PaymentError) == [
        "duplicate: already processed",
        "waiting: no such payment yet",
    ]
    assert race([deliver(paid), deliver(paid)], refused=PaymentError) == [
        "duplicate: already processed",
        "paid; then 1 waiting event(s): refunded",
    ]
    assert states(order, payment) == (OrderStatus.CANCELLED, PaymentStatus.REFUNDED, PaymentAttemptStatus.REFUNDED)
    assert Refund.objects.count() == 1 and stock_returned_once(product, order)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("first", ["refund", "completion"])
def test_a_refund_and_its_completion_arriving_at_once_always_end_refunded(world, first):
    needs_postgres()
    for attempt in range(10):
        product = ProductFactory(clinic=world.clinic_a, stock=4)
        order = place_order(world, products=[(product, 2)])
        payment = start_payment(order)
        refund = event(payment, ProviderEventKind.REFUNDED, event_id=f"evt_refund_{attempt}")
        paid = event(payment, event_id=f"evt_paid_{attempt}")
        events = [refund, paid] if first == "refund" else [paid, refund]
        outcomes = race(
            [lambda provider_event=e: payment_event_apply(provider="test", event=provider_event) for e in events],
            refused=PaymentError,
        )
        # Whichever won the race, the refund is applied once and nothing is left waiting.
        assert outcomes in (
            ["paid", "refunded"],
            ["paid; then 1 waiting event(s): refunded", "waiting: no such payment yet"],
        )
        assert states(order, payment) == (
            OrderStatus.CANCELLED,
            PaymentStatus.REFUNDED,
            PaymentAttemptStatus.REFUNDED,
        )
        assert payment.refunds.count() == 1 and stock_returned_once(product, order)
        assert not WebhookEvent.objects.filter(status="waiting").exists()
