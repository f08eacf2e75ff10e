"""The three-pending limit under concurrent requests, on PostgreSQL with real threads."""

import threading

import pytest
from django.db import connection, connections

from patientportal.patients.errors import PatientError
from patientportal.patients.models import Invitation
from tests.factories import PatientFactory
from tests.patients.helpers import enabled, send

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

RACERS = 8


def test_racing_staff_never_get_more_than_three_pending_invitations(world):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL: run with DATABASE_URL=postgres://…")
    patient = enabled(PatientFactory(clinic=world.clinic_a, email="race@example.com"), world.staff_a)
    start = threading.Barrier(RACERS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def racer() -> None:
        try:
            start.wait()
            send(patient, world.staff_a)
            outcome = "sent"
        except PatientError as error:
            outcome = error.code
        finally:
            connections.close_all()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=racer) for _ in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["sent"] * 3 + ["too_many_pending"] * (RACERS - 3)
    assert Invitation.objects.filter(patient=patient).count() == 3


def test_racing_staff_never_get_more_than_three_pending_invitations_for_one_proxy(world):
    """The same limit per proxy, counted under the same lock: racers inviting one guardian get three."""
    import datetime

    from patientportal.patients.choices import AccessLevel, Relationship
    from patientportal.patients.invitations import Proxy, invitation_send

    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL: run with DATABASE_URL=postgres://…")
    child = PatientFactory(clinic=world.clinic_a, email="", date_of_birth=datetime.date(2016, 1, 1))
    guardian = Proxy("Ana Garcia", "ana@example.com", Relationship.PARENT_GUARDIAN, AccessLevel.FULL)
    start = threading.Barrier(RACERS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def racer() -> None:
        try:
            start.wait()
            invitation_send(patient=child, expires_in=datetime.timedelta(days=2), actor=world.staff_a, proxy=guardian)
            outcome = "sent"
        except PatientError as error:
            outcome = error.code
        finally:
            connections.close_all()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=racer) for _ in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["sent"] * 3 + ["too_many_pending_proxy"] * (RACERS - 3)
    assert Invitation.objects.filter(patient=child).count() == 3
