"""Test personas, created once per test: two clinics, each with an owner, a
staff member and patients whose accounts are linked to their records.

- clinic_a: Premium + Portal Add-on; owner_a, staff_a; patient records P1
  (account patient_user_1) and P2 (account patient_user_2).
- clinic_b: Professional; owner_b; patient record PB (account patient_user_b).
"""

from dataclasses import dataclass

import pytest
from django.test import Client

from patientportal.clinics.choices import Role
from patientportal.clinics.features import Plan
from tests.factories import (
    PASSWORD,
    ClinicFactory,
    MembershipFactory,
    PatientFactory,
    PortalAccessFactory,
)
from tests.s3 import moto_endpoint, s3_storage  # noqa: F401 - fixtures: a local S3 server, a bucket as default storage
from tests.seal import seal_files


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Argon2 is what production uses (tested in accounts); tests only need speed.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _uploads_in_a_temporary_folder(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _seal_from_a_temporary_folder(settings):
    """Signed copies are sealed with a key and certificate made once per run (tests/seal.py),
    whatever the developer's environment says."""
    key, certificate = seal_files()
    settings.SEAL_KEY_PATH, settings.SEAL_CERTIFICATE_PATH = str(key), str(certificate)
    settings.SEAL_PKCS12_PATH, settings.SEAL_KEY_PASSWORD, settings.SEAL_PREVIOUS_CERTIFICATE_PATHS = "", "", []


@pytest.fixture(autouse=True)
def _rate_limits_start_at_zero(request):
    """Rate-limit counters live in the cache table, which a transactional test's flush leaves
    alone (it is no model's table): without this, browser and race tests that all come from
    127.0.0.1 add up to a 429 in whichever test happens to run later."""
    marker = request.node.get_closest_marker("django_db")
    if marker is not None and marker.kwargs.get("transaction"):
        from django.core.cache import cache

        request.getfixturevalue("transactional_db")
        cache.clear()


@dataclass
class World:
    clinic_a: object
    clinic_b: object
    owner_a: object
    staff_a: object
    owner_b: object
    p1: object
    p2: object
    pb: object
    patient_user_1: object
    patient_user_2: object
    patient_user_b: object


@pytest.fixture
def world(db) -> World:
    clinic_a = ClinicFactory(name="Alpha Clinic", slug="alpha")
    clinic_b = ClinicFactory(name="Beta Clinic", slug="beta", plan=Plan.PROFESSIONAL, add_ons=[])
    owner_a = MembershipFactory(clinic=clinic_a, role=Role.OWNER, user__email="owner@alpha.example").user
    staff_a = MembershipFactory(clinic=clinic_a, role=Role.STAFF, user__email="staff@alpha.example").user
    owner_b = MembershipFactory(clinic=clinic_b, role=Role.OWNER, user__email="owner@beta.example").user
    p1 = PatientFactory(clinic=clinic_a, first_name="Paula", last_name="One")
    p2 = PatientFactory(clinic=clinic_a, first_name="Peter", last_name="Two")
    pb = PatientFactory(clinic=clinic_b, first_name="Bella", last_name="Beta")
    return World(
        clinic_a=clinic_a,
        clinic_b=clinic_b,
        owner_a=owner_a,
        staff_a=staff_a,
        owner_b=owner_b,
        p1=p1,
        p2=p2,
        pb=pb,
        patient_user_1=PortalAccessFactory(patient=p1, user__email="paula@example.com").user,
        patient_user_2=PortalAccessFactory(patient=p2, user__email="peter@example.com").user,
        patient_user_b=PortalAccessFactory(patient=pb, user__email="bella@example.com").user,
    )


def client_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def password() -> str:
    return PASSWORD
