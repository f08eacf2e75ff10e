"""Demo data for trying the portal: two clinics on different plans, their
staff, and patients in every portal-access situation, with invitations in
every status. Safe to run again: what exists is left as it is."""

import datetime

from allauth.account.models import EmailAddress
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone

from patientportal.accounts.models import User
from patientportal.clinics.choices import Role
from patientportal.clinics.features import AddOn, Plan
from patientportal.clinics.models import Clinic, StaffMembership
from patientportal.clinics.services import clinic_create
from patientportal.patients.invitations import invitation_accept, invitation_revoke, invitation_send, invitation_url
from patientportal.patients.models import Patient
from patientportal.patients.services import patient_create, portal_disable, portal_enable

DEMO_PASSWORD = "portal-demo-2026"  # noqa: S105 - published demo password
TWO_DAYS = datetime.timedelta(hours=48)

CLINICS = [
    {
        "slug": "riverside",
        "name": "Riverside Family Practice",
        "time_zone": "America/New_York",
        "currency": "USD",
        "tax_rate_bp": 0,
        "plan": Plan.PROFESSIONAL,
        "add_ons": [],
        "owner": "owner@riverside.example",
    },
    {
        "slug": "harbor",
        "name": "Harbor Dermatology & Wellness",
        "time_zone": "America/Los_Angeles",
        "currency": "USD",
        "tax_rate_bp": 725,
        "plan": Plan.PREMIUM,
        "add_ons": [AddOn.PORTAL],
        "owner": "owner@harbor.example",
    },
]

STAFF = [
    ("riverside", "frontdesk@riverside.example", Role.STAFF, "Jordan", "Blake"),
    ("riverside", "dr.ruiz@riverside.example", Role.PROVIDER, "Ana", "Ruiz"),
    ("harbor", "admin@harbor.example", Role.ADMIN, "Kim", "Nguyen"),
    ("harbor", "nurse@harbor.example", Role.STAFF, "Priya", "Patel"),
]

# (clinic, first, last, date of birth, email, phone, portal situation, account using the record)
PATIENTS = [
    (
        "riverside",
        "Maria",
        "Garcia",
        "1984-03-12",
        "maria@patient.example",
        "+1 555 0101",
        "linked",
        "maria@patient.example",
    ),
    ("riverside", "Chen", "Li", "1990-11-02", "chen@patient.example", "+1 555 0102", "linked", "chen@patient.example"),
    (
        "riverside",
        "Priya",
        "Patel",
        "1979-06-30",
        "nurse@harbor.example",
        "+1 555 0103",
        "linked",
        "nurse@harbor.example",
    ),
    ("riverside", "James", "Wilson", "1958-01-21", "james.wilson@patient.example", "+1 555 0104", "expired", None),
    (
        "riverside",
        "Aisha",
        "Khan",
        "2001-09-14",
        "aisha@patient.example",
        "+1 555 0105",
        "disabled",
        "aisha@patient.example",
    ),
    ("riverside", "Robert", "Miller", "1947-12-05", "r.miller@patient.example", "", "revoked", None),
    ("riverside", "Elena", "Rossi", "1972-02-29", "", "+1 555 0106", None, None),
    (
        "harbor",
        "Maria",
        "Garcia",
        "1984-03-12",
        "maria@patient.example",
        "+1 555 0101",
        "linked",
        "maria@patient.example",
    ),
    (
        "harbor",
        "Leo",
        "Garcia",
        "2015-07-08",
        "maria@patient.example",
        "+1 555 0101",
        "linked",
        "maria@patient.example",
    ),
    (
        "harbor",
        "Olivia",
        "Brown",
        "1995-04-25",
        "olivia@patient.example",
        "+1 555 0201",
        "linked",
        "olivia@patient.example",
    ),
    ("harbor", "Noah", "Davis", "1988-08-19", "noah.davis@patient.example", "+1 555 0202", "pending", None),
    ("harbor", "Grace", "Kim", "1966-10-03", "grace.kim@patient.example", "", None, None),
]

OPERATOR_EMAIL = "operator@portal.example"


