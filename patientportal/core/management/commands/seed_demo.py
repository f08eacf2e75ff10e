"""Demo data for trying the portal: two clinics on different plans, their
staff, and patients with portal access. Safe to run again: what exists is
left as it is."""

import datetime

from allauth.account.models import EmailAddress
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from patientportal.accounts.models import User
from patientportal.clinics.choices import Role
from patientportal.clinics.features import AddOn, Plan
from patientportal.clinics.models import Clinic, StaffMembership
from patientportal.clinics.services import clinic_create
from patientportal.patients.models import Patient
from patientportal.patients.services import patient_create, portal_access_grant

DEMO_PASSWORD = "portal-demo-2026"  # noqa: S105 - published demo password

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

# (clinic, first, last, date of birth, email, phone, account that may use the record)
PATIENTS = [
    ("riverside", "Maria", "Garcia", "1984-03-12", "maria@patient.example", "+1 555 0101", "maria@patient.example"),
    ("riverside", "Chen", "Li", "1990-11-02", "chen@patient.example", "+1 555 0102", "chen@patient.example"),
    ("riverside", "Priya", "Patel", "1979-06-30", "nurse@harbor.example", "+1 555 0103", "nurse@harbor.example"),
    ("riverside", "James", "Wilson", "1958-01-21", "james.wilson@patient.example", "+1 555 0104", None),
    ("riverside", "Aisha", "Khan", "2001-09-14", "", "+1 555 0105", None),
    ("riverside", "Robert", "Miller", "1947-12-05", "r.miller@patient.example", "", None),
    ("harbor", "Maria", "Garcia", "1984-03-12", "maria@patient.example", "+1 555 0101", "maria@patient.example"),
    ("harbor", "Leo", "Garcia", "2015-07-08", "maria@patient.example", "+1 555 0101", "maria@patient.example"),
    ("harbor", "Olivia", "Brown", "1995-04-25", "olivia@patient.example", "+1 555 0201", "olivia@patient.example"),
    ("harbor", "Noah", "Davis", "1988-08-19", "noah.davis@patient.example", "+1 555 0202", None),
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
        for slug, first, last, born, email, phone, account in PATIENTS:
            self._patient(clinics[slug], first, last, born, email, phone, account, operator)

    def _clinic(self, spec: dict, operator: User) -> Clinic:
        existing = Clinic.objects.filter(slug=spec["slug"]).first()
        if existing:
            return existing
        demo_user(spec["owner"], "Owner", spec["name"].split()[0])
        fields = {key: value for key, value in spec.items() if key != "owner"}
        return clinic_create(owner_email=spec["owner"], actor=operator, **fields)

    def _patient(
        self,
        clinic: Clinic,
        first: str,
        last: str,
        born: str,
        email: str,
        phone: str,
        account: str | None,
        operator: User,
    ) -> None:
        patient = Patient.objects.for_clinic(clinic).filter(first_name=first, last_name=last).first()
        if patient is None:
            patient = patient_create(
                clinic=clinic,
                first_name=first,
                last_name=last,
                date_of_birth=datetime.date.fromisoformat(born),
                email=email,
                phone=phone,
                actor=operator,
            )
        if account and not patient.portal_accesses.filter(user__email=account).exists():
            portal_access_grant(user=demo_user(account, first, last), patient=patient, actor=operator)

    def _print_logins(self) -> None:
        lines = [
            "",
            f"Demo logins (password for all: {DEMO_PASSWORD})",
            "  Patients",
            "    maria@patient.example   Maria Garcia: Riverside and Harbor, plus her son Leo at Harbor",
            "    chen@patient.example    Chen Li at Riverside (Professional plan)",
            "    olivia@patient.example  Olivia Brown at Harbor (Premium + Portal Add-on)",
            "  Clinic staff",
            "    owner@riverside.example      owner, Riverside Family Practice",
            "    frontdesk@riverside.example  staff, Riverside Family Practice",
            "    owner@harbor.example         owner, Harbor Dermatology & Wellness",
            "    nurse@harbor.example         staff at Harbor, and a patient at Riverside",
            "  Operator (Django admin at /operator/)",
            f"    {OPERATOR_EMAIL}",
            "",
        ]
        self.stdout.write("\n".join(lines))
