"""Every state machine moves through the one helper (audit.transitions), and
every allowed and every forbidden pair of every table does what the table
says: an allowed move changes the row once and writes its history row and
audit event; a forbidden one raises the app's error and changes nothing."""

import copy

import pytest

import patientportal.documents.machines
import patientportal.orders.machines
import patientportal.patients.machines
import patientportal.payments.machines
import patientportal.scheduling.machines  # noqa: F401 - importing declares the machines
from patientportal.audit.models import AuditEvent, StateChange
from patientportal.audit.transitions import REGISTRY, Machine, transition
from patientportal.documents.errors import DocumentError
from patientportal.documents.models import SignatureEvent
from patientportal.orders.errors import OrderError
from patientportal.orders.models import OrderEvent
from patientportal.patients.errors import PatientError
from patientportal.payments.errors import PaymentError
from patientportal.payments.models import Payment, PaymentIssue, WebhookEvent
from patientportal.scheduling.errors import SchedulingError
from tests.documents.helpers import upload
from tests.factories import AppointmentFactory, AppointmentRequestFactory, PatientFactory
from tests.orders.helpers import place_order
from tests.patients.helpers import enabled, send

pytestmark = pytest.mark.django_db

MACHINE_NAMES = [
    "documents.signature.status",
    "orders.order.approval",
    "orders.order.payment",
    "orders.order.status",
    "patients.invitation.status",
    "patients.patient.portal_status",
    "patients.portal_access.status",
    "payments.issue.status",
    "payments.payment.status",
    "payments.provider_event.status",
    "scheduling.appointment.status",
    "scheduling.appointment_request.status",
]
ERRORS = {
    "documents": DocumentError,
    "orders": OrderError,
    "patients": PatientError,
    "payments": PaymentError,
    "scheduling": SchedulingError,
}


def _payment(world):
    order = place_order(world)
    return Payment.objects.create(
        clinic=order.clinic, order=order, provider="test", amount_cents=order.total_cents, currency=order.currency
    )


def _signature_request(world):
    document = upload(world, sign_days=30)
    return document.signature_request


ROW_MAKERS = {
    "documents.signature.status": _signature_request,
    "orders.order.approval": place_order,
    "orders.order.payment": place_order,
    "orders.order.status": place_order,
    "patients.invitation.status": lambda world: send(
        enabled(PatientFactory(clinic=world.clinic_a, email="invited@example.com"), world.staff_a), world.staff_a
    )[0],
    "patients.patient.portal_status": lambda world: PatientFactory(clinic=world.clinic_a),
    "patients.portal_access.status": lambda world: world.patient_user_1.portal_accesses.get(),
    "payments.issue.status": lambda world: PaymentIssue.objects.create(
        clinic=world.clinic_a, order=(payment := _payment(world)).order, payment=payment, kind="capture_failed"
    ),
    "payments.payment.status": _payment,
    "payments.provider_event.status": lambda world: WebhookEvent.objects.create(
        provider="test", event_id="evt_kept", event_type="test.refunded", kind="refunded"
    ),
    "scheduling.appointment.status": lambda world: AppointmentFactory(patient=world.p1),
    "scheduling.appointment_request.status": lambda world: AppointmentRequestFactory(patient=world.p1),
}


def _history_count(machine: Machine, obj, start: str, end: str) -> int:
    if machine.name.startswith("orders."):
        field = machine.name.rsplit(".", 1)[-1]
        return OrderEvent.objects.filter(order=obj, machine=field, from_value=start, to_value=end).count()
    if machine.name.startswith("documents."):
        return SignatureEvent.objects.filter(request=obj).count() - 1  # the request's first "requested" event
    return StateChange.objects.filter(machine=machine.name, object_id=obj.pk, from_state=start, to_state=end).count()


def _pairs():
    for name in MACHINE_NAMES:
        machine = REGISTRY[name]
        for start in machine.table:  # stored states only (expired is read from the clock)
            for end in machine.table:
                yield pytest.param(name, start, end, id=f"{name}:{start}->{end}")


