import pytest

from patientportal.catalog.models import Product
from patientportal.orders.choices import OrderStatus, PaymentStatus
from patientportal.payments.models import PaymentAttemptStatus, WebhookEvent
from patientportal.payments.providers import ProviderEventKind
from patientportal.payments.services import payment_event_apply
from tests.factories import ProductFactory
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


def test_a_full_refund_made_at_the_provider_cancels_the_order_and_returns_stock(world):
    product = ProductFactory(clinic=world.clinic_a, stock=4)
    order = place_order(world, products=[(product, 2)])
    payment = start_payment(order)
    apply(payment)
    apply(payment, ProviderEventKind.REFUNDED)
    assert states(order, payment) == (OrderStatus.CANCELLED, PaymentStatus.REFUNDED, PaymentAttemptStatus.REFUNDED)
    assert payment.refunds.get().amount_cents == order.total_cents
    assert Product.objects.get(pk=product.pk).stock == 4


def test_a_partial_refund_at_the_provider_is_recorded_and_flagged_not_treated_as_full(started):
    order, payment = started
    apply(payment)
    apply(payment, ProviderEventKind.REFUNDED, amount=300)
    assert states(order, payment) == (
        OrderStatus.PROCESSING,
        PaymentStatus.PARTLY_REFUNDED,
        PaymentAttemptStatus.SUCCEEDED,
    )
    assert payment.refunds.get().amount_cents == 300
    assert "Partly refunded" in payment.note


def test_an_event_for_an_unknown_payment_changes_nothing_and_is_kept_not_processed(started):
    order, payment = started
    payment.reference = "someone-elses"
    assert apply(payment).startswith("waiting")
    assert states(order, payment)[1] == PaymentStatus.UNPAID
    kept = WebhookEvent.objects.get()
    assert (kept.status, kept.match_reference, kept.payment) == ("waiting", "someone-elses", None)


def test_paying_twice_does_not_start_two_checkouts(started):
    order, payment = started
    assert start_payment(order).pk == payment.pk


def test_a_payment_in_progress_blocks_a_second_checkout(started):
    order, payment = started
    apply(payment, ProviderEventKind.PROCESSING)
    from patientportal.orders.errors import OrderError

    with pytest.raises(OrderError) as refused:
        start_payment(order)
    assert refused.value.code == "payment_in_progress"


def test_without_a_provider_nothing_can_be_paid(world, settings):
    from patientportal.orders.errors import OrderError

    settings.PAYMENT_PROVIDER = ""
    order = place_order(world)
    with pytest.raises(OrderError) as refused:
        start_payment(order)
    assert refused.value.code == "payments_unavailable"
