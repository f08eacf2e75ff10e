"""Production refuses a weak SECRET_KEY, and its session and CSRF cookies carry the
`__Host-` prefix (Secure, Path=/, no Domain: no other host can set or shadow them)."""

import pytest
from django.test import Client

from tests.core.test_production_settings import PRODUCTION_ENV, manage
from tests.factories import PASSWORD
from tests.project_settings import apply, settings_from_env


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("x" * 20 + "abcdefghij", "at least 50 characters"),
        ("django-insecure-" + "k3y-m4d3-by-st4rtpr0j3ct-0123456789abcdefghij", "django-insecure-"),
        ("ab" * 30, "at least 5 different characters"),
    ],
)
def test_production_refuses_a_weak_secret_key(key, reason):
    result = manage("check", env={**PRODUCTION_ENV, "SECRET_KEY": key})
    assert result.returncode != 0
    assert reason in result.stderr
    assert key not in result.stderr  # the key itself is never printed


def test_development_keeps_its_built_in_key():
    result = manage("check", env={"DEBUG": "true", "SECRET_KEY": "", "DATABASE_URL": "sqlite:///:memory:"})
    assert result.returncode == 0, result.stderr


@pytest.mark.django_db
def test_production_cookies_use_the_host_prefix(world, settings, monkeypatch):
    production = settings_from_env(monkeypatch, **PRODUCTION_ENV)
    apply(settings, production, "COOKIE")
    client = Client()
    page = client.get("/accounts/login/", secure=True)
    csrf = page.cookies["__Host-csrftoken"]
    signed_in = client.post(
        "/accounts/login/",
        {"login": "paula@example.com", "password": PASSWORD, "csrfmiddlewaretoken": csrf.value},
        secure=True,
    )
    assert signed_in.status_code == 302
    session = signed_in.cookies["__Host-sessionid"]
    for cookie in (csrf, session):
        assert cookie["secure"] is True and cookie["path"] == "/" and cookie["domain"] == ""
