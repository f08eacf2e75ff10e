from django.db import models

from patientportal.audit.models import AuditEvent
from patientportal.core import request_context


def record(
    *,
    action: str,
    actor: object = None,
    clinic: object = None,
    patient: object = None,
    obj: models.Model | None = None,
    metadata: dict | None = None,
) -> AuditEvent:
    """Write one audit event. Call it inside the service's transaction so the
    event exists exactly when the change does. `action` is a dotted code such
    as "patients.patient.viewed"."""
    info = request_context.current()
    is_user = getattr(actor, "is_authenticated", False)
    return AuditEvent.objects.create(
        action=action,
        actor=actor if is_user else None,
        actor_email=getattr(actor, "email", "") if is_user else "",
        clinic=clinic,
        patient=patient,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        ip_address=info.ip,
        user_agent=info.user_agent,
        request_id=info.request_id if info.request_id != "-" else "",
        metadata=metadata or {},
    )
