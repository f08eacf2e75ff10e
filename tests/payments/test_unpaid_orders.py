import datetime
import threading

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection, connections
from django.utils import timezone

from patientportal.catalog.models import Product, StockAdjustment
from patientportal.orders.choices import OrderStatus, PaymentStatus
from patientportal.orders.models import Order
from patientportal.payments.models import PaymentAttemptStatus
from patientportal.payments.providers import ProviderEventKind
from patientportal.payments.services import cancel_unpaid_orders, payment_event_apply
from tests.factories import ProductFactory
from tests.orders.helpers import event, place_order, start_payment

pytestmark = pytest.mark.django_db
HOUR = datetime.timedelta(hours=1)


def test_an_unpaid_order_is_cancelled_after_the_clinics_hours_and_its_stock_returned_once(
    world, django_capture_on_commit_callbacks
):
    product = ProductFactory(clinic=world.clinic_a, stock=5)
    order = place_order(world, products=[(product, 2)])
    since = order.payable_since
    assert cancel_unpaid_orders(now=since + 72 * HOUR - datetime.timedelta(seconds=1)) == []
    with django_capture_on_commit_callbacks(execute=True):
        assert cancel_unpaid_orders(now=since + 72 * HOUR) == [order.number]
    assert cancel_unpaid_orders(now=since + 100 * HOUR) == []
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED and order.cancellation_reason == "Not paid in time"
    assert Product.objects.get(pk=product.pk).stock == 5
    assert StockAdjustment.objects.filter(product=product, reason="order_released").count() == 1
    assert "not paid in time" in mail.outbox[0].body


def test_the_clinic_setting_decides_the_delay(world):
    world.clinic_a.unpaid_order_hours = 2
    world.clinic_a.save()
    order = place_order(world)
    assert cancel_unpaid_orders(now=order.payable_since + 2 * HOUR) == [order.number]


def test_orders_awaiting_approval_paid_or_failed_once_are_handled_correctly(world):
    waiting = place_order(world, products=[(ProductFactory(clinic=world.clinic_a, requires_consultation=True), 1)])
    failed = place_order(world)
    payment = start_payment(failed)
    payment_event_apply(provider="test", event=event(payment, ProviderEventKind.FAILED))
    later = timezone.now() + 1000 * HOUR
    assert cancel_unpaid_orders(now=later) == [failed.number]  # a failed payment is still unpaid
    assert Order.objects.get(pk=waiting.pk).status == OrderStatus.PENDING


def test_a_checkout_expiring_does_not_cancel_the_order(world):
    order = place_order(world)
    payment = start_payment(order)
    payment_event_apply(provider="test", event=event(payment, ProviderEventKind.EXPIRED))
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING and order.is_payable
    assert start_payment(order).pk != payment.pk  # the patient can pay again


def test_the_management_command_runs_it(world, capsys):
    order = place_order(world)
    Order.objects.filter(pk=order.pk).update(payable_since=timezone.now() - 80 * HOUR)
    call_command("cancel_unpaid_orders")
    assert f"Cancelled 1 unpaid order(s): {order.number}" in capsys.readouterr().out


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_auto_cancel_racing_a_late_payment_never_loses_money_or_stock(world):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL: run with DATABASE_URL=postgres://…")
    for _attempt in range(5):
        product = ProductFactory(clinic=world.clinic_a, stock=1)
        order = place_order(world, products=[(product, 1)])
        payment = start_payment(order)
        late = order.payable_since + 80 * HOUR
        barrier = threading.Barrier(2)

        def cancel(when=late, barrier=barrier):
            barrier.wait()
            cancel_unpaid_orders(now=when)
            connections.close_all()

        def pay(payment=payment, barrier=barrier):
            barrier.wait()
            payment_event_apply(provider="test", event=event(payment))
            connections.close_all()

        threads = [threading.Thread(target=cancel), threading.Thread(target=pay)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        order.refresh_from_db()
        payment.refresh_from_db()
        stock = Product.objects.get(pk=product.pk).stock
        if order.status == OrderStatus.PROCESSING:  # the payment won: the order stands, stock stays taken
            assert (order.payment_status, payment.status, stock) == (
                PaymentStatus.PAID,
                PaymentAttemptStatus.SUCCEEDED,
                0,
            )
        else:  # the cancel won: the money went back and the stock came back once
            assert order.status == OrderStatus.CANCELLED
            assert payment.status == PaymentAttemptStatus.REFUNDED and stock == 1


def test_flagged_or_processing_payments_keep_the_order_from_being_auto_cancelled(world):
    flagged = place_order(world)
    payment = start_payment(flagged)
    payment_event_apply(provider="test", event=event(payment, amount=1))  # amount mismatch: needs review
    processing = place_order(world)
    payment = start_payment(processing)
    payment_event_apply(provider="test", event=event(payment, ProviderEventKind.PROCESSING))
    assert cancel_unpaid_orders(now=timezone.now() + 1000 * HOUR) == []


def test_an_owner_refunds_a_flagged_payment(world):
    from patientportal.payments.services import flagged_payment_refund

    order = place_order(world)
    payment = start_payment(order)
    payment_event_apply(provider="test", event=event(payment, amount=1))
    flagged_payment_refund(order=order, actor=world.owner_a, reason="Amount did not match")
    payment.refresh_from_db()
    assert payment.status == PaymentAttemptStatus.REFUNDED
    assert payment.refunds.get().amount_cents == payment.amount_cents
