import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from patientportal.clinics.choices import Role
from patientportal.clinics.features import Feature, clinic_features
from patientportal.clinics.models import Clinic, StaffMembership

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_creates_the_clinic_and_its_owner():
    call_command(
        "create_clinic",
        "--name",
        "Lakeside Health",
        "--slug",
        "lakeside",
        "--owner-email",
        "Boss@Lakeside.example",
        "--time-zone",
        "Europe/Berlin",
        "--currency",
        "EUR",
        "--tax-rate-bp",
        "1900",
        "--plan",
        "premium",
        "--add-on",
        "portal",
    )
    clinic = Clinic.objects.get(slug="lakeside")
    assert (clinic.time_zone, clinic.currency, clinic.tax_rate_bp) == ("Europe/Berlin", "EUR", 1900)
    assert Feature.DOCUMENT_SIGNING in clinic_features(clinic)
    owner = StaffMembership.objects.get(clinic=clinic)
    assert (owner.user.email, owner.role) == ("boss@lakeside.example", Role.OWNER)
    assert mail.outbox[0].to == ["boss@lakeside.example"]


def test_it_refuses_a_taken_slug_and_a_bad_time_zone():
    call_command("create_clinic", "--name", "A", "--slug", "same", "--owner-email", "a@example.com")
    with pytest.raises(CommandError, match="already uses"):
        call_command("create_clinic", "--name", "B", "--slug", "same", "--owner-email", "b@example.com")
    with pytest.raises(CommandError, match="Unknown time zone"):
        call_command(
            "create_clinic",
            "--name",
            "C",
            "--slug",
            "c",
            "--owner-email",
            "c@example.com",
            "--time-zone",
            "Mars/Olympus",
        )
    assert Clinic.objects.count() == 1
