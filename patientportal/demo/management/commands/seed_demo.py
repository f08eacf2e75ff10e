"""Demo data for trying the portal: two clinics on different plans, their
staff, and patients in every portal-access situation, with invitations in
every status. Safe to run again: what exists is left as it is."""

import datetime
from typing import Any, TypedDict

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from patientportal.accounts.models import User
from patientportal.catalog.models import Product
from patientportal.catalog.services import product_save
from patientportal.clinics.choices import Role
from patientportal.clinics.features import AddOn, Feature, Plan, clinic_has_feature
from patientportal.clinics.models import Clinic, StaffMembership
from patientportal.clinics.services import clinic_create, clinic_settings_update
from patientportal.demo.appointment_requests import seed_appointment_policy, seed_requests
from patientportal.demo.files import demo_pdf, demo_scan_png
from patientportal.demo.history import record_demo_visits
from patientportal.demo.images import demo_product_image
from patientportal.demo.self_booking import seed_self_booking
from patientportal.documents.choices import SignatureMethod
from patientportal.documents.models import Document
from patientportal.documents.services import document_sign, document_upload
from patientportal.documents.signature_input import typed_signature_png
from patientportal.orders.cart import cart_add_item
from patientportal.orders.models import Order
from patientportal.orders.services import order_complete, order_mark_ready, order_place
from patientportal.patients.choices import AccessLevel, Relationship
from patientportal.patients.invitations import (
    Proxy,
    invitation_accept,
    invitation_revoke,
    invitation_send,
    invitation_url,
)
from patientportal.patients.models import Patient
from patientportal.patients.services import patient_create, portal_disable, portal_enable
from patientportal.payments.providers import ProviderEvent, ProviderEventKind
from patientportal.payments.services import order_refund, order_refund_partial, payment_event_apply, payment_start
from patientportal.scheduling.clock import local_to_aware
from patientportal.scheduling.models import Appointment, AppointmentType, Location, Provider
from patientportal.scheduling.reminders import appointment_reminders_send
from patientportal.scheduling.selectors import day_bounds
from patientportal.scheduling.services import (
    appointment_book,
    appointment_set_status,
    appointment_update,
    setup_item_save,
)

DEMO_PASSWORD = "portal-demo-2026"  # noqa: S105 - published demo password
TWO_DAYS = datetime.timedelta(hours=48)


class ClinicSpec(TypedDict):
    slug: str
    name: str
    time_zone: str
    currency: str
    tax_rate_bp: int
    plan: str
    add_ons: list[str]
    owner: str
    contact: dict[str, str]


class SchedulingSpec(TypedDict):
    providers: list[tuple[str, str]]
    locations: list[tuple[str, str, str]]
    types: list[tuple[str, int, str]]


