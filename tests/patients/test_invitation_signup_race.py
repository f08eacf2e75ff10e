"""Choosing a password on the invitation's page in several tabs at once (issue 15, part 4):
one account, one link, and a clear page for every other tab, never a server error."""

import pytest
from django.core.cache import cache
from django.db import connection

from patientportal.accounts.models import User
from patientportal.patients.choices import InvitationStatus
from patientportal.patients.errors import PatientError
from patientportal.patients.models import PortalAccess
from tests.factories import PatientFactory
from tests.patients.helpers import enabled, send
from tests.races import race

TABS = 4
PASSWORD = "a-good-long-passphrase"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_racing_tabs_make_one_account_and_the_others_are_asked_to_sign_in(world):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent inserts need PostgreSQL: run with DATABASE_URL=postgres://…")
    from django.test import Client

    cache.clear()  # the link's pages allow 20 requests a minute per IP; counts survive other tests' flush
    patient = enabled(PatientFactory(clinic=world.clinic_a, email="racer@example.com"), world.staff_a)
    invitation, token = send(patient, world.staff_a)
    tabs = []
    for _ in range(TABS):
        tab = Client()
        tab.raise_request_exception = False  # a server error must show up as the 500 a user would see
        assert tab.post("/invite/", {"token": token})["Location"] == "/invite/accept/"
        tabs.append(tab)

    def choose_password(tab):
        def action() -> str:
            response = tab.post(
                "/invite/accept/", {"email": "racer@example.com", "password1": PASSWORD, "password2": PASSWORD}
            )
            if response.status_code == 302:
                return f"linked -> {response['Location']}"
            clear = "An account with this address has just been created" in response.content.decode()
            return f"{response.status_code} {'sign in instead' if clear else 'unclear page'}"

        return action

    outcomes = race([choose_password(tab) for tab in tabs], refused=PatientError)

    assert outcomes == ["409 sign in instead"] * (TABS - 1) + ["linked -> /portal/"]
    user = User.objects.get(email="racer@example.com")
    assert PortalAccess.objects.filter(patient=patient).get().user == user
    invitation.refresh_from_db()
    assert (invitation.status, invitation.accepted_by) == (InvitationStatus.ACCEPTED, user)
