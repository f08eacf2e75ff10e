"""The state machines of patient records, portal links and invitations,
moved only by `audit.transitions.transition`."""

from patientportal.audit.transitions import Machine
from patientportal.patients.choices import (
    INVITATION_TRANSITIONS,
    PORTAL_ACCESS_TRANSITIONS,
    PORTAL_STATUS_TRANSITIONS,
    InvitationStatus,
    PortalAccessStatus,
    PortalStatus,
)
from patientportal.patients.errors import PatientError
from patientportal.patients.models import Invitation, Patient, PortalAccess


def _refuse_portal_status(machine: Machine, current: str, wanted: str) -> PatientError:
    return PatientError("portal_already_enabled" if wanted == PortalStatus.ENABLED else "portal_not_active")


PORTAL_STATUS = Machine(
    name="patients.patient.portal_status",
    model=Patient,
    field="portal_status",
    states=PortalStatus,
    table=PORTAL_STATUS_TRANSITIONS,
    refuse=_refuse_portal_status,
    patient_of=lambda patient: patient,
)
PORTAL_ACCESS = Machine(
    name="patients.portal_access.status",
    model=PortalAccess,
    field="status",
    states=PortalAccessStatus,
    table=PORTAL_ACCESS_TRANSITIONS,
    refuse=lambda machine, current, wanted: PatientError("portal_not_active"),
)
INVITATION = Machine(
    name="patients.invitation.status",
    model=Invitation,
    field="status",
    states=InvitationStatus,
    table=INVITATION_TRANSITIONS,
    refuse=lambda machine, current, wanted: PatientError("not_pending"),
)
