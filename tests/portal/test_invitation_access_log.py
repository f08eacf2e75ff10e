"""A real gunicorn, its access log, and an invitation opened the way a browser does it
(issue 13, item 8): the log shows the invitation pages but never the token."""

import http.cookiejar
import re
import urllib.parse
import urllib.request

import pytest

from tests.gunicorn_server import free_port, gunicorn, log_once_written, manage, server_env


@pytest.fixture
def served(tmp_path):
    """The demo data on a fresh SQLite file, served by gunicorn with its access log in a file."""
    port = free_port()
    env = server_env(tmp_path, port)
    manage(env, "migrate", "--noinput")
    manage(env, "createcachetable")
    seeded = manage(env, "seed_demo")
    link = re.findall(r"https?://\S+/invite/\S*", seeded)[-1]  # printed last: Noah Davis's pending invitation
    access_log = tmp_path / "access.log"
    with gunicorn(env, port, access_log) as base:
        yield base, link, access_log


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
