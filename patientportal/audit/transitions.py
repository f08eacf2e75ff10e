"""The one way a state machine moves (DESIGN.md, "State machines").

Each machine is declared once, next to its app's services, from the table of
allowed moves in that app's `choices.py`. `transition()` checks the table,
moves the row with a compare-and-set (`UPDATE … WHERE status = <the status we
read>`; exactly one row moves, or the move is refused), writes the history row
(the app's own, or a `StateChange`) and the audit event, all in the caller's
transaction. A second copy of the same move therefore changes nothing.
"""

import dataclasses
import datetime
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils import timezone

from patientportal.audit import services as audit
from patientportal.audit.models import StateChange

if TYPE_CHECKING:
    from patientportal.audit.services import Actor

REGISTRY: dict[str, "Machine"] = {}


@dataclasses.dataclass(frozen=True)
class Move:
    """One move as it happened; what a machine's history writer receives."""

    machine: "Machine"
    obj: models.Model
    from_state: str
    to_state: str
    actor: "Actor"
    note: str
    at: datetime.datetime


@dataclasses.dataclass(frozen=True, eq=False)
class Machine:
    """A state machine: which field of which model, its states and its table.

    `refuse(machine, current, wanted)` builds the app's own error, so a
    refused move reads like every other refusal of that app. `history`
    writes the app's own history row; without one a `StateChange` is written.
    """

    name: str  # dotted, like the audit actions: "orders.order.status"
    model: type[models.Model]
    field: str
    states: type[models.TextChoices]
    table: Mapping[str, frozenset[str]]
    refuse: Callable[["Machine", str, str], Exception]
    history: Callable[[Move], object] | None = None
    # Takes the machine's own model (a Machine is not generic over it); the patient the move concerns, if any.
    patient_of: Callable[[Any], models.Model | None] = lambda obj: getattr(obj, "patient", None)

    def __post_init__(self) -> None:
        unknown = (set(self.table) | {to for moves in self.table.values() for to in moves}) - set(self.states.values)
        if unknown:
            raise ValueError(f"{self.name}: states not in {self.states.__name__}: {sorted(unknown)}")
        REGISTRY[self.name] = self

    def allows(self, current: str, wanted: str) -> bool:
        return wanted in self.table.get(current, frozenset())

    def label(self, state: str) -> str:
        return str(self.states(state).label)

    def refusal(self, current: str, wanted: str) -> Exception:
        return self.refuse(self, current, wanted)


def transition(
    *,
    machine: Machine,
    obj: models.Model,
    to: str,
    actor: "Actor",
    note: str = "",
    fields: Mapping[str, object] | None = None,
    audit_action: str = "",
    audit_metadata: Mapping[str, object] | None = None,
) -> Move:
    """Move `obj` along `machine` to `to`, also setting `fields` on the row;
    refuse with the app's error if the table does not allow it or the row
    changed meanwhile. Call it inside a transaction, ideally with the row locked."""
    current: str = getattr(obj, machine.field)
    if not machine.allows(current, to):
        raise machine.refusal(current, to)
    now = timezone.now()
    fields = dict(fields or {})
    if any(field.name == "updated_at" for field in obj._meta.concrete_fields):
        fields.setdefault("updated_at", now)
    moved = (
        type(obj)._default_manager.filter(pk=obj.pk, **{machine.field: current}).update(**{machine.field: to}, **fields)
    )
    if moved != 1:  # someone moved it first: never move twice
        raise machine.refusal(current, to)
    setattr(obj, machine.field, to)
    for name, value in fields.items():
        setattr(obj, name, value)
    move = Move(machine=machine, obj=obj, from_state=current, to_state=to, actor=actor, note=note[:500], at=now)
    if machine.history is not None:
        machine.history(move)
    else:
        _state_change(move)
    audit.record(
        action=audit_action or f"{machine.name}_changed",
        actor=actor,
        clinic=getattr(obj, "clinic", None),
        patient=machine.patient_of(obj),
        obj=obj,
        metadata={"from": current, "to": to, **(audit_metadata or {})},
    )
    return move


def _state_change(move: Move) -> StateChange:
    user = audit.acting_user(move.actor)
    return StateChange.objects.create(
        machine=move.machine.name,
        object_id=move.obj.pk,
        from_state=move.from_state,
        to_state=move.to_state,
        actor_id=user.pk if user is not None else None,
        note=move.note,
    )
