import pytest
from django.core.management import call_command

from patientportal.accounts.models import User
from patientportal.clinics.features import Feature, clinic_features
from patientportal.clinics.models import Clinic, StaffMembership
from patientportal.patients.models import Patient, PortalAccess

pytestmark = pytest.mark.django_db


def counts():
    return (
        Clinic.objects.count(),
        User.objects.count(),
        StaffMembership.objects.count(),
        Patient.objects.count(),
        PortalAccess.objects.count(),
    )


def test_seed_demo_creates_both_plans_and_is_idempotent(capsys):
    call_command("seed_demo")
    first = counts()
    call_command("seed_demo")
    assert counts() == first
    riverside, harbor = Clinic.objects.get(slug="riverside"), Clinic.objects.get(slug="harbor")
    assert Feature.SHOP not in clinic_features(riverside)
    assert Feature.DOCUMENT_SIGNING in clinic_features(harbor)
    assert PortalAccess.objects.values("patient").distinct().count() >= 3
    maria = User.objects.get(email="maria@patient.example")
    assert maria.portal_accesses.count() == 3
    assert maria.check_password("portal-demo-2026")
    nurse = User.objects.get(email="nurse@harbor.example")
    assert nurse.staff_memberships.get().clinic == harbor
    assert nurse.portal_accesses.get().clinic == riverside
    assert "maria@patient.example" in capsys.readouterr().out


def test_if_empty_leaves_an_existing_database_alone(capsys):
    Clinic.objects.create(name="Real Clinic", slug="real")
    call_command("seed_demo", "--if-empty")
    assert Clinic.objects.count() == 1
    assert "already has clinics" in capsys.readouterr().out
