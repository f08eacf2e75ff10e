"""Refunds only by the clinic's owners and admins (issue #13): the plain staff role runs the
order queue but never gives money back, neither with "Refund" nor by cancelling a paid order."""

import pytest

from patientportal.clinics.choices import Role
from patientportal.orders.choices import OrderStatus, PaymentStatus
from patientportal.payments.choices import PaymentAttemptStatus
from patientportal.payments.errors import PaymentError
from patientportal.payments.models import Refund
from patientportal.payments.services import flagged_payment_refund, order_cancel, order_refund, payment_event_apply
from tests.conftest import client_for
from tests.factories import MembershipFactory, ProductFactory
from tests.orders.helpers import event, pay, place_order, start_payment

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid_order(world):
    order = place_order(world, products=[(ProductFactory(clinic=world.clinic_a, stock=5), 2)])
    pay(order)
    return order


def nothing_changed(order) -> bool:
    order.refresh_from_db()
    return (order.status, order.payment_status) == (OrderStatus.PROCESSING, PaymentStatus.PAID) and not (
        Refund.objects.filter(payment__order=order).exists()
    )


def test_a_plain_staff_members_refund_is_forbidden_and_changes_nothing(world, paid_order):
    response = client_for(world.staff_a).post(f"/staff/alpha/orders/{paid_order.pk}/refund/", {"reason": "Asked"})
    assert response.status_code == 403
    assert nothing_changed(paid_order)


def test_a_plain_staff_member_cannot_refund_by_cancelling_a_paid_order(world, paid_order):
    client = client_for(world.staff_a)
    page = client.get(f"/staff/alpha/orders/{paid_order.pk}/")
    assert "Refund in full" not in page.text and "Cancel and refund" not in page.text
    assert "are done by the clinic's owners and admins" in page.text
    response = client.post(f"/staff/alpha/orders/{paid_order.pk}/cancel/", {"reason": "Asked"}, follow=True)
    assert "owners and admins can refund a payment" in response.text
    assert nothing_changed(paid_order)


def test_plain_staff_still_cancel_an_unpaid_order(world):
    order = place_order(world)
    client_for(world.staff_a).post(f"/staff/alpha/orders/{order.pk}/cancel/", {"reason": "Out of stock"})
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED


def test_a_plain_staff_members_refund_of_a_flagged_payment_is_forbidden(world):
    order = place_order(world)
    payment = start_payment(order)
    payment_event_apply(provider="test", event=event(payment, amount=1))  # flagged: the amount does not match
    response = client_for(world.staff_a).post(f"/staff/alpha/orders/{order.pk}/refund_flagged/", {"reason": "Asked"})
    assert response.status_code == 403
    payment.refresh_from_db()
    assert payment.status == PaymentAttemptStatus.NEEDS_REVIEW


@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN])
def test_owners_and_admins_refund(world, paid_order, role):
    user = world.owner_a if role == Role.OWNER else MembershipFactory(clinic=world.clinic_a, role=Role.ADMIN).user
    client = client_for(user)
    assert "Refund in full" in client.get(f"/staff/alpha/orders/{paid_order.pk}/").text
    response = client.post(f"/staff/alpha/orders/{paid_order.pk}/refund/", {"reason": "Asked"}, follow=True)
    assert "Payment refunded." in response.text
    paid_order.refresh_from_db()
    assert (paid_order.status, paid_order.payment_status) == (OrderStatus.CANCELLED, PaymentStatus.REFUNDED)
    assert Refund.objects.get(payment__order=paid_order).actor == user


@pytest.mark.parametrize("service", [order_refund, order_cancel, flagged_payment_refund])
def test_the_refund_services_refuse_a_plain_staff_member_whoever_calls_them(world, paid_order, service):
    if service is flagged_payment_refund:
        paid_order = place_order(world)
        payment_event_apply(provider="test", event=event(start_payment(paid_order), amount=1))
    with pytest.raises(PaymentError) as refused:
        service(order=paid_order, actor=world.staff_a, reason="Asked")
    assert refused.value.code == "refund_not_allowed"
    assert not Refund.objects.exists()


def test_an_owner_of_another_clinic_cannot_refund_here(world, paid_order):
    with pytest.raises(PaymentError):
        order_refund(order=paid_order, actor=world.owner_b, reason="Asked")
    assert nothing_changed(paid_order)