def _row_in_state(world, machine: Machine, state: str):
    obj = ROW_MAKERS[machine.name](world)
    type(obj)._default_manager.filter(pk=obj.pk).update(**{machine.field: state})
    return type(obj)._default_manager.get(pk=obj.pk)


def test_every_machine_is_declared_once_with_the_helper():
    assert sorted(REGISTRY) == MACHINE_NAMES


@pytest.mark.parametrize(("name", "start", "end"), list(_pairs()))
def test_every_pair_of_every_table(world, name, start, end):
    machine = REGISTRY[name]
    obj = _row_in_state(world, machine, start)
    audit_before = AuditEvent.objects.count()
    history_before = _history_count(machine, obj, start, end)
    if machine.allows(start, end):
        transition(machine=machine, obj=obj, to=end, actor=world.staff_a)
        assert getattr(type(obj)._default_manager.get(pk=obj.pk), machine.field) == end
        assert _history_count(machine, obj, start, end) == history_before + 1
        event = AuditEvent.objects.order_by("-id").first()
        assert (event.action, event.metadata["from"], event.metadata["to"]) == (f"{name}_changed", start, end)
        assert AuditEvent.objects.count() == audit_before + 1
    else:
        with pytest.raises(ERRORS[name.split(".", 1)[0]]):
            transition(machine=machine, obj=obj, to=end, actor=world.staff_a)
        assert getattr(type(obj)._default_manager.get(pk=obj.pk), machine.field) == start
        assert _history_count(machine, obj, start, end) == history_before
        assert AuditEvent.objects.count() == audit_before


@pytest.mark.parametrize("name", MACHINE_NAMES)
def test_a_stale_copy_cannot_move_a_row_that_moved_meanwhile(world, name):
    """Compare-and-set: the second of two moves from the same state is refused and changes nothing."""
    machine = REGISTRY[name]
    start, end = next((start, end) for start, ends in machine.table.items() for end in sorted(ends) if end != start)
    obj = _row_in_state(world, machine, start)
    stale = copy.copy(obj)
    transition(machine=machine, obj=obj, to=end, actor=world.staff_a)
    audit_before = AuditEvent.objects.count()
    with pytest.raises(ERRORS[name.split(".", 1)[0]]):
        transition(machine=machine, obj=stale, to=end, actor=world.staff_a)
    assert getattr(type(obj)._default_manager.get(pk=obj.pk), machine.field) == end
    assert AuditEvent.objects.count() == audit_before


def test_a_table_naming_an_unknown_state_is_refused_when_declared():
    from patientportal.orders.choices import OrderStatus
    from patientportal.orders.models import Order

    with pytest.raises(ValueError, match="not in OrderStatus"):
        Machine(
            name="tests.broken",
            model=Order,
            field="status",
            states=OrderStatus,
            table={"pending": frozenset({"teleported"})},
            refuse=lambda machine, current, wanted: OrderError("not_allowed"),
        )
    assert "tests.broken" not in REGISTRY


def test_the_moves_of_authorise_then_capture_and_of_partial_refunds_are_in_the_tables():
    """Issue 17: walked pair by pair above; here what each new state is for."""
    order_payment, attempt = REGISTRY["orders.order.payment"], REGISTRY["payments.payment.status"]
    # Authorised at checkout; captured on approval; released or lapsed: back to paying after approval.
    assert all(order_payment.allows(*move) for move in [("unpaid", "authorised"), ("failed", "authorised")])
    assert all(order_payment.allows(*move) for move in [("authorised", "paid"), ("authorised", "unpaid")])
    assert not any(order_payment.allows("authorised", to) for to in ("refunded", "partly_refunded", "failed"))
    assert all(attempt.allows(*move) for move in [("created", "authorised"), ("authorised", "succeeded")])
    assert attempt.allows("authorised", "released") and attempt.table["released"] == frozenset()
    assert not attempt.allows("authorised", "refunded")  # an authorisation is released, never refunded
    # Each partial refund is a move; refunded in full is the end.
    assert order_payment.allows("paid", "partly_refunded")
    assert order_payment.allows("partly_refunded", "partly_refunded")
    assert order_payment.allows("partly_refunded", "refunded") and not order_payment.allows("partly_refunded", "paid")
    assert order_payment.table["refunded"] == frozenset()
