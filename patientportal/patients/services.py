import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from patientportal.accounts.emails import normalize_email
from patientportal.audit import services as audit
from patientportal.patients.choices import PortalAccessStatus
from patientportal.patients.models import Patient, PortalAccess

PATIENT_EDITABLE_FIELDS = ("first_name", "last_name", "date_of_birth", "email", "phone")


@transaction.atomic
def patient_create(
    *,
    clinic: object,
    first_name: str,
    last_name: str,
    date_of_birth: datetime.date,
    email: str = "",
    phone: str = "",
    actor: object,
) -> Patient:
    patient = Patient.objects.create(
        clinic=clinic,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        date_of_birth=date_of_birth,
        email=normalize_email(email) if email else "",
        phone=phone.strip(),
    )
    audit.record(action="patients.patient.created", actor=actor, clinic=clinic, patient=patient, obj=patient)
    return patient


@transaction.atomic
def patient_update(*, patient: Patient, changes: dict, actor: object) -> Patient:
    """Apply the given field values; the audit event names the fields changed (never their values)."""
    if changes.get("email"):
        changes = {**changes, "email": normalize_email(changes["email"])}
    changed = [
        field for field in PATIENT_EDITABLE_FIELDS if field in changes and getattr(patient, field) != changes[field]
    ]
    if not changed:
        return patient
    for field in changed:
        setattr(patient, field, changes[field])
    patient.save(update_fields=[*changed, "updated_at"])
    audit.record(
        action="patients.patient.updated",
        actor=actor,
        clinic=patient.clinic,
        patient=patient,
        obj=patient,
        metadata={"fields": changed},
    )
    return patient


def patient_record_viewed(*, patient: Patient, actor: object, what: str = "overview") -> None:
    """Every view of a patient's record is audited (HIPAA audit controls cover reads)."""
    audit.record(
        action="patients.patient.viewed",
        actor=actor,
        clinic=patient.clinic,
        patient=patient,
        obj=patient,
        metadata={"page": what},
    )


@transaction.atomic
def portal_access_grant(*, user: object, patient: Patient, actor: object) -> PortalAccess:
    """Link an account to a patient record (or re-activate the link)."""
    try:
        with transaction.atomic():
            access = PortalAccess.objects.create(user=user, patient=patient, clinic=patient.clinic)
    except IntegrityError:
        access = PortalAccess.objects.select_for_update().get(user=user, patient=patient)
        access.status = PortalAccessStatus.ACTIVE
        access.status_changed_at = timezone.now()
        access.save(update_fields=["status", "status_changed_at"])
    audit.record(
        action="patients.portal_access.granted",
        actor=actor,
        clinic=patient.clinic,
        patient=patient,
        obj=access,
    )
    return access
