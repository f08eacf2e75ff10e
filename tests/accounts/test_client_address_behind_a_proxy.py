"""Behind the documented reverse proxy (issue 13, item 9): one setting, TRUSTED_PROXY_COUNT,
decides the client address for allauth's rate limits as for our audit trail and limits,
so one attacker's failed sign-ins do not lock everyone else out."""

import logging

import pytest
from allauth.core.internal.httpkit import get_client_ip
from django.test import Client, RequestFactory

from patientportal.audit.models import AuditEvent
from patientportal.core.middleware import distrust_short_forwarded_for
from patientportal.core.request_context import client_ip
from tests.factories import PASSWORD
from tests.project_settings import apply, settings_from_env

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.1"  # the reverse proxy: every request connects from it


@pytest.fixture
def one_proxy(settings, monkeypatch):
    """What config/settings.py makes of TRUSTED_PROXY_COUNT=1, every proxy setting it derives included."""
    apply(settings, settings_from_env(monkeypatch, TRUSTED_PROXY_COUNT="1"), "PROXY")


def through_the_proxy(client_address: str, forwarded_by_client: str = "") -> Client:
    # The proxy appends the address it saw to whatever the client sent.
    forwarded = f"{forwarded_by_client}, {client_address}" if forwarded_by_client else client_address
    return Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded)


def test_one_clients_failed_sign_ins_do_not_lock_out_another(world, one_proxy):
    attacker = through_the_proxy("203.0.113.7")
    answers = [
        attacker.post("/accounts/login/", {"login": f"guess{n}@example.com", "password": "wrong"}).text
        for n in range(11)
    ]
    assert "Too many failed login attempts" not in answers[0]
    assert "Too many failed login attempts" in answers[-1]  # the limit holds for the attacker's address
    victim = through_the_proxy("198.51.100.20")
    response = victim.post("/accounts/login/", {"login": "paula@example.com", "password": PASSWORD})
    assert response.status_code == 302, "a different client's correct sign-in must work"
    signed_in = AuditEvent.objects.get(action="accounts.login.succeeded")
    assert signed_in.ip_address == "198.51.100.20"  # the audit trail sees the same address


def test_a_client_cannot_escape_the_limit_by_forging_x_forwarded_for(world, one_proxy):
    for n in range(11):
        forged = through_the_proxy("203.0.113.7", forwarded_by_client=f"192.0.2.{n}")
        last = forged.post("/accounts/login/", {"login": f"guess{n}@example.com", "password": "wrong"})
    assert "Too many failed login attempts" in last.text


@pytest.mark.parametrize(
    "forwarded",
    ["203.0.113.7", "192.0.2.1, 203.0.113.7", "192.0.2.1,203.0.113.7", " 203.0.113.7 ", None],
)
def test_our_client_address_and_allauths_are_the_same(one_proxy, forwarded):
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    request = RequestFactory().get("/", REMOTE_ADDR=PROXY, **extra)
    distrust_short_forwarded_for(request)
    assert client_ip(request) == get_client_ip(request)


def test_a_header_shorter_than_the_trusted_proxies_is_ignored_not_a_server_error(world, settings, monkeypatch, caplog):
    apply(settings, settings_from_env(monkeypatch, TRUSTED_PROXY_COUNT="2"), "PROXY")
    caplog.set_level(logging.WARNING, logger="patientportal.core.middleware")
    # Two proxies are trusted but only one entry arrived: the request did not come through both.
    client = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.7")
    response = client.post("/accounts/login/", {"login": "paula@example.com", "password": PASSWORD})
    assert response.status_code == 302
    assert AuditEvent.objects.get(action="accounts.login.succeeded").ip_address == PROXY
    assert "fewer entries than TRUSTED_PROXY_COUNT=2" in caplog.text
