import pytest

from patientportal.orders.choices import OrderStatus, PaymentStatus
from patientportal.payments.models import PaymentAttemptStatus, WebhookEvent
from patientportal.payments.providers import ProviderEventKind
from patientportal.payments.services import payment_event_apply
from tests.orders.helpers import event, place_order, start_payment

pytestmark = pytest.mark.django_db


@pytest.fixture
def started(world):
    order = place_order(world)
    return order, start_payment(order)


def apply(payment, kind=ProviderEventKind.SUCCEEDED, **kwargs):
    return payment_event_apply(provider="test", event=event(payment, kind, **kwargs))


def states(order, payment):
    order.refresh_from_db()
    payment.refresh_from_db()
    return order.status, order.payment_status, payment.status


def test_a_success_marks_the_order_paid_and_processing(started):
    order, payment = started
    assert apply(payment) == "paid"
    assert states(order, payment) == (OrderStatus.PROCESSING, PaymentStatus.PAID, PaymentAttemptStatus.SUCCEEDED)
    assert order.paid_at is not None


def test_the_same_event_twice_changes_nothing_the_second_time(started):
    order, payment = started
    apply(payment, event_id="evt_same")
    assert apply(payment, event_id="evt_same") == "duplicate: already processed"
    assert WebhookEvent.objects.filter(event_id="evt_same").count() == 1
    assert order.events.filter(machine="payment").count() == 1


def test_expired_after_completed_changes_nothing(started):
    order, payment = started
    apply(payment)
    assert apply(payment, ProviderEventKind.EXPIRED).startswith("ignored")
    assert states(order, payment) == (OrderStatus.PROCESSING, PaymentStatus.PAID, PaymentAttemptStatus.SUCCEEDED)


def test_a_failure_after_success_does_not_move_backwards(started):
    order, payment = started
    apply(payment)
    assert apply(payment, ProviderEventKind.FAILED).startswith("ignored")
    assert states(order, payment)[1] == PaymentStatus.PAID


@pytest.mark.parametrize(("amount", "currency"), [(1, "USD"), (None, "EUR")])
def test_an_amount_or_currency_mismatch_is_flagged_not_paid(started, amount, currency):
    order, payment = started
    outcome = apply(payment, amount=amount, currency=currency)
    assert outcome.startswith("flagged")
    assert states(order, payment) == (OrderStatus.PENDING, PaymentStatus.UNPAID, PaymentAttemptStatus.NEEDS_REVIEW)


def test_a_failed_payment_leaves_the_order_payable(started):
    order, payment = started
    apply(payment, ProviderEventKind.FAILED)
    assert states(order, payment) == (OrderStatus.PENDING, PaymentStatus.FAILED, PaymentAttemptStatus.FAILED)
    assert order.is_payable


def test_async_payments_stay_processing_until_the_provider_decides(started):
    order, payment = started
    apply(payment, ProviderEventKind.PROCESSING)
    assert states(order, payment) == (OrderStatus.PENDING, PaymentStatus.UNPAID, PaymentAttemptStatus.PROCESSING)
    apply(payment, ProviderEventKind.SUCCEEDED, event_id="evt_async_ok")
    assert states(order, payment)[1] == PaymentStatus.PAID


def test_a_refund_made_at_the_provider_is_recorded(started):
    order, payment = started
    apply(payment)
    apply(payment, ProviderEventKind.REFUNDED)
    assert states(order, payment) == (OrderStatus.PROCESSING, PaymentStatus.REFUNDED, PaymentAttemptStatus.REFUNDED)
    assert payment.refunds.count() == 1


def test_an_event_for_an_unknown_payment_is_ignored(started):
    order, payment = started
    payment.reference = "someone-elses"
    assert apply(payment).startswith("ignored")
    assert states(order, payment)[1] == PaymentStatus.UNPAID


def test_paying_twice_does_not_start_two_checkouts(started):
    order, payment = started
    assert start_payment(order).pk == payment.pk
