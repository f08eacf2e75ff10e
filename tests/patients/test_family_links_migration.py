"""Family links become proxies (patients migration 0007): the child's record carried the parent's
email, and the parent's account was linked to it like the child's own. After the upgrade such a
link is a proxy, "parent or guardian" with full access for a minor's record; the patient's own
links, and links whose account has no name, are left as they were."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = ("patients", "0006_proxies")
AFTER = ("patients", "0007_family_links_become_proxies")


def migrate(target) -> None:
    MigrationExecutor(connection).migrate([target])


def applied_state():
    """The models as the database has them now (every other app at its latest migration)."""
    return MigrationExecutor(connection)._create_project_state(with_applied_migrations=True).apps


@pytest.fixture
def old_family():
    """Maria's account linked to her own record and to Leo's (both with her email), Sam's account
    linked to his adult sister's record, and a nameless account on its own record, as before."""
    migrate(BEFORE)
    try:
        apps = applied_state()
        Clinic, Patient = apps.get_model("clinics", "Clinic"), apps.get_model("patients", "Patient")
        User, PortalAccess = apps.get_model("accounts", "User"), apps.get_model("patients", "PortalAccess")
        clinic = Clinic.objects.create(name="Harbor", slug="harbor", time_zone="America/Los_Angeles")

        def record(first, last, born, email):
            return Patient.objects.create(
                clinic=clinic,
                first_name=first,
                last_name=last,
                date_of_birth=born,
                email=email,
                portal_status="enabled",
            )

        maria = User.objects.create(email="maria@example.com", first_name="Maria", last_name="Garcia")
        sam = User.objects.create(email="sam@example.com", first_name="Sam", last_name="Lee")
        nameless = User.objects.create(email="nobody@example.com")
        links = {
            "maria_own": PortalAccess.objects.create(
                user=maria, clinic=clinic, patient=record("maria", " GARCIA ", datetime.date(1984, 3, 12), maria.email)
            ),
            "maria_leo": PortalAccess.objects.create(
                user=maria, clinic=clinic, patient=record("Leo", "Garcia", datetime.date(2015, 7, 8), maria.email)
            ),
            "sam_sister": PortalAccess.objects.create(
                user=sam, clinic=clinic, patient=record("Ana", "Lee", datetime.date(1990, 1, 1), sam.email)
            ),
            "nameless_own": PortalAccess.objects.create(
                user=nameless, clinic=clinic, patient=record("Kim", "Park", datetime.date(1970, 1, 1), nameless.email)
            ),
        }
        yield {name: link.pk for name, link in links.items()}
    finally:
        MigrationExecutor(connection).migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


def test_family_links_become_proxies_and_the_patients_own_links_stay_theirs(old_family):
    migrate(AFTER)
    apps = applied_state()
    PortalAccess = apps.get_model("patients", "PortalAccess")
    found = {
        name: PortalAccess.objects.values("relationship", "level", "proxy_name", "status").get(pk=pk)
        for name, pk in old_family.items()
    }
    assert found == {
        "maria_own": {"relationship": "self", "level": "full", "proxy_name": "", "status": "active"},
        "maria_leo": {
            "relationship": "parent_guardian",
            "level": "full",
            "proxy_name": "Maria Garcia",
            "status": "active",
        },
        # An adult's record: not "parent or guardian", whose access would end at the next run of the age-out job.
        "sam_sister": {"relationship": "other_adult", "level": "full", "proxy_name": "Sam Lee", "status": "active"},
        "nameless_own": {"relationship": "self", "level": "full", "proxy_name": "", "status": "active"},
    }
    # The records keep their email: Leo's is still the one staff entered.
    Patient = apps.get_model("patients", "Patient")
    assert Patient.objects.get(first_name="Leo").email == "maria@example.com"
