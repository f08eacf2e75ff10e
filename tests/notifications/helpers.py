from patientportal.clinics.choices import Role
from patientportal.clinics.models import StaffMembership
from patientportal.core.models import EmailDelivery
from patientportal.notifications.models import Notification
from tests.factories import MembershipFactory


def team(world) -> dict[str, StaffMembership]:
    """Clinic A's members by role: the world's owner and staff member, plus an admin and a provider."""
    MembershipFactory(clinic=world.clinic_a, role=Role.ADMIN, user__email="admin@alpha.example")
    MembershipFactory(clinic=world.clinic_a, role=Role.PROVIDER, user__email="provider@alpha.example")
    return {member.role: member for member in StaffMembership.objects.filter(clinic=world.clinic_a)}


def told(kind: str | None = None) -> dict[str, str]:
    """Who was notified (by email address) and how each was to be emailed."""
    rows = Notification.objects.select_related("membership__user")
    if kind:
        rows = rows.filter(kind=kind)
    return {row.membership.user.email: row.email for row in rows}


def emailed_at_once() -> list[str]:
    """The addresses of the notification emails queued (one each), sorted."""
    return sorted(EmailDelivery.objects.filter(about_type="notifications.notification").values_list("to", flat=True))
