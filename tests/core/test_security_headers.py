import pytest
from django.test import Client

from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_every_page_sends_a_strict_content_security_policy():
    response = Client().get("/accounts/login/")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self';" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "camera=()" in response["Permissions-Policy"]


def test_pages_for_signed_in_people_are_never_cached(world):
    assert client_for(world.staff_a).get("/staff/alpha/")["Cache-Control"] == "no-store"


def test_every_response_carries_a_request_id():
    first = Client().get("/healthz")["X-Request-ID"]
    second = Client().get("/healthz")["X-Request-ID"]
    assert len(first) == 32 and first != second
