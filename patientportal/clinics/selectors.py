from django.http import Http404

from patientportal.accounts.models import User
from patientportal.clinics.models import Clinic, StaffMembership


def membership_get_for_user(*, user: User, clinic_slug: str) -> StaffMembership:
    """The user's membership in the clinic named by the URL; 404 if none, so a
    stranger cannot tell whether the clinic exists."""
    try:
        return StaffMembership.objects.select_related("clinic").get(user=user, clinic__slug=clinic_slug)
    except StaffMembership.DoesNotExist:
        raise Http404 from None


def memberships_for_user(*, user: User) -> list[StaffMembership]:
    return list(StaffMembership.objects.filter(user=user).select_related("clinic").order_by("clinic__name"))


def team_for_clinic(*, clinic: Clinic) -> list[StaffMembership]:
    return list(StaffMembership.objects.for_clinic(clinic).select_related("user").order_by("user__email"))


def membership_get_in_clinic(*, clinic: Clinic, membership_id: int) -> StaffMembership:
    try:
        return StaffMembership.objects.for_clinic(clinic).select_related("user", "clinic").get(pk=membership_id)
    except StaffMembership.DoesNotExist:
        raise Http404 from None
