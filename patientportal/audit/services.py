from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeAlias

from django.db import models

from patientportal.audit.models import AuditEvent
from patientportal.core import request_context

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser

    # Who acted: an account, or None for the system. A visitor who is not signed in
    # (`request.user`) is recorded like the system. audit sits below accounts, so it
    # knows the user model only as AbstractBaseUser.
    Actor: TypeAlias = AbstractBaseUser | AnonymousUser | None


@dataclass(frozen=True)
class OnBehalf:
    patient_id: int
    relationship: str


_on_behalf: ContextVar[OnBehalf | None] = ContextVar("audit_on_behalf", default=None)


@contextmanager
def acting_on_behalf(*, patient: models.Model, relationship: str) -> Iterator[None]:
    """While a proxy uses a patient's record (portal.access), every event about that record is
    theirs, marked as done on the patient's behalf, with their relationship at that moment."""
    token = _on_behalf.set(OnBehalf(patient_id=patient.pk, relationship=relationship))
    try:
        yield
    finally:
        _on_behalf.reset(token)


def _with_behalf(metadata: Mapping[str, object] | None, patient: models.Model | None) -> dict[str, object]:
    behalf = _on_behalf.get()
    if behalf is None or patient is None or patient.pk != behalf.patient_id:
        return dict(metadata or {})
    return {**(metadata or {}), "on_behalf_of": behalf.patient_id, "proxy_relationship": behalf.relationship}


def acting_user(actor: "Actor") -> "AbstractBaseUser | None":
    """The account behind `actor`; None for the system or a visitor who is not signed in."""
    return actor if actor is not None and actor.is_authenticated else None


def record(
    *,
    action: str,
    actor: "Actor" = None,
    clinic: models.Model | None = None,
    patient: models.Model | None = None,
    obj: models.Model | None = None,
    metadata: Mapping[str, object] | None = None,
) -> AuditEvent:
    """Write one audit event. Call it inside the service's transaction so the
    event exists exactly when the change does. `action` is a dotted code such
    as "patients.patient.viewed"."""
    info = request_context.current()
    user = acting_user(actor)
    # audit sits below accounts, clinics and patients, so it knows them only as models: it stores their ids.
    return AuditEvent.objects.create(
        actor_id=user.pk if user is not None else None,
        clinic_id=clinic.pk if clinic is not None else None,
        patient_id=patient.pk if patient is not None else None,
        action=action,
        actor_email=getattr(user, "email", "") if user is not None else "",
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        ip_address=info.ip,
        user_agent=info.user_agent,
        request_id=info.request_id if info.request_id != "-" else "",
        metadata=_with_behalf(metadata, patient) if user is not None else dict(metadata or {}),
    )
