import pytest

from patientportal.orders.choices import Approval, OrderStatus, PaymentStatus
from patientportal.orders.models import Order
from tests.access_matrix import assert_staff_url_is_scoped
from tests.conftest import client_for
from tests.factories import ProductFactory
from tests.orders.helpers import pay, place_order

pytestmark = pytest.mark.django_db


def queue(client, name):
    return [order.number for order in client.get(f"/staff/alpha/orders/?queue={name}").context["page"].object_list]


def test_the_queues_filter_orders(world):
    waiting = place_order(world, products=[(ProductFactory(clinic=world.clinic_a, requires_prescription=True), 1)])
    paid = place_order(world)
    pay(paid)
    unpaid = place_order(world)
    client = client_for(world.staff_a)
    assert queue(client, "awaiting") == [waiting.number]
    assert queue(client, "to_prepare") == [paid.number]
    assert queue(client, "unpaid") == [unpaid.number]
    assert len(queue(client, "all")) == 3
    assert queue(client, "nonsense") == [waiting.number]  # unknown queue: the default


def test_staff_approve_then_the_patient_can_pay_and_staff_mark_ready_and_complete(world):
    order = place_order(world, products=[(ProductFactory(clinic=world.clinic_a, requires_consultation=True), 1)])
    client = client_for(world.staff_a)
    approved = client.post(f"/staff/alpha/orders/{order.pk}/approve/", follow=True)
    assert "Order approved" in approved.text
    pay(order)
    client.post(f"/staff/alpha/orders/{order.pk}/ready/")
    assert Order.objects.get(pk=order.pk).status == OrderStatus.READY
    client.post(f"/staff/alpha/orders/{order.pk}/complete/")
    order.refresh_from_db()
    assert (order.status, order.approval, order.payment_status) == (
        OrderStatus.COMPLETED,
        Approval.APPROVED,
        PaymentStatus.PAID,
    )
    assert [event.actor for event in order.events.filter(machine="status", to_value="ready")] == [world.staff_a]


def test_reject_and_cancel_need_a_reason(world):
    order = place_order(world, products=[(ProductFactory(clinic=world.clinic_a, requires_consultation=True), 1)])
    client = client_for(world.staff_a)
    missing = client.post(f"/staff/alpha/orders/{order.pk}/reject/", {"reason": ""}, follow=True)
    assert "Please give a reason" in missing.text
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PENDING
    client.post(f"/staff/alpha/orders/{order.pk}/reject/", {"reason": "See the doctor first"})
    assert Order.objects.get(pk=order.pk).rejection_reason == "See the doctor first"


def test_a_wrong_move_is_refused_with_a_message(world):
    order = place_order(world)
    response = client_for(world.staff_a).post(f"/staff/alpha/orders/{order.pk}/ready/", follow=True)
    assert "cannot go from “Pending” to “Ready for pickup”" in response.text
    assert client_for(world.staff_a).post(f"/staff/alpha/orders/{order.pk}/explode/").status_code == 404


@pytest.mark.parametrize("path", ["/staff/alpha/orders/", "/staff/alpha/orders/{o}/"])
def test_order_pages_are_scoped_to_the_clinics_team(world, path):
    order = place_order(world)
    assert_staff_url_is_scoped(world, path.format(o=order.pk))


def test_another_clinic_cannot_see_or_act_on_an_order(world):
    order = place_order(world)
    outsider = client_for(world.owner_b)
    assert outsider.get(f"/staff/beta/orders/{order.pk}/").status_code == 404
    assert outsider.post(f"/staff/beta/orders/{order.pk}/cancel/", {"reason": "x"}).status_code == 404
    assert (
        client_for(world.patient_user_1).post(f"/staff/alpha/orders/{order.pk}/cancel/", {"reason": "x"}).status_code
        == 404
    )
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PENDING
