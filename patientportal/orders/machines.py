"""The order's three state machines, moved only by `audit.transitions.transition`."""

from collections.abc import Mapping

from django.db import models

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


def _order_machine(
    key: str, *, field: str, states: type[models.TextChoices], table: Mapping[str, frozenset[str]]
) -> Machine:
    """One of the order's machines: named `orders.order.<key>`, refused and recorded the same way."""
    return Machine(
        name=f"orders.order.{key}",
        model=Order,
        field=field,
        states=states,
        table=table,
        refuse=_refuse,
        history=_order_event,
    )


# Keyed as OrderEvent.machine and `order_move(machine=…)` name them.
MACHINES = {
    "status": _order_machine("status", field="status", states=OrderStatus, table=ORDER_TRANSITIONS),
    "payment": _order_machine("payment", field="payment_status", states=PaymentStatus, table=PAYMENT_TRANSITIONS),
    "approval": _order_machine("approval", field="approval", states=Approval, table=APPROVAL_TRANSITIONS),
}
