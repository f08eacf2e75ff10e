"""A real gunicorn started as deploy/ starts it (gunicorn.conf.py in the project's root), its
access log and its error output: neither ever holds an invitation token, a password-reset
key or an email-confirmation key, whatever a browser requests (issue 13, item 8)."""

import urllib.error
import urllib.request

import pytest

from patientportal.core.redaction import redact
from tests.gunicorn_server import free_port, gunicorn, log_once_written, manage, server_env

TOKEN = "tOkEn-InViTe-0123456789abcdefABCDEF_xyz"
RESET_KEY = "c9kqzs-7f3e9b2d1a6c5e4f8a0b1c2d3e4f5a6b"
CONFIRM_KEY = "MQ:1vConfirmKeySecretPart:abcdefghijklmnopqrstuvwxyz0123456789"


@pytest.fixture
def logs(tmp_path):
    port = free_port()
    env = server_env(tmp_path, port)
    manage(env, "migrate", "--noinput")
    access_log, error_log = tmp_path / "access.log", tmp_path / "error.log"
    with error_log.open("w") as errors, gunicorn(env, port, access_log, output=errors) as base:
        yield base, access_log, error_log


def _open(url: str, referer: str = "") -> int:
    request = urllib.request.Request(url, headers={"Referer": referer} if referer else {})  # noqa: S310
    try:
        return urllib.request.urlopen(request, timeout=10).status  # noqa: S310 - our own server
    except urllib.error.HTTPError as error:
        return error.code


def test_links_with_secrets_leave_no_secret_in_gunicorns_logs(logs):
    base, access_log, error_log = logs
    _open(f"{base}/invite/{TOKEN}/")  # a link from before invitations moved to /invite/#<token>
    _open(f"{base}/accounts/password/reset/key/{RESET_KEY}/")
    _open(f"{base}/accounts/confirm-email/{CONFIRM_KEY}/")
    _open(f"{base}/healthz?last=1", referer=f"{base}/accounts/password/reset/key/{RESET_KEY}/")

    logged = log_once_written(access_log, "GET /healthz?last=1 HTTP/1.1") + error_log.read_text()
    for secret in (TOKEN, RESET_KEY, CONFIRM_KEY, "ConfirmKeySecretPart"):
        assert secret not in logged
    assert "GET /invite/[redacted]/ HTTP/1.1" in logged
    assert "GET /accounts/password/reset/key/[redacted]/ HTTP/1.1" in logged
    assert "GET /accounts/confirm-email/[redacted]/ HTTP/1.1" in logged
    assert '"GET /healthz?last=1 HTTP/1.1" 200' in logged and "/reset/key/[redacted]/" in logged  # the Referer


def test_redaction_keeps_the_pages_that_carry_no_secret():
    assert redact("GET /invite/accept/ HTTP/1.1") == "GET /invite/accept/ HTTP/1.1"
    assert redact("GET /invite/ HTTP/1.1") == "GET /invite/ HTTP/1.1"
    assert redact("Not Found: /accounts/confirm-email/abc/") == "Not Found: /accounts/confirm-email/[redacted]/"