def demo_user(email: str, first_name: str = "", last_name: str = "", **extra: object) -> User:
    """A verified account with the demo password (kept as is if it exists)."""
    user, created = User.objects.get_or_create(
        email=email, defaults={"first_name": first_name, "last_name": last_name, **extra}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    EmailAddress.objects.get_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    return user


class Command(BaseCommand):
    help = "Create demo clinics, staff and patients (idempotent) and print the demo logins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing (but print the logins) if any clinic exists."
        )

    def handle(self, *args: object, **options: object) -> None:
        self.invitation_links: list[str] = []
        if options["if_empty"] and Clinic.objects.exists():
            self.stdout.write("Demo data not loaded: the database already has clinics.")
        else:
            self._seed()
        # Printed last, after the emails the seeding sends to the console.
        self._print_logins()

    @transaction.atomic
    def _seed(self) -> None:
        operator = demo_user(OPERATOR_EMAIL, "Olu", "Operator", is_staff=True, is_superuser=True)
        clinics = {spec["slug"]: self._clinic(spec, operator) for spec in CLINICS}
        for slug, email, role, first, last in STAFF:
            user = demo_user(email, first, last)
            StaffMembership.objects.get_or_create(user=user, clinic=clinics[slug], defaults={"role": role})
        for slug, first, last, born, email, phone, situation, account in PATIENTS:
            clinic = clinics[slug]
            if Patient.objects.for_clinic(clinic).filter(first_name=first, last_name=last).exists():
                continue
            owner = StaffMembership.objects.filter(clinic=clinic, role=Role.OWNER).first().user
            patient = patient_create(
                clinic=clinic,
                first_name=first,
                last_name=last,
                date_of_birth=datetime.date.fromisoformat(born),
                email=email,
                phone=phone,
                actor=owner,
            )
            if situation:
                self._portal(patient, situation, account, owner)

    def _clinic(self, spec: dict, operator: User) -> Clinic:
        existing = Clinic.objects.filter(slug=spec["slug"]).first()
        if existing:
            return existing
        demo_user(spec["owner"], "Owner", spec["name"].split()[0])
        fields = {key: value for key, value in spec.items() if key != "owner"}
        return clinic_create(owner_email=spec["owner"], actor=operator, **fields)

    def _portal(self, patient: Patient, situation: str, account: str | None, staff: User) -> None:
        """Bring the record into the situation through the same services staff and patients use."""
        now = timezone.now()
        patient = portal_enable(patient=patient, email=patient.email, actor=staff)
        if situation == "expired":
            invitation_send(patient=patient, expires_in=TWO_DAYS, actor=staff, now=now - datetime.timedelta(days=3))
            return
        _invitation, token = invitation_send(patient=patient, expires_in=TWO_DAYS, actor=staff)
        if situation == "pending":
            self.invitation_links.append(f"{patient.full_name} ({patient.clinic.name}): {invitation_url(token)}")
        elif situation == "revoked":
            invitation_revoke(invitation=_invitation, actor=staff)
        elif situation in ("linked", "disabled"):
            invitation_accept(token=token, user=demo_user(account, patient.first_name, patient.last_name))
            if situation == "disabled":
                portal_disable(patient=patient, actor=staff)

    def _print_logins(self) -> None:
        lines = [
            "",
            f"Demo logins (password for all: {DEMO_PASSWORD})",
            "  Patients",
            "    maria@patient.example   Maria Garcia: Riverside and Harbor, plus her son Leo at Harbor",
            "    chen@patient.example    Chen Li at Riverside (Professional plan)",
            "    olivia@patient.example  Olivia Brown at Harbor (Premium + Portal Add-on)",
            "    aisha@patient.example   Aisha Khan, whose portal access Riverside disabled",
            "  Clinic staff",
            "    owner@riverside.example      owner, Riverside Family Practice",
            "    frontdesk@riverside.example  staff, Riverside Family Practice",
            "    owner@harbor.example         owner, Harbor Dermatology & Wellness",
            "    nurse@harbor.example         staff at Harbor, and a patient at Riverside",
            "  Operator (Django admin at /operator/)",
            f"    {OPERATOR_EMAIL}",
            "  Invitation emails are in the development outbox: /dev/outbox/ (signed in as staff).",
        ]
        if self.invitation_links:
            lines.append("  Pending invitation links (open in a private window to try accepting):")
            lines.extend(f"    {link}" for link in self.invitation_links)
        self.stdout.write("\n".join([*lines, ""]))
