import pytest

from patientportal.orders.choices import (
    APPROVAL_TRANSITIONS,
    ORDER_TRANSITIONS,
    PAYMENT_TRANSITIONS,
    Approval,
    OrderStatus,
    PaymentStatus,
)
from patientportal.orders.errors import OrderError
from patientportal.orders.models import Order, OrderEvent
from patientportal.orders.services import order_lock, order_move
from tests.orders.helpers import place_order

pytestmark = pytest.mark.django_db

MACHINES = [
    ("status", "status", ORDER_TRANSITIONS, OrderStatus),
    ("payment", "payment_status", PAYMENT_TRANSITIONS, PaymentStatus),
    ("approval", "approval", APPROVAL_TRANSITIONS, Approval),
]
PAIRS = [
    (machine, field, table, start, end)
    for machine, field, table, values in MACHINES
    for start in values
    for end in values
]


@pytest.mark.parametrize(("machine", "field", "table", "start", "end"), PAIRS)
def test_every_pair_of_every_machine_follows_its_table(world, machine, field, table, start, end):
    order = place_order(world)
    Order.objects.filter(pk=order.pk).update(**{field: start})
    order = order_lock(Order.objects.get(pk=order.pk))
    allowed = end in table[start]
    if allowed:
        order_move(order=order, machine=machine, to=end, actor=world.staff_a)
    else:
        with pytest.raises(OrderError):
            order_move(order=order, machine=machine, to=end, actor=world.staff_a)
    assert getattr(Order.objects.get(pk=order.pk), field) == (end if allowed else start)
    recorded = OrderEvent.objects.filter(order=order, machine=machine, from_value=start, to_value=end)
    assert recorded.exists() is allowed
    if allowed:
        assert recorded.get().actor == world.staff_a