CLINICS: list[ClinicSpec] = [
    {
        "slug": "riverside",
        "name": "Riverside Family Practice",
        "time_zone": "America/New_York",
        "currency": "USD",
        "tax_rate_bp": 0,
        "plan": Plan.PROFESSIONAL,
        "add_ons": [],
        "owner": "owner@riverside.example",
        # 555-0100 to 555-0199: numbers reserved for fiction, they reach no one.
        "contact": {
            "phone": "+1 617-555-0142",
            "email": "appointments@riverside.example",
            "website": "https://riverside.example",
            "street": "120 Main Street",
            "city": "Springfield",
            "region": "MA",
            "postal_code": "01105",
            "country": "United States",
        },
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
        "contact": {
            "phone": "+1 619-555-0187",
            "email": "hello@harbor.example",
            "website": "https://harbor.example",
            "street": "900 Bayfront Drive",
            "street_2": "Suite 200",
            "city": "San Diego",
            "region": "CA",
            "postal_code": "92101",
            "country": "United States",
        },
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
    # Leo is 11 and has no email of his own: his guardians use his record as proxies (GUARDIANS).
    ("harbor", "Leo", "Garcia", "2015-07-08", "", "+1 555 0101", None, None),
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

# Leo's guardians (issue 16, part 3): each with their own account, invited to their own address.
# (email, first name, last name, access level)
GUARDIANS = [
    ("maria@patient.example", "Maria", "Garcia", AccessLevel.FULL),
    ("daniel@patient.example", "Daniel", "Garcia", AccessLevel.APPOINTMENTS_DOCUMENTS),
]

OPERATOR_EMAIL = "operator@portal.example"

CONSENT_PARAGRAPHS = [
    "I agree to examination and treatment by the providers of this clinic. The nature, benefits and risks of "
    "the care proposed will be explained to me, and I may ask questions at any time.",
    "I understand that no guarantee is made about the results of treatment, and that I may refuse or stop "
    "treatment at any time by telling the clinic.",
    "This is a demonstration document created by the demo data of the Patient Portal.",
]
PRIVACY_PARAGRAPHS = [
    "I acknowledge that I received the clinic's notice of privacy practices, which explains how my health "
    "information may be used and shared, and my rights about it.",
    "This is a demonstration document created by the demo data of the Patient Portal.",
]
INTAKE_PARAGRAPHS = [
    "Allergies reported: none known. Current medications: none. Skin conditions: mild acne since 2019.",
    "I confirm that the information above is complete and correct to the best of my knowledge, and I will "
    "tell the clinic about any change.",
    "This is a demonstration document created by the demo data of the Patient Portal.",
]
LAB_PARAGRAPHS = [
    "Total cholesterol: 182 mg/dL (reference below 200).",
    "LDL: 104 mg/dL. HDL: 58 mg/dL. Triglycerides: 98 mg/dL.",
    "Demonstration values only.",
]

# Per clinic: providers (name, credentials), locations (name, address, phone), appointment types (name, minutes, colour)
SCHEDULING: dict[str, SchedulingSpec] = {
    "riverside": {
        "providers": [("Dr. Ana Ruiz", "MD"), ("Sam Lee", "NP"), ("Kelly Moore", "RN")],
        "locations": [
            ("Main Street Clinic", "120 Main Street, Springfield", "+1 617-555-0142"),
            ("Northside Office", "48 Oak Avenue, Suite 3", "+1 617-555-0143"),
        ],
        "types": [
            ("Annual physical", 60, "#0b5cad"),
            ("Follow-up visit", 20, "#1d6b3a"),
            ("Flu shot", 15, "#8a4b00"),
            ("Telehealth check-in", 15, "#7a3e9d"),
        ],
    },
    "harbor": {
        "providers": [("Dr. Priya Shah", "MD"), ("Jordan Park", "PA-C")],
        "locations": [("Harbor Clinic", "900 Bayfront Drive, Suite 200", "+1 619-555-0187")],
        "types": [
            ("Skin check", 30, "#0f6e6e"),
            ("Consultation", 45, "#0b5cad"),
            ("Laser treatment", 60, "#a3261e"),
            ("Follow-up", 15, "#1d6b3a"),
        ],
    },
}

# (clinic, patient first name, last name, days from today, local hour, minute, type index, provider index,
#  location index or None, final status, notes for the patient)
APPOINTMENTS = [
    ("riverside", "Maria", "Garcia", 3, 9, 30, 0, 0, 0, "confirmed", "Please come fasting: no food after midnight."),
    ("riverside", "Maria", "Garcia", 17, 14, 0, 1, 1, 1, "scheduled", ""),
    ("riverside", "Maria", "Garcia", 8, 11, 0, 2, 2, 0, "cancelled", ""),
    (
        "riverside",
        "Maria",
        "Garcia",
        -40,
        10,
        0,
        1,
        0,
        0,
        "completed",
        "Blood pressure looked good. See you in a year.",
    ),
    ("riverside", "Maria", "Garcia", -120, 8, 45, 2, 2, 0, "completed", ""),
    ("riverside", "Maria", "Garcia", -200, 15, 0, 3, 1, None, "no_show", ""),
    ("riverside", "Chen", "Li", 1, 16, 15, 3, 1, None, "scheduled", "We will call you at your phone number on file."),
    ("riverside", "Chen", "Li", -10, 9, 0, 0, 0, 0, "completed", ""),
    ("riverside", "Priya", "Patel", 6, 8, 0, 2, 2, 1, "confirmed", ""),
    ("riverside", "James", "Wilson", 0, 13, 30, 1, 0, 0, "scheduled", ""),
    ("harbor", "Maria", "Garcia", 5, 10, 0, 0, 0, 0, "confirmed", "Please do not wear makeup or lotion on the day."),
    ("harbor", "Leo", "Garcia", 12, 15, 30, 3, 1, 0, "scheduled", "A parent or guardian must come with Leo."),
    ("harbor", "Leo", "Garcia", -30, 15, 0, 1, 0, 0, "completed", ""),
    ("harbor", "Olivia", "Brown", 2, 11, 0, 2, 0, 0, "confirmed", "Avoid sun exposure for two weeks before treatment."),
    ("harbor", "Olivia", "Brown", -14, 9, 30, 1, 1, 0, "completed", ""),
    ("harbor", "Noah", "Davis", 9, 13, 0, 0, 1, 0, "scheduled", ""),
    ("harbor", "Grace", "Kim", 0, 10, 30, 0, 0, 0, "confirmed", ""),
    ("harbor", "Noah", "Davis", 0, 15, 0, 3, 1, 0, "scheduled", ""),
]
# Today at Riverside, one visit in each state the front desk meets (with James Wilson's above), so the
# schedule's check-in, no-show and complete buttons show in `make run`.
FRONT_DESK_TODAY = [
    ("riverside", "Elena", "Rossi", 0, 8, 30, 2, 2, 0, "completed", ""),
    ("riverside", "Robert", "Miller", 0, 9, 0, 1, 0, 0, "no_show", ""),
    ("riverside", "Chen", "Li", 0, 10, 0, 0, 1, 1, "checked_in", ""),
    ("riverside", "Priya", "Patel", 0, 11, 0, 1, 0, 0, "confirmed", ""),
    ("riverside", "Priya", "Patel", 0, 14, 30, 2, 2, 0, "cancelled", ""),
    ("riverside", "Elena", "Rossi", 0, 15, 0, 3, 1, None, "scheduled", ""),
]
# A visit about a day and a half ahead (Maria at Riverside, a follow-up with Kelly Moore at the
# Northside Office), so its 48-hour reminder is due as soon as the clinic turns reminders on and
# shows in the development outbox: (clinic, first, last, hours from now, type, provider, location)
REMINDED_VISIT = ("riverside", "Maria", "Garcia", 36, 1, 2, 1)
# Appointments the front desk moves after booking, so a "changed" email shows too:
# (clinic, first, last, days from today, hours later)
MOVED_VISITS = [("harbor", "Noah", "Davis", 9, 1)]

# (clinic, name, sku, category, price, stock, flags, shape, colour, description)
# flags: rx, consult, age18, hidden, inactive, untracked, low
PRODUCTS = [
    (
        "harbor",
        "Daily Mineral Sunscreen SPF 50",
        "SUN-050",
        "cosmetics",
        2800,
        40,
        "",
        "tube",
        "#f2b134",
        "Broad-spectrum zinc sunscreen for face and body. Fragrance-free, suitable for sensitive skin.",
    ),
    (
        "harbor",
        "Gentle Hydrating Cleanser",
        "CLN-200",
        "cosmetics",
        1850,
        25,
        "",
        "bottle",
        "#5aa9e6",
        "A soap-free cleanser that keeps the skin barrier intact. 200 ml.",
    ),
    (
        "harbor",
        "Barrier Repair Moisturizer",
        "MOI-100",
        "cosmetics",
        3200,
        3,
        "low",
        "jar",
        "#7fc8a9",
        "Ceramide cream for dry, irritated skin. Use morning and evening.",
    ),
    (
        "harbor",
        "Vitamin D3 2000 IU",
        "SUP-D3",
        "supplements",
        1400,
        60,
        "",
        "bottle",
        "#e07a5f",
        "One softgel a day with food. 90 softgels.",
    ),
    (
        "harbor",
        "Omega-3 Fish Oil",
        "SUP-O3",
        "supplements",
        2200,
        0,
        "",
        "bottle",
        "#3d5a80",
        "Purified fish oil, 1000 mg. 120 capsules. Currently out of stock.",
    ),
    (
        "harbor",
        "Biotin Hair, Skin & Nails",
        "SUP-BIO",
        "supplements",
        1900,
        18,
        "",
        "jar",
        "#b56576",
        "Biotin with zinc and selenium. 60 capsules.",
    ),
    (
        "harbor",
        "Tretinoin Cream 0.025%",
        "RX-TRE",
        "medications",
        6500,
        12,
        "rx age18",
        "tube",
        "#9a8c98",
        "Prescription retinoid for acne and photo-ageing. The clinic reviews your order before you can pay.",
    ),
    (
        "harbor",
        "Hydroquinone 4% Cream",
        "RX-HQ4",
        "medications",
        5400,
        8,
        "rx consult age18",
        "tube",
        "#6d597a",
        "Prescription treatment for dark spots. Requires a consultation first.",
    ),
    (
        "harbor",
        "Benzoyl Peroxide 5% Gel",
        "MED-BP5",
        "medications",
        1600,
        30,
        "",
        "tube",
        "#e5989b",
        "Over-the-counter acne treatment. Start every other day.",
    ),
    (
        "harbor",
        "LED Light Therapy Mask",
        "DEV-LED",
        "devices",
        19900,
        4,
        "consult low",
        "box",
        "#2a9d8f",
        "Red and near-infrared light mask for home use. Ask the clinic whether it suits your skin.",
    ),
    (
        "harbor",
        "Digital Skin Thermometer",
        "DEV-THM",
        "devices",
        3500,
        9,
        "",
        "box",
        "#577590",
        "Contact-free thermometer with a memory of 32 readings.",
    ),
    (
        "harbor",
        "Chemical Peel Session",
        "SRV-PEEL",
        "services",
        15000,
        0,
        "consult untracked",
        "box",
        "#bc4749",
        "A 45-minute in-clinic peel. After purchase the clinic calls you to book a time.",
    ),
    (
        "harbor",
        "Skin Consultation Voucher",
        "SRV-CONS",
        "services",
        9500,
        0,
        "untracked",
        "box",
        "#386641",
        "A 30-minute consultation with a dermatology provider.",
    ),
    (
        "harbor",
        "Reusable Ice Roller",
        "OTH-ICE",
        "other",
        1500,
        22,
        "",
        "box",
        "#90e0ef",
        "Soothes and de-puffs. Keep it in the freezer.",
    ),
    (
        "harbor",
        "Silk Pillowcase",
        "OTH-SILK",
        "other",
        4500,
        6,
        "hidden",
        "box",
        "#cdb4db",
        "Not shown in the portal: an example of a hidden product.",
    ),
    (
        "harbor",
        "Old Formula Night Cream",
        "OLD-NC",
        "cosmetics",
        2500,
        5,
        "inactive",
        "jar",
        "#adb5bd",
        "Discontinued: an example of an inactive product.",
    ),
    (
        "riverside",
        "Blood Pressure Monitor",
        "BPM-01",
        "devices",
        5900,
        7,
        "",
        "box",
        "#0b5cad",
        "Upper-arm monitor with memory for two users.",
    ),
    (
        "riverside",
        "Multivitamin for Adults",
        "MV-ADULT",
        "supplements",
        1700,
        50,
        "",
        "bottle",
        "#f4a261",
        "One tablet a day. 100 tablets.",
    ),
]
# How each final status is reached from "scheduled", through the same service staff use.
STATUS_PATHS = {
    "scheduled": [],
    "confirmed": ["confirmed"],
    "checked_in": ["checked_in"],
    "cancelled": ["cancelled"],
    "no_show": ["no_show"],
    "completed": ["checked_in", "completed"],
}


def demo_user(email: str, first_name: str = "", last_name: str = "", **extra: bool) -> User:
    """A verified account with the demo password (kept as is if it exists)."""
    user, created = User.objects.get_or_create(
        email=email, defaults={"first_name": first_name, "last_name": last_name, **extra}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    EmailAddress.objects.get_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    return user


def clinic_owner(clinic: Clinic) -> User:
    membership = StaffMembership.objects.filter(clinic=clinic, role=Role.OWNER).first()
    if membership is None:
        raise CommandError(f"{clinic.name} has no owner.")
    return membership.user


def portal_user(patient: Patient) -> User:
    access = patient.portal_accesses.first()
    if access is None:
        raise CommandError(f"{patient.full_name} has no portal account.")
    return access.user


class Command(BaseCommand):
    help = "Create demo clinics, staff and patients (idempotent) and print the demo logins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing (but print the logins) if any clinic exists."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            # It makes a superuser and staff with the password published in the README.
            raise CommandError(
                "seed_demo runs only in development (DEBUG=true): it creates accounts with the published demo password."
            )
        self.invitation_links: list[str] = []
        self.resent_invitation = False
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
            owner = clinic_owner(clinic)
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
        self._guardians(clinics["harbor"])
        for slug, clinic in clinics.items():
            if not clinic.providers.exists():
                self._scheduling(clinic, SCHEDULING[slug])
                self._reminders_on(clinic, operator)
                seed_appointment_policy(clinic=clinic, operator=operator)
                seed_self_booking(clinic=clinic, operator=operator)
            seed_requests(clinic=clinic, portal_user_of=portal_user)
            if not clinic.products.exists():
                self._catalogue(clinic)
            if not Document.objects.for_clinic(clinic).exists():
                self._documents(clinic)
        record_demo_visits(now=timezone.now())  # "Who viewed my record": the front desk, this morning

    def _catalogue(self, clinic: Clinic) -> None:
        staff = clinic_owner(clinic)
        for slug, name, sku, category, price, stock, flags, shape, colour, description in PRODUCTS:
            if slug != clinic.slug:
                continue
            flag_set = set(flags.split())
            values = {
                "name": name,
                "sku": sku,
                "category": category,
                "description": description,
                "price_cents": price,
                "cost_cents": price // 2,
                "taxable": category != "services",
                "track_inventory": "untracked" not in flag_set,
                "reorder_threshold": 5,
                "reorder_quantity": 20,
                "requires_consultation": "consult" in flag_set,
                "requires_prescription": "rx" in flag_set,
                "minimum_age": 18 if "age18" in flag_set else 0,
                "visible_in_portal": "hidden" not in flag_set,
                "active": "inactive" not in flag_set,
            }
            product_save(
                product=Product(clinic=clinic),
                values=values,
                actor=staff,
                initial_stock=stock,
                image=demo_product_image(name, colour, shape),
            )
        if clinic.slug == "harbor":
            self._orders(clinic, staff)

    def _orders(self, clinic: Clinic, staff: User) -> None:
        """Orders in several states, made the way patients and staff make them."""
        olivia = Patient.objects.for_clinic(clinic).get(first_name="Olivia")
        maria = Patient.objects.for_clinic(clinic).get(first_name="Maria")
        by_sku = {product.sku: product for product in Product.objects.for_clinic(clinic)}

        def place(patient: Patient, lines: list[tuple[str, int]], notes: str = "") -> Order:
            user = portal_user(patient)
            for sku, quantity in lines:
                cart_add_item(patient=patient, product=by_sku[sku], quantity=quantity)
            return order_place(patient=patient, notes=notes, actor=user)

        def pay(order: Order, kind: ProviderEventKind = ProviderEventKind.SUCCEEDED, short_by: int = 0) -> None:
            # An order that needs approval is only authorised (captured when staff approve it).
            payment = payment_start(order=order, actor=None, success_url="", cancel_url="")
            payment_event_apply(
                provider=payment.provider,
                event=ProviderEvent(
                    event_id=f"demo:{payment.pk}",
                    kind=kind,
                    event_type=f"demo.{kind}",
                    payment_reference=payment.reference,
                    charge_reference=f"demo_charge_{payment.pk}",
                    amount_cents=payment.amount_cents - short_by,
                    currency=payment.currency,
                ),
            )

        ready = place(olivia, [("CLN-200", 1), ("OTH-ICE", 1)], "I will pick it up on Friday.")
        pay(ready)
        order_mark_ready(order=ready, actor=staff)
        processing = place(olivia, [("SUP-BIO", 1)])
        pay(processing)
        # Awaiting approval, the card authorised: staff "Approve and charge" it.
        pay(place(olivia, [("RX-TRE", 1), ("SUN-050", 1)]), ProviderEventKind.AUTHORISED)
        done = place(maria, [("SUP-D3", 2)])
        pay(done)
        order_mark_ready(order=done, actor=staff)
        order_complete(order=done, actor=staff)
        # Partly refunded: one of the two bottles came back unopened.
        order_refund_partial(
            order=done,
            actor=staff,
            reason="One bottle returned unopened",
            quantities={done.items.get().pk: 1},
            restock=True,
        )
        # Paid, then refunded in full (the clinic could not supply it): Olivia's receipts for both.
        refunded = place(olivia, [("SUN-050", 2)])
        pay(refunded)
        order_refund(order=refunded, actor=staff, reason="Out of stock at the clinic: refunded in full")
        place(maria, [("MED-BP5", 1)])  # placed, not paid yet
        # The provider reported a dollar less than the order's total: flagged, on "Payments needing attention".
        pay(place(maria, [("SUP-BIO", 1)]), short_by=100)
        for sku, quantity in (("SUN-050", 1), ("SUP-D3", 2)):  # and something in Olivia's cart
            cart_add_item(patient=olivia, product=by_sku[sku], quantity=quantity)

    def _scheduling(self, clinic: Clinic, spec: SchedulingSpec) -> None:
        staff = clinic_owner(clinic)
        providers = [
            setup_item_save(instance=Provider(clinic=clinic), values={"name": name, "credentials": creds}, actor=staff)
            for name, creds in spec["providers"]
        ]
        locations = [
            setup_item_save(
                instance=Location(clinic=clinic), values={"name": name, "address": address, "phone": phone}, actor=staff
            )
            for name, address, phone in spec["locations"]
        ]
        types = [
            setup_item_save(
                instance=AppointmentType(clinic=clinic),
                values={"name": name, "duration_minutes": minutes, "colour": colour},
                actor=staff,
            )
            for name, minutes, colour in spec["types"]
        ]
        today = timezone.localtime(timezone.now(), clinic.zone).date()
        for row in [*APPOINTMENTS, *FRONT_DESK_TODAY]:
            slug, first, last, days, hour, minute, type_i, provider_i, location_i, status, notes = row
            if slug != clinic.slug:
                continue
            appointment = appointment_book(
                patient=Patient.objects.for_clinic(clinic).get(first_name=first, last_name=last),
                provider=providers[provider_i],
                appointment_type=types[type_i],
                location=locations[location_i] if location_i is not None else None,
                starts_at=local_to_aware(
                    today + datetime.timedelta(days=days), datetime.time(hour, minute), clinic.zone
                ),
                patient_notes=notes,
                internal_notes="Demo appointment." if days < 0 else "",
                actor=staff,
            )
            for step in STATUS_PATHS[status]:
                appointment = appointment_set_status(appointment=appointment, to=step, actor=staff)
        self._moved_and_reminded_visits(clinic, staff, providers, types, locations)

    def _moved_and_reminded_visits(
        self,
        clinic: Clinic,
        staff: User,
        providers: list[Provider],
        types: list[AppointmentType],
        locations: list[Location],
    ) -> None:
        """A visit moved after booking (a "changed" email) and one a day and a half ahead (a reminder)."""
        today = timezone.localtime(timezone.now(), clinic.zone).date()
        for slug, first, last, days, hours in MOVED_VISITS:
            if slug != clinic.slug:
                continue
            start, end = day_bounds(clinic=clinic, day=today + datetime.timedelta(days=days))
            moved = Appointment.objects.for_clinic(clinic).get(
                patient__first_name=first, patient__last_name=last, starts_at__gte=start, starts_at__lt=end
            )
            appointment_update(
                appointment=moved,
                changes={"starts_at": moved.starts_at + datetime.timedelta(hours=hours)},
                actor=staff,
            )
        slug, first, last, hours, type_i, provider_i, location_i = REMINDED_VISIT
        if slug != clinic.slug:
            return
        # On a quarter hour of the clinic's clock, about `hours` from now.
        local = timezone.localtime(timezone.now() + datetime.timedelta(hours=hours), clinic.zone)
        local = local.replace(minute=local.minute - local.minute % 15, second=0, microsecond=0)
        appointment_book(
            patient=Patient.objects.for_clinic(clinic).get(first_name=first, last_name=last),
            provider=providers[provider_i],
            appointment_type=types[type_i],
            location=locations[location_i],
            starts_at=local,
            actor=staff,
        )

    def _reminders_on(self, clinic: Clinic, operator: User) -> None:
        """The clinic turns on reminders 48 and 2 hours before; those due now go at once (the
        periodic runner of `make run` sends the later ones)."""
        clinic_settings_update(clinic=clinic, changes={"appointment_reminder_hours": [48, 2]}, actor=operator)
        appointment_reminders_send()

    def _documents(self, clinic: Clinic) -> None:
        """Lab results and imaging everywhere; documents to sign and signed ones where signing is in the plan."""
        staff = clinic_owner(clinic)
        maria = Patient.objects.for_clinic(clinic).get(first_name="Maria")
        document_upload(
            data=demo_pdf("Lipid panel — results", LAB_PARAGRAPHS),
            filename="labs.pdf",
            doc_type="lab_result",
            title="Lipid panel",
            description="Fasting blood test.",
            visible_in_portal=True,
            patient=maria,
            actor=staff,
        )
        document_upload(
            data=demo_scan_png(),
            filename="scan.png",
            doc_type="imaging_report",
            title="Imaging (demo picture)",
            visible_in_portal=True,
            patient=maria,
            actor=staff,
        )
        document_upload(
            data=b"Internal note: call back about insurance.\n",
            filename="note.txt",
            doc_type="other",
            title="Front desk note",
            visible_in_portal=False,
            patient=maria,
            actor=staff,
        )
        if not clinic_has_feature(clinic, Feature.DOCUMENT_SIGNING):
            return
        document_upload(
            data=demo_pdf(f"{clinic.name}: consent to treatment", CONSENT_PARAGRAPHS),
            filename="consent.pdf",
            doc_type="consent_form",
            title="Consent to treatment",
            description="Please read and sign before your next visit.",
            signature_due_days=30,
            patient=maria,
            actor=staff,
        )
        signed = document_upload(
            data=demo_pdf(f"{clinic.name}: privacy practices acknowledgement", PRIVACY_PARAGRAPHS),
            filename="privacy.pdf",
            doc_type="consent_form",
            title="Privacy practices acknowledgement",
            signature_due_days=30,
            patient=maria,
            actor=staff,
        )
        olivia = Patient.objects.for_clinic(clinic).get(first_name="Olivia")
        document_upload(
            patient=olivia,
            actor=staff,
            data=demo_pdf(f"{clinic.name}: new patient intake", INTAKE_PARAGRAPHS),
            filename="intake.pdf",
            doc_type="intake_form",
            title="New patient intake form",
            description="Confirms your medical history and allergies.",
            signature_due_days=14,
        )
        document_sign(
            request=signed.signature_request,
            signer=portal_user(maria),
            typed_name=maria.full_name,
            method=SignatureMethod.TYPED,
            signature_png=typed_signature_png(maria.full_name),
            strokes=[],
            consented=True,
            acknowledged=True,
            shown_sha256=signed.sha256,
        )

    def _clinic(self, spec: ClinicSpec, operator: User) -> Clinic:
        existing = Clinic.objects.filter(slug=spec["slug"]).first()
        if existing:
            return existing
        demo_user(spec["owner"], "Owner", spec["name"].split()[0])
        clinic = clinic_create(
            slug=spec["slug"],
            name=spec["name"],
            time_zone=spec["time_zone"],
            currency=spec["currency"],
            tax_rate_bp=spec["tax_rate_bp"],
            plan=spec["plan"],
            add_ons=spec["add_ons"],
            owner_email=spec["owner"],
            actor=operator,
        )
        # Before any patient is invited: every email to a patient shows how to reach the clinic.
        # Reminders are turned on once the demo visits are booked (`_reminders_on`), as a clinic
        # setting up the portal would: the reminders due by then go out at once.
        return clinic_settings_update(
            clinic=clinic, changes={**spec["contact"], "appointment_reminder_hours": []}, actor=operator
        )

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
            if account is None:
                raise CommandError(f"{patient.full_name}: a {situation} record needs an account.")
            if situation == "linked" and not self.resent_invitation:
                # Staff sent a second invitation before the patient used the first: accepting the
                # second ends the first ("No longer needed" on the staff record page).
                _invitation, token = invitation_send(patient=patient, expires_in=TWO_DAYS, actor=staff)
                self.resent_invitation = True
            invitation_accept(token=token, user=demo_user(account, patient.first_name, patient.last_name))
            if situation == "disabled":
                portal_disable(patient=patient, actor=staff)

    def _guardians(self, clinic: Clinic) -> None:
        """Leo's two guardians accept their own invitations, as a parent would."""
        leo = Patient.objects.for_clinic(clinic).get(first_name="Leo")
        if leo.portal_accesses.exists():
            return
        staff = clinic_owner(clinic)
        for email, first, last, level in GUARDIANS:
            proxy = Proxy(f"{first} {last}", email, Relationship.PARENT_GUARDIAN, level)
            _invitation, token = invitation_send(patient=leo, expires_in=TWO_DAYS, actor=staff, proxy=proxy)
            invitation_accept(token=token, user=demo_user(email, first, last))

    def _print_logins(self) -> None:
        lines = [
            "",
            f"Demo logins (password for all: {DEMO_PASSWORD})",
            "  Patients",
            "    maria@patient.example   Maria Garcia: Riverside and Harbor, and her son Leo's record (guardian)",
            "    daniel@patient.example  Daniel Garcia, Leo's second guardian: appointments and documents only",
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
            "  Invitation and appointment emails (booked, changed, cancelled, a reminder) are in the",
            "  development outbox: /dev/outbox/ (signed in as staff).",
            "  Appointment requests: Riverside's queue (/staff/riverside/appointments/requests/) has",
            "  Maria's flu shot and Chen's new time; Maria can cancel her follow-up visit in the portal.",
            "  Self-booking: at Riverside, Book a visit on the portal's Appointments page offers the open",
            "  times of a follow-up visit (working hours: /staff/riverside/setup/providers/).",
        ]
        if self.invitation_links:
            lines.append("  Pending invitation links (open in a private window to try accepting):")
            lines.extend(f"    {link}" for link in self.invitation_links)
        self.stdout.write("\n".join([*lines, ""]))
