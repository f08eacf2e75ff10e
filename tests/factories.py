import datetime

import factory
from allauth.account.models import EmailAddress
from django.utils import timezone

from patientportal.accounts.models import User
from patientportal.catalog.models import Product
from patientportal.clinics.choices import Role
from patientportal.clinics.features import AddOn, Plan
from patientportal.clinics.models import Clinic, StaffMembership
from patientportal.patients.choices import PortalStatus
from patientportal.patients.models import Patient, PortalAccess
from patientportal.scheduling.models import Appointment, AppointmentRequest, AppointmentType, Location, Provider

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    """An account with a verified email address and the password PASSWORD."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def verified(self, create: bool, extracted: bool | None, **kwargs: object) -> None:
        if create:
            EmailAddress.objects.create(
                user=self, email=self.email, primary=True, verified=True if extracted is None else extracted
            )


class ClinicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Clinic

    name = factory.Sequence(lambda n: f"Clinic {n}")
    slug = factory.Sequence(lambda n: f"clinic-{n}")
    time_zone = "America/New_York"
    plan = Plan.PREMIUM
    add_ons = factory.LazyFunction(lambda: [AddOn.PORTAL])


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffMembership

    user = factory.SubFactory(UserFactory)
    clinic = factory.SubFactory(ClinicFactory)
    role = Role.STAFF


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient

    clinic = factory.SubFactory(ClinicFactory)
    first_name = factory.Sequence(lambda n: f"First{n}")
    last_name = factory.Sequence(lambda n: f"Last{n}")
    date_of_birth = datetime.date(1980, 5, 17)
    email = factory.Sequence(lambda n: f"patient{n}@example.com")


class PortalAccessFactory(factory.django.DjangoModelFactory):
    """A working link: the patient's portal access is enabled as well."""

    class Meta:
        model = PortalAccess
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    patient = factory.SubFactory(PatientFactory)
    clinic = factory.SelfAttribute("patient.clinic")

    @factory.post_generation
    def enable_patient(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create and self.patient.portal_status != PortalStatus.ENABLED:
            Patient.objects.filter(pk=self.patient.pk).update(portal_status=PortalStatus.ENABLED)
            self.patient.portal_status = PortalStatus.ENABLED


class ProviderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Provider

    clinic = factory.SubFactory(ClinicFactory)
    name = factory.Sequence(lambda n: f"Dr. Provider {n}")
    credentials = "MD"


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Location

    clinic = factory.SubFactory(ClinicFactory)
    name = factory.Sequence(lambda n: f"Office {n}")
    address = "1 Main Street"


class AppointmentTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AppointmentType

    clinic = factory.SubFactory(ClinicFactory)
    name = factory.Sequence(lambda n: f"Visit type {n}")
    duration_minutes = 30


class AppointmentFactory(factory.django.DjangoModelFactory):
    """Built directly (no overlap check): for setting up reads. Bookings go through the service."""

    class Meta:
        model = Appointment

    patient = factory.SubFactory(PatientFactory)
    clinic = factory.SelfAttribute("patient.clinic")
    provider = factory.SubFactory(ProviderFactory, clinic=factory.SelfAttribute("..clinic"))
    appointment_type = factory.SubFactory(AppointmentTypeFactory, clinic=factory.SelfAttribute("..clinic"))
    starts_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=1))
    duration_minutes = 30
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + datetime.timedelta(minutes=o.duration_minutes))
    created_by = factory.SubFactory(UserFactory)


class AppointmentRequestFactory(factory.django.DjangoModelFactory):
    """Built directly (no policy check): for setting up reads. Requests go through the service."""

    class Meta:
        model = AppointmentRequest

    patient = factory.SubFactory(PatientFactory)
    clinic = factory.SelfAttribute("patient.clinic")
    appointment_type = factory.SubFactory(AppointmentTypeFactory, clinic=factory.SelfAttribute("..clinic"))
    windows = factory.LazyFunction(
        lambda: [
            {"day": (timezone.now() + datetime.timedelta(days=days)).date().isoformat(), "part": part}
            for days, part in ((2, "morning"), (3, "afternoon"))
        ]
    )
    reason = "Check-up"
    created_by = factory.SubFactory(UserFactory)


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    clinic = factory.SubFactory(ClinicFactory)
    name = factory.Sequence(lambda n: f"Product {n}")
    category = "supplements"
    price_cents = 1500
    stock = 10
