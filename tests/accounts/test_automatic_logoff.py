import time

import pytest
from django.test import Client

from patientportal.core.middleware import SESSION_LAST_ACTIVITY, SESSION_SIGNED_IN_AT
from tests.accounts.test_sign_in import sign_in

pytestmark = pytest.mark.django_db


def signed_in(email: str) -> Client:
    client = Client()
    assert sign_in(client, email).status_code == 302
    return client


def age_session(client: Client, *, idle_seconds: int = 0, signed_in_seconds_ago: int = 0) -> None:
    session = client.session
    now = int(time.time())
    session[SESSION_LAST_ACTIVITY] = now - idle_seconds
    session[SESSION_SIGNED_IN_AT] = now - max(signed_in_seconds_ago, idle_seconds)
    session.save()


def test_a_patient_is_signed_out_after_30_idle_minutes(world):
    client = signed_in("paula@example.com")
    age_session(client, idle_seconds=29 * 60)
    assert client.get("/portal/").status_code == 200
    age_session(client, idle_seconds=31 * 60)
    response = client.get("/portal/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fportal%2F"
    assert client.get("/portal/").status_code == 302


def test_staff_are_signed_out_after_15_idle_minutes(world):
    client = signed_in("staff@alpha.example")
    age_session(client, idle_seconds=14 * 60)
    assert client.get("/staff/alpha/").status_code == 200
    age_session(client, idle_seconds=16 * 60)
    assert client.get("/staff/alpha/").status_code == 302


def test_every_session_ends_12_hours_after_sign_in_however_active(world):
    client = signed_in("paula@example.com")
    age_session(client, signed_in_seconds_ago=12 * 3600 + 5)
    assert client.get("/portal/").status_code == 302


def test_signing_out_ends_the_session_on_the_server(world):
    client = signed_in("paula@example.com")
    stolen_cookie = client.cookies["sessionid"].value
    client.post("/accounts/logout/")
    thief = Client()
    thief.cookies["sessionid"] = stolen_cookie
    assert thief.get("/portal/").status_code == 302


def _session_writes(client: Client, path: str) -> list[str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return [query["sql"] for query in queries if "django_session" in query["sql"] and "UPDATE" in query["sql"]]


def test_requests_within_a_minute_do_not_write_the_session_again(world):
    client = signed_in("paula@example.com")
    client.get("/portal/")  # the first visit keeps which record is in use
    age_session(client, idle_seconds=0)
    assert _session_writes(client, "/portal/") == []
    assert _session_writes(client, "/portal/appointments/") == []


def test_the_idle_clock_moves_on_once_a_minute_has_passed(world):
    client = signed_in("paula@example.com")
    age_session(client, idle_seconds=61)
    assert len(_session_writes(client, "/portal/")) == 1
    assert int(time.time()) - client.session[SESSION_LAST_ACTIVITY] <= 1
    age_session(client, idle_seconds=29 * 60)
    assert client.get("/portal/").status_code == 200  # still signed in, and the clock restarted
    assert int(time.time()) - client.session[SESSION_LAST_ACTIVITY] <= 1
