import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from patientportal.accounts.emails import normalize_email
from patientportal.accounts.models import User
from patientportal.audit import services as audit
from patientportal.audit.transitions import transition
from patientportal.clinics.models import Clinic
from patientportal.patients.choices import AccessLevel, InvitationStatus, PortalAccessStatus, PortalStatus, Relationship
from patientportal.patients.errors import PatientError
from patientportal.patients.machines import INVITATION, PORTAL_ACCESS, PORTAL_STATUS
from patientportal.patients.models import Invitation, Patient, PortalAccess

PATIENT_EDITABLE_FIELDS = ("first_name", "last_name", "date_of_birth", "email", "phone")


@transaction.atomic
def patient_create(
    *,
    clinic: Clinic,
    first_name: str,
    last_name: str,
    date_of_birth: datetime.date,
    email: str = "",
    phone: str = "",
    actor: User,
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
def patient_update(*, patient: Patient, changes: Mapping[str, Any], actor: User) -> Patient:
    """Apply the given field values; the audit event names the fields changed (never their values).
    A new email address revokes the invitations still pending for the old one."""
    if changes.get("email"):
        changes = {**changes, "email": normalize_email(changes["email"])}
    patient = patient_lock(patient)
    changed = [
        field for field in PATIENT_EDITABLE_FIELDS if field in changes and getattr(patient, field) != changes[field]
    ]
    if not changed:
        return patient
    for field in changed:
        setattr(patient, field, changes[field])
    patient.save(update_fields=[*changed, "updated_at"])
    if "email" in changed:
        _revoke_invitations_to_other_addresses(patient, actor=actor)
    audit.record(
        action="patients.patient.updated",
        actor=actor,
        clinic=patient.clinic,
        patient=patient,
        obj=patient,
        metadata={"fields": changed},
    )
    return patient


def patient_record_viewed(*, patient: Patient, actor: User, what: str = "overview") -> None:
    """Every view of a patient's record is audited (HIPAA audit controls cover reads)."""
    audit.record(
        action="patients.patient.viewed",
        actor=actor,
        clinic=patient.clinic,
        patient=patient,
        obj=patient,
        metadata={"page": what},
    )


@dataclass(frozen=True)
class LinkTerms:
    """Who the account is to the patient and what it may open: the patient's own link, or a proxy's."""

    relationship: str = Relationship.SELF
    level: str = AccessLevel.FULL
    proxy_name: str = ""


OWN_LINK = LinkTerms()


@transaction.atomic
def portal_access_grant(*, user: User, patient: Patient, actor: User, terms: LinkTerms = OWN_LINK) -> PortalAccess:
    """Link an account to a patient record (or re-activate the link), on the given terms: an
    invitation accepted again says anew who the account is to the patient and what it may open."""
    fields = {"relationship": terms.relationship, "level": terms.level, "proxy_name": terms.proxy_name}
    metadata = {"relationship": terms.relationship, "level": terms.level}
    try:
        with transaction.atomic():
            access = PortalAccess.objects.create(user=user, patient=patient, clinic=patient.clinic, **fields)
    except IntegrityError:
        access = PortalAccess.objects.select_for_update().get(user=user, patient=patient)
        for name, value in fields.items():
            setattr(access, name, value)
        access.save(update_fields=list(fields))
        if access.status != PortalAccessStatus.ACTIVE:
            transition(
                machine=PORTAL_ACCESS,
                obj=access,
                to=PortalAccessStatus.ACTIVE,
                actor=actor,
                fields={"status_changed_at": timezone.now()},
                audit_action="patients.portal_access.granted",
                audit_metadata=metadata,
            )
            return access
    audit.record(
        action="patients.portal_access.granted",
        actor=actor,
        clinic=patient.clinic,
        patient=patient,
        obj=access,
        metadata=metadata,
    )
    return access


def patient_lock(patient: Patient) -> Patient:
    """Re-read the patient under a row lock. Every portal-access and invitation
    change of a patient takes this lock first, so they happen one at a time."""
    locked = Patient.objects.select_for_update().get(pk=patient.pk)
    locked.clinic = patient.clinic
    return locked


def portal_status_move(*, patient: Patient, to: str, actor: User, now: datetime.datetime) -> None:
    transition(
        machine=PORTAL_STATUS,
        obj=patient,
        to=to,
        actor=actor,
        fields={"portal_status_changed_at": now},
        audit_action=f"patients.portal.{'enabled' if to == PortalStatus.ENABLED else 'disabled'}",
    )


def invitation_revoke_locked(invitation: Invitation, *, actor: User | None, now: datetime.datetime, why: str) -> None:
    """Revoke a pending invitation; the caller holds the patient's lock."""
    transition(
        machine=INVITATION,
        obj=invitation,
        to=InvitationStatus.REVOKED,
        actor=actor,
        fields={"revoked_by": actor, "revoked_at": now},
        audit_action="patients.invitation.revoked",
        audit_metadata={"why": why},
    )


@transaction.atomic
def portal_enable(*, patient: Patient, email: str, actor: User, now: datetime.datetime | None = None) -> Patient:
    """Allow the record to be used in the portal, with the email invitations go to.
    After a disable, the earlier links stay off: a new invitation is needed."""
    now = now or timezone.now()
    locked = patient_lock(patient)
    address = normalize_email(email)
    if not address:
        raise PatientError("no_email")
    if locked.email != address:
        locked.email = address
        locked.save(update_fields=["email", "updated_at"])
        audit.record(
            action="patients.patient.updated",
            actor=actor,
            clinic=locked.clinic,
            patient=locked,
            obj=locked,
            metadata={"fields": ["email"]},
        )
        _revoke_invitations_to_other_addresses(locked, actor=actor)
    portal_status_move(patient=locked, to=PortalStatus.ENABLED, actor=actor, now=now)
    return locked


def _revoke_invitations_to_other_addresses(patient: Patient, *, actor: User) -> None:
    """An invitation sent to an address the record no longer has must stop working. Only the
    patient's own: a proxy's invitation goes to the proxy's address, not the record's."""
    now = timezone.now()
    pending = Invitation.objects.for_patient(patient).to_patient().pending_at(now)
    for invitation in pending.exclude(email=patient.email):
        invitation_revoke_locked(invitation, actor=actor, now=now, why="email changed")


@transaction.atomic
def portal_disable(*, patient: Patient, actor: User, now: datetime.datetime | None = None) -> Patient:
    """End the record's portal use at once: every link is disabled (open sessions
    lose it on their next request) and every pending invitation is revoked.
    Appointments, orders and documents are untouched."""
    now = now or timezone.now()
    locked = patient_lock(patient)
    portal_status_move(patient=locked, to=PortalStatus.DISABLED, actor=actor, now=now)
    revoked = links = 0
    for invitation in Invitation.objects.for_patient(locked).pending_at(now):
        invitation_revoke_locked(invitation, actor=actor, now=now, why="portal disabled")
        revoked += 1
    for access in PortalAccess.objects.for_patient(locked).active():
        transition(
            machine=PORTAL_ACCESS,
            obj=access,
            to=PortalAccessStatus.DISABLED,
            actor=actor,
            fields={"status_changed_at": now},
            audit_action="patients.portal_access.disabled",
        )
        links += 1
    audit.record(
        action="patients.portal.disabled_effects",
        actor=actor,
        clinic=locked.clinic,
        patient=locked,
        obj=locked,
        metadata={"invitations_revoked": revoked, "links_disabled": links},
    )
    return locked
