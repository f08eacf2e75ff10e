import pytest
from django.core import mail

from patientportal.catalog.models import Product
from patientportal.orders.choices import Approval, OrderStatus, PaymentStatus
from patientportal.orders.errors import OrderError
from patientportal.orders.services import (
    order_approve,
    order_complete,
    order_mark_ready,
    order_reject,
)
from patientportal.payments.models import Payment, PaymentAttemptStatus, Refund
from patientportal.payments.services import order_cancel, order_refund, payment_event_apply
from tests.factories import ProductFactory
from tests.orders.helpers import event, pay, place_order, start_payment

pytestmark = pytest.mark.django_db


@pytest.fixture
def restricted(world):
    rx = ProductFactory(clinic=world.clinic_a, requires_prescription=True, stock=4, name="Tretinoin")
    return rx, place_order(world, products=[(rx, 1)])


def test_a_restricted_order_cannot_be_paid_before_approval(world, restricted):
    """Its card may only be authorised (issue 17): a payment that succeeds anyway is given back."""
    _rx, order = restricted
    authorisation = start_payment(order)
    assert authorisation.manual_capture
    payment_event_apply(provider="test", event=event(authorisation))  # "paid", however it was made
    order.refresh_from_db()
    authorisation.refresh_from_db()
    assert (order.payment_status, order.status) == (PaymentStatus.UNPAID, OrderStatus.PENDING)
    assert authorisation.status == PaymentAttemptStatus.REFUNDED


def test_without_a_provider_a_restricted_order_waits_for_approval_unpaid(world, restricted, settings):
    settings.PAYMENT_PROVIDER = ""
    _rx, order = restricted
    with pytest.raises(OrderError) as refused:
        start_payment(order)
    assert refused.value.code == "payments_unavailable"
    assert not Payment.objects.exists()


def test_approval_makes_it_payable_and_tells_the_patient(world, restricted, django_capture_on_commit_callbacks):
    _rx, order = restricted
    with django_capture_on_commit_callbacks(execute=True):
        order_approve(order=order, actor=world.staff_a)
    order.refresh_from_db()
    assert order.approval == Approval.APPROVED and order.is_payable and order.payable_since
    [message] = mail.outbox
    assert message.to == [world.p1.email] and "approved" in message.subject
    assert f"/portal/orders/{order.pk}/?record=" in message.body


def test_rejection_needs_a_reason_returns_stock_and_tells_the_patient(
    world, restricted, django_capture_on_commit_callbacks
):
    rx, order = restricted
    assert Product.objects.get(pk=rx.pk).stock == 3
    with pytest.raises(OrderError):
        order_reject(order=order, reason="  ", actor=world.staff_a)
    with django_capture_on_commit_callbacks(execute=True):
        order_reject(order=order, reason="Needs a visit first", actor=world.staff_a)
    order.refresh_from_db()
    assert (order.status, order.approval, order.rejection_reason) == (
        OrderStatus.CANCELLED,
        Approval.REJECTED,
        "Needs a visit first",
    )
    assert Product.objects.get(pk=rx.pk).stock == 4
    assert "Needs a visit first" in mail.outbox[0].body


def test_ready_and_complete_follow_payment(world, django_capture_on_commit_callbacks):
    order = place_order(world)
    with pytest.raises(OrderError):
        order_mark_ready(order=order, actor=world.staff_a)  # not paid yet: still Pending
    pay(order)
    assert order.status == OrderStatus.PROCESSING and order.payment_status == PaymentStatus.PAID
    with django_capture_on_commit_callbacks(execute=True):
        order_mark_ready(order=order, actor=world.staff_a)
    assert "ready for pickup" in mail.outbox[-1].subject
    order_complete(order=order, actor=world.staff_a)
    order.refresh_from_db()
    assert order.status == OrderStatus.COMPLETED


def test_cancelling_a_paid_order_refunds_it_and_returns_stock_once(world):
    product = ProductFactory(clinic=world.clinic_a, stock=3)
    order = place_order(world, products=[(product, 2)])
    payment = pay(order)
    order_cancel(order=order, reason="Out of date stock", actor=world.owner_a)
    order.refresh_from_db()
    payment.refresh_from_db()
    assert (order.status, order.payment_status) == (OrderStatus.CANCELLED, PaymentStatus.REFUNDED)
    assert payment.status == PaymentAttemptStatus.REFUNDED
    assert Refund.objects.get(payment=payment).amount_cents == order.total_cents
    assert Product.objects.get(pk=product.pk).stock == 3
    with pytest.raises(OrderError):
        order_cancel(order=order, reason="again", actor=world.owner_a)
    assert Product.objects.get(pk=product.pk).stock == 3


def test_refunding_a_ready_order_cancels_it(world):
    order = place_order(world)
    pay(order)
    order_mark_ready(order=order, actor=world.staff_a)
    order_refund(order=order, reason="Changed her mind", actor=world.owner_a)
    order.refresh_from_db()
    assert (order.status, order.payment_status) == (OrderStatus.CANCELLED, PaymentStatus.REFUNDED)
    with pytest.raises(OrderError) as refused:
        order_refund(order=order, reason="again", actor=world.owner_a)
    assert refused.value.code == "not_paid"


def test_a_cancelled_order_can_no_longer_be_approved_or_rejected(world, restricted):
    _rx, order = restricted
    from patientportal.orders.models import Order
    from patientportal.orders.services import cancel_locked_order, order_lock

    cancel_locked_order(order_lock(Order.objects.get(pk=order.pk)), actor=world.staff_a, reason="Withdrawn")
    for service in (order_approve, lambda **kw: order_reject(reason="no", **kw)):
        with pytest.raises(OrderError) as refused:
            service(order=order, actor=world.staff_a)
        assert refused.value.code == "not_pending"
    order.refresh_from_db()
    assert order.approval == Approval.AWAITING
