"""A real gunicorn, its access log, and an invitation opened the way a browser does it
(issue 13, item 8): the log shows the invitation pages but never the token."""

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture
def served(tmp_path):
    """The demo data on a fresh SQLite file, served by gunicorn with its access log in a file."""
    port = free_port()
    env = {
        **{key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}},
        "DEBUG": "true",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'portal.sqlite3'}",
        "SITE_URL": f"http://127.0.0.1:{port}",
        "MEDIA_ROOT": str(tmp_path / "media"),
    }
    manage(env, "migrate", "--noinput")
    manage(env, "createcachetable")
    seeded = manage(env, "seed_demo")
    link = re.findall(r"https?://\S+/invite/\S*", seeded)[-1]  # printed last: Noah Davis's pending invitation
    access_log = tmp_path / "access.log"
    server = subprocess.Popen(
        [
            str(GUNICORN),
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--access-logfile",
            str(access_log),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        while True:  # until gunicorn answers
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=5)  # noqa: S310 - our own server over http
                break
            except OSError:
                if server.poll() is not None:
                    raise RuntimeError("gunicorn did not start") from None
                time.sleep(0.1)
        yield base, link, access_log
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def log_once_written(log: Path, last_line: str) -> str:
    """The log's text once its last expected line is there: gunicorn writes a request's
    line just after sending the response, so a reader can be a moment early."""
    for _ in range(100):
        text = log.read_text()
        if last_line in text:
            return text
        time.sleep(0.1)
    return log.read_text()


def test_gunicorns_access_log_never_holds_an_invitation_token(served):
    base, link, access_log = served
    token = urllib.parse.urlsplit(link).fragment
    assert token
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    # Like a browser, urllib never sends the fragment: the request line is "GET /invite/".
    page = browser.open(link).read().decode()
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    # What the page's script does: post the token in the body.
    opened = browser.open(
        f"{base}/invite/", data=urllib.parse.urlencode({"csrfmiddlewaretoken": csrf, "token": token}).encode()
    )
    assert opened.url == f"{base}/invite/accept/"
    assert "Harbor Dermatology &amp; Wellness invites you to its patient portal" in opened.read().decode()

    logged = log_once_written(access_log, '"GET /invite/accept/ HTTP/1.1" 200')
    assert '"GET /invite/ HTTP/1.1" 200' in logged
    assert '"POST /invite/ HTTP/1.1" 302' in logged
    assert '"GET /invite/accept/ HTTP/1.1" 200' in logged
    assert token not in logged
