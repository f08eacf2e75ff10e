"""Accepting one invitation from several sessions at once (issue #13, item 5): one link,
a clear page for every other session, never a server error."""

import pytest
from django.db import OperationalError, connection

from patientportal.patients import invitations
from patientportal.patients.choices import InvitationStatus
from patientportal.patients.errors import PatientError
from patientportal.patients.models import PortalAccess
from tests.conftest import client_for
from tests.factories import PatientFactory, UserFactory
from tests.patients.helpers import enabled, send
from tests.races import race

SESSIONS = 6


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_racing_sessions_accepting_one_invitation_make_one_link_and_every_other_gets_a_clear_page(world):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL: run with DATABASE_URL=postgres://…")
    patient = enabled(PatientFactory(clinic=world.clinic_a, email="racer@example.com"), world.staff_a)
    invitation, token = send(patient, world.staff_a)
    user = UserFactory(email="racer@example.com")
    clients = []
    for _ in range(SESSIONS):
        client = client_for(user)  # one session each, as in several tabs or devices
        client.raise_request_exception = False  # a server error must show up as the 500 a user would see
        assert client.post("/invite/", {"token": token})["Location"] == "/invite/accept/"
        clients.append(client)

    def accept(client):
        def action() -> str:
            response = client.post("/invite/accept/")
            if response.status_code == 302:
                return f"linked -> {response['Location']}"
            clear = "already been used" in response.content.decode()
            return f"{response.status_code} {'clear page' if clear else 'unclear page'}"

        return action

    outcomes = race([accept(client) for client in clients], refused=PatientError)

    assert outcomes == ["410 clear page"] * (SESSIONS - 1) + ["linked -> /portal/"]
    assert PortalAccess.objects.filter(user=user, patient=patient).count() == 1
    invitation.refresh_from_db()
    assert (invitation.status, invitation.accepted_by) == (InvitationStatus.ACCEPTED, user)


class _PostgresDeadlock(Exception):
    sqlstate = "40P01"


def _aborting(times: int, real):
    """`_invitation_accept_locked` as if PostgreSQL aborted it for a deadlock the first `times` calls."""
    calls = []

    def accept(**kwargs):
        calls.append(1)
        if len(calls) <= times:
            error = OperationalError("deadlock detected")
            error.__cause__ = _PostgresDeadlock()
            raise error
        return real(**kwargs)

    return accept


@pytest.fixture
def invited(world):
    patient = enabled(PatientFactory(clinic=world.clinic_a, email="racer@example.com"), world.staff_a)
    _invitation, token = send(patient, world.staff_a)
    return patient, token, UserFactory(email="racer@example.com")


@pytest.mark.django_db
def test_a_transaction_the_database_aborted_for_a_deadlock_is_run_again(invited, monkeypatch):
    patient, token, user = invited
    real = invitations._invitation_accept_locked
    monkeypatch.setattr(invitations, "_invitation_accept_locked", _aborting(invitations.ACCEPT_ATTEMPTS - 1, real))
    access = invitations.invitation_accept(token=token, user=user)
    assert (access.user, access.patient) == (user, patient)


@pytest.mark.django_db
def test_when_the_database_keeps_aborting_the_person_is_asked_to_try_again_and_can(invited, monkeypatch):
    patient, token, user = invited
    real = invitations._invitation_accept_locked
    monkeypatch.setattr(invitations, "_invitation_accept_locked", _aborting(invitations.ACCEPT_ATTEMPTS, real))
    client = client_for(user)
    client.post("/invite/", {"token": token})  # what the emailed link's page posts
    page = client.post("/invite/accept/")
    assert page.status_code == 503
    assert "Please try again" in page.text
    assert "Nothing has been linked yet" in page.text
    assert not PortalAccess.objects.filter(user=user, patient=patient).exists()

    monkeypatch.setattr(invitations, "_invitation_accept_locked", real)  # the moment has passed
    again = client.post("/invite/accept/")
    assert again["Location"] == "/portal/"
    assert PortalAccess.objects.filter(user=user, patient=patient).exists()
