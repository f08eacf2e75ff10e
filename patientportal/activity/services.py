"""Reading the clinic's audit trail is itself audited: who looked, at what (the filters, never
a search's text), and who downloaded it. A trail narrowed to one patient names that patient, so
the reading shows in the patient's own "Who viewed my record"."""

from patientportal.accounts.models import User
from patientportal.activity.selectors import TrailFilter
from patientportal.audit import services as audit
from patientportal.clinics.models import Clinic
from patientportal.patients.models import Patient


def _filters(filters: TrailFilter, *, kind: str, searched: bool) -> dict[str, object]:
    return {
        "patients": list(filters.patient_ids) if filters.patient_ids is not None else None,
        "searched": searched,
        "staff_member": filters.actor_id,
        "kind": kind,
        "since": filters.since.isoformat() if filters.since else None,
        "until": filters.until.isoformat() if filters.until else None,
    }


def audit_trail_viewed(
    *,
    clinic: Clinic,
    filters: TrailFilter,
    kind: str,
    searched: bool,
    patient: Patient | None,
    shown: int,
    actor: User,
) -> None:
    """A page of the clinic's trail was shown (`patient`: the one patient it was narrowed to)."""
    audit.record(
        action="audit.trail.viewed",
        actor=actor,
        clinic=clinic,
        patient=patient,
        metadata={**_filters(filters, kind=kind, searched=searched), "shown": shown},
    )


def audit_trail_exported(
    *, clinic: Clinic, filters: TrailFilter, kind: str, searched: bool, patient: Patient | None, actor: User
) -> None:
    """The clinic's trail, as filtered, was downloaded as CSV (written before the first row is sent)."""
    audit.record(
        action="audit.trail.exported",
        actor=actor,
        clinic=clinic,
        patient=patient,
        metadata=_filters(filters, kind=kind, searched=searched),
    )
