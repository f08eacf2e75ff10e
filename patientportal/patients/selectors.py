from django.db.models import Q, QuerySet
from django.http import Http404

from patientportal.accounts.models import User
from patientportal.clinics.models import Clinic
from patientportal.patients.choices import PortalStatus
from patientportal.patients.models import Invitation, Patient, PortalAccess

PATIENT_SORTS = {
    "name": ("last_name", "first_name", "id"),
    "-name": ("-last_name", "-first_name", "-id"),
    "dob": ("date_of_birth", "id"),
    "-dob": ("-date_of_birth", "-id"),
    "created": ("created_at", "id"),
    "-created": ("-created_at", "-id"),
}


def patient_search(*, clinic: Clinic, query: str = "", sort: str = "name") -> QuerySet[Patient]:
    """The clinic's patients whose name, email or phone contains every word of
    `query`. `sort` is looked up in an allow-list; anything else sorts by name."""
    patients = Patient.objects.for_clinic(clinic)
    for word in query.split()[:5]:
        patients = patients.filter(
            Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(email__icontains=word)
            | Q(phone__icontains=word)
        )
    return patients.order_by(*PATIENT_SORTS.get(sort, PATIENT_SORTS["name"]))


def patient_get_for_clinic(*, clinic: Clinic, patient_id: int) -> Patient:
    try:
        patient = Patient.objects.for_clinic(clinic).get(pk=patient_id)
    except Patient.DoesNotExist:
        raise Http404 from None
    patient.clinic = clinic  # already loaded by the caller; saves a query
    return patient


def portal_accesses_for_user(*, user: User) -> list[PortalAccess]:
    """Every record the account may use in the portal, with patient and clinic."""
    return list(
        PortalAccess.objects.active()
        .filter(user=user, patient__portal_status=PortalStatus.ENABLED)
        .select_related("patient__clinic")
        .order_by("clinic__name", "patient__last_name", "patient__first_name", "id")
    )


def portal_users_for_patient(*, patient: Patient) -> list[User]:
    """The accounts that can use this record in the portal now (the patient, or a family member)."""
    if patient.portal_status != PortalStatus.ENABLED:
        return []
    accesses = (
        PortalAccess.objects.for_patient(patient)
        .active()
        .filter(user__is_active=True)
        .select_related("user")
        .order_by("created_at", "id")
    )
    return [access.user for access in accesses]


def portal_accesses_for_patient(*, patient: Patient) -> list[PortalAccess]:
    return list(PortalAccess.objects.for_patient(patient).select_related("user").order_by("created_at", "id"))


def invitations_for_patient(*, patient: Patient) -> list[Invitation]:
    return list(
        Invitation.objects.for_patient(patient)
        .select_related("created_by", "accepted_by", "revoked_by")
        .order_by("-created_at", "-id")
    )


def invitation_get_for_patient(*, patient: Patient, invitation_id: int) -> Invitation:
    try:
        invitation = Invitation.objects.for_patient(patient).get(pk=invitation_id)
    except Invitation.DoesNotExist:
        raise Http404 from None
    invitation.patient = patient
    return invitation
