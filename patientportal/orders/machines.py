"""The order's three state machines, moved only by `audit.transitions.transition`."""

from patientportal.accounts.models import User
from patientportal.audit.transitions import Machine, Move
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


def _refuse(machine: Machine, current: str, wanted: str) -> OrderError:
    return OrderError("not_allowed", current=machine.label(current), wanted=machine.label(wanted))


def _order_event(move: Move) -> OrderEvent:
    order = move.obj
    assert isinstance(order, Order)  # the history of the three machines below, all of Order
    return OrderEvent.objects.create(
        order=order,
        machine=move.machine.name.rsplit(".", 1)[-1],
        from_value=move.from_state,
        to_value=move.to_state,
        actor=move.actor if isinstance(move.actor, User) else None,  # the system, or a visitor not signed in: None
        note=move.note,
    )


ORDER_STATUS = Machine(
    name="orders.order.status",
    model=Order,
    field="status",
    states=OrderStatus,
    table=ORDER_TRANSITIONS,
    refuse=_refuse,
    history=_order_event,
)
ORDER_PAYMENT = Machine(
    name="orders.order.payment",
    model=Order,
    field="payment_status",
    states=PaymentStatus,
    table=PAYMENT_TRANSITIONS,
    refuse=_refuse,
    history=_order_event,
)
ORDER_APPROVAL = Machine(
    name="orders.order.approval",
    model=Order,
    field="approval",
    states=Approval,
    table=APPROVAL_TRANSITIONS,
    refuse=_refuse,
    history=_order_event,
)
MACHINES = {"status": ORDER_STATUS, "payment": ORDER_PAYMENT, "approval": ORDER_APPROVAL}
