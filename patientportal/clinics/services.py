from collections.abc import Mapping

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse

from patientportal.accounts.emails import normalize_email
from patientportal.accounts.models import User
from patientportal.audit import services as audit
from patientportal.clinics.choices import CLINIC_SETTINGS_ROLES, Role
from patientportal.clinics.errors import ClinicError
from patientportal.clinics.features import Plan
from patientportal.clinics.models import Clinic, StaffMembership
from patientportal.core.emails import queue_templated_email


def user_get_or_create_for_email(*, email: str) -> tuple[User, bool]:
    """The account for an address, created without a password if new. The
    person sets one through the password-reset email, which also proves they
    own the mailbox."""
    address = normalize_email(email)
    user, created = User.objects.get_or_create(email=address)
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
        EmailAddress.objects.create(user=user, email=address, primary=True, verified=False)
    return user, created


@transaction.atomic
def clinic_create(
    *,
    name: str,
    slug: str,
    owner_email: str,
    time_zone: str = "UTC",
    currency: str = "USD",
    tax_rate_bp: int = 0,
    plan: str = Plan.PROFESSIONAL,
    add_ons: list[str] | None = None,
    actor: User | None = None,
) -> Clinic:
    """Create a clinic and its first owner (an operator's task)."""
    clinic = Clinic(
        name=name,
        slug=slug,
        time_zone=time_zone,
        currency=currency,
        tax_rate_bp=tax_rate_bp,
        plan=plan,
        add_ons=sorted(set(add_ons or [])),
    )
    clinic.full_clean(validate_unique=False)
    try:
        with transaction.atomic():
            clinic.save()
    except IntegrityError:
        raise ClinicError("slug_taken") from None
    audit.record(action="clinics.clinic.created", actor=actor, clinic=clinic, obj=clinic)
    staff_member_add(clinic=clinic, email=owner_email, role=Role.OWNER, actor=actor)
    return clinic


# What the clinic's owners and admins change on its settings page; the plan, add-ons, currency,
# name and short name stay the operator's.
CLINIC_CONTACT_FIELDS = (
    "phone",
    "email",
    "website",
    "street",
    "street_2",
    "city",
    "region",
    "postal_code",
    "country",
)
CLINIC_SETTINGS_FIELDS = (
    *CLINIC_CONTACT_FIELDS,
    "time_zone",
    "tax_rate_bp",
    "unpaid_order_hours",
    "appointment_reminder_hours",
    "cancellation_window_hours",
    "accepts_appointment_requests",
    "patients_may_book_online",
    "booking_horizon_weeks",
)


@transaction.atomic
def clinic_settings_update(*, clinic: Clinic, changes: Mapping[str, object], actor: User) -> Clinic:
    """Change the clinic's contact details, time zone, tax rate, unpaid-order delay, appointment
    reminder times (kept most hours first, so the same times in another order change nothing) or
    appointment policy (cancellation window, requests, self-booking and its horizon). The audit
    event names each field changed with its old and new value (none of them is about a patient).
    Only the clinic's owners and admins may, or an operator."""
    unknown = sorted(set(changes) - set(CLINIC_SETTINGS_FIELDS))
    if unknown:
        raise ValueError(f"Not a clinic setting: {', '.join(unknown)}")
    if not _may_change_settings(actor, clinic):
        raise ClinicError("settings_not_allowed")
    changes = _normalised(changes)
    locked = Clinic.objects.select_for_update().get(pk=clinic.pk)
    changed = [
        field for field in CLINIC_SETTINGS_FIELDS if field in changes and getattr(locked, field) != changes[field]
    ]
    if not changed:
        return locked
    before = {field: getattr(locked, field) for field in changed}
    for field in changed:
        setattr(locked, field, changes[field])
    locked.full_clean(validate_unique=False)
    locked.save(update_fields=[*changed, "updated_at"])
    audit.record(
        action="clinics.clinic.settings_changed",
        actor=actor,
        clinic=locked,
        obj=locked,
        metadata={
            "fields": changed,
            "changes": {field: {"old": before[field], "new": getattr(locked, field)} for field in changed},
        },
    )
    return locked


def _normalised(changes: Mapping[str, object]) -> Mapping[str, object]:
    hours = changes.get("appointment_reminder_hours")
    if not isinstance(hours, list | tuple) or not all(isinstance(item, int) for item in hours):
        return changes  # left for full_clean() to refuse
    return {**changes, "appointment_reminder_hours": sorted(hours, reverse=True)}


def _may_change_settings(actor: User, clinic: Clinic) -> bool:
    """An owner or admin of this clinic, or an operator (the demo data, support)."""
    return actor.is_staff or (
        StaffMembership.objects.filter(user=actor, clinic=clinic, role__in=CLINIC_SETTINGS_ROLES).exists()
    )


@transaction.atomic
def staff_member_add(*, clinic: Clinic, email: str, role: str, actor: User | None) -> StaffMembership:
    """Give an account (new or existing) a role in the clinic and tell them by email."""
    user, created = user_get_or_create_for_email(email=email)
    try:
        with transaction.atomic():
            membership = StaffMembership.objects.create(user=user, clinic=clinic, role=role)
    except IntegrityError:
        raise ClinicError("already_member") from None
    audit.record(
        action="clinics.staff_member.added",
        actor=actor,
        clinic=clinic,
        obj=membership,
        metadata={"role": role, "email": user.email},
    )
    queue_templated_email(
        template_prefix="clinics/email/staff_added",
        to=user.email,
        about=membership,
        context={
            "clinic": clinic,
            "role": membership.get_role_display(),
            "added_by": actor.get_full_name() if actor else settings.SITE_NAME,
            "needs_password": created or not user.has_usable_password(),
            "login_url": settings.SITE_URL + reverse("account_login"),
            "reset_url": settings.SITE_URL + reverse("account_reset_password"),
        },
    )
    return membership


@transaction.atomic
def staff_member_remove(*, membership: StaffMembership, actor: User) -> None:
    """Takes effect on the removed person's next request."""
    locked = StaffMembership.objects.select_for_update().get(pk=membership.pk)
    if locked.role == Role.OWNER:
        # Lock every owner row of the clinic so two owners cannot remove each other at once.
        owners = list(StaffMembership.objects.select_for_update().filter(clinic_id=locked.clinic_id, role=Role.OWNER))
        if len(owners) <= 1:
            raise ClinicError("last_owner")
    audit.record(
        action="clinics.staff_member.removed",
        actor=actor,
        clinic=locked.clinic,
        obj=locked,
        metadata={"role": locked.role, "email": locked.user.email},
    )
    locked.delete()
