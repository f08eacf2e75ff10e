"""Two app servers behind one address (issue 18, part 4): two real gunicorn processes with
production settings (DEBUG off, APP_SERVERS=2) sharing PostgreSQL (pytest-django's test
database: the test writes its people there and commits), Redis and an S3-compatible bucket
(moto, local). A person signed in on one server is signed in on the other; a document staff
upload through one server is shown and downloaded through the other; failed sign-ins count
across both; signing out on one ends the session on both."""

import re
import shutil
import subprocess
import time
from dataclasses import dataclass

import pytest
import redis
import requests
from django.db import connection

from patientportal.documents.models import Document
from patientportal.documents.preview import page_image_name
from tests.documents.helpers import pdf_bytes
from tests.factories import PASSWORD
from tests.gunicorn_server import database_url, free_port, gunicorns, production_env
from tests.s3 import Bucket, new_bucket, storage_env
from tests.staff.test_document_pages import management, row

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL: run with DATABASE_URL=postgres://…"
    ),
    pytest.mark.django_db(transaction=True),
]

SITE_HOST = "portal.test"


class Browser:
    """One person's browser, sent to either server as a load balancer would.

    Production cookies are `__Host-sessionid` and `__Host-csrftoken`, marked Secure, and the
    test speaks plain http to the servers (the proxy's side of TLS), where a cookie jar would
    not send Secure cookies back. So this browser keeps every cookie it is given and sends it
    itself, to whichever server it asks, as a real browser does over the site's https address.
    (The production cookie names and flags stay as they are: nothing is relaxed for the test.)"""

    def __init__(self) -> None:
        self.cookies: dict[str, str] = {}

    def request(self, method: str, url: str, **kwargs) -> requests.Response:
        response = requests.request(
            method,
            url,
            # The proxy passes the site's own Host to every server (nginx: `proxy_set_header Host $host`).
            headers={"Host": SITE_HOST},
            cookies=self.cookies,
            allow_redirects=False,
            timeout=30,
            **kwargs,
        )
        self.cookies.update(response.cookies.get_dict())
        return response

    def get(self, url: str) -> requests.Response:
        return self.request("GET", url)

    def post_form(self, page_url: str, url: str, data: dict, files: dict | None = None) -> requests.Response:
        """GET the page for its CSRF token, then POST the form to `url`, as a person submitting it."""
        page = self.get(page_url)
        assert page.status_code == 200, page.status_code
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        assert token, "the page has no form with a CSRF token"
        return self.request("POST", url, data={"csrfmiddlewaretoken": token.group(1), **data}, files=files)

    def sign_in(self, base: str, email: str, password: str = PASSWORD) -> requests.Response:
        login = f"{base}/accounts/login/"
        return self.post_form(login, login, {"login": email, "password": password})


@dataclass
class Servers:
    a: str
    b: str
    bucket: Bucket
    redis: redis.Redis


@pytest.fixture(scope="module")
def own_redis():
    """A Redis server of this module's own (never the machine's shared one), on a free port."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    port = free_port()
    server = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    client = redis.Redis(port=port, socket_connect_timeout=1)
    try:
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if server.poll() is not None:
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.05)
        yield client
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.fixture(scope="module")
def running_servers(django_db_setup, moto_endpoint, own_redis, tmp_path_factory):
    """Servers A and B, started once for this module: the same production configuration on
    two ports, as on two machines behind one proxy, on pytest-django's test database."""
    folder = tmp_path_factory.mktemp("two-servers")
    bucket = new_bucket(moto_endpoint)
    port_a, port_b = free_port(), free_port()
    env = production_env(
        port=port_a,
        database_url=database_url(connection.settings_dict),
        SITE_URL=f"https://{SITE_HOST}",
        ALLOWED_HOSTS=f"{SITE_HOST},127.0.0.1",  # the site, and the address /healthz is asked on
        APP_SERVERS="2",
        REDIS_URL=f"redis://127.0.0.1:{own_redis.connection_pool.connection_kwargs['port']}/0",
        MEDIA_ROOT=str(folder / "not-used"),  # files go to the bucket; this folder must stay absent
        **storage_env(moto_endpoint, bucket.name),
    )
    with gunicorns(env, {port_a: folder / "a-access.log", port_b: folder / "b-access.log"}) as [a, b]:
        yield Servers(a=a, b=b, bucket=bucket, redis=own_redis)
    assert not (folder / "not-used").exists()


@pytest.fixture
def servers(world, settings, running_servers):
    """The servers, with this test's people able to sign in and no counters left from another test."""
    # The servers check passwords with production's hashers (tests elsewhere use a fast one).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    for user in (world.patient_user_1, world.patient_user_2, world.staff_a):
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
    running_servers.redis.flushdb()
    return running_servers


def test_a_session_started_on_one_server_works_on_the_other(world, servers):
    paula = Browser()
    assert paula.sign_in(servers.a, "paula@example.com").status_code == 302
    assert "__Host-sessionid" in paula.cookies

    dashboard = paula.get(f"{servers.b}/portal/")
    assert dashboard.status_code == 200
    assert "Hello, Paula" in dashboard.text and "Peter" not in dashboard.text
    assert servers.redis.dbsize() > 0  # the servers' cache (the sign-in's rate-limit counters) is in Redis

    signed_out = paula.post_form(f"{servers.b}/portal/", f"{servers.b}/accounts/logout/", {})
    assert signed_out.status_code == 302
    assert paula.get(f"{servers.a}/portal/").status_code == 302  # to the sign-in page: the session is gone


def test_a_document_uploaded_on_one_server_is_shown_and_downloaded_on_the_other(world, servers):
    staff = Browser()
    assert staff.sign_in(servers.a, "staff@alpha.example").status_code == 302
    data = pdf_bytes("Lipid panel")
    upload_page = f"{servers.a}/staff/alpha/patients/{world.p1.pk}/documents/new/"
    fields = row(0, title="Lipid panel", doc_type="lab_result", visible_in_portal="on", due_days="30")
    uploaded = staff.post_form(
        upload_page,
        upload_page,
        {**management(1), **fields},
        files={"form-0-file": ("lipid-panel.pdf", data, "application/pdf")},
    )
    assert uploaded.status_code == 302, uploaded.text[:500]
    document = Document.objects.get(title="Lipid panel")
    assert servers.bucket.read(document.file.name) == data
    servers.bucket.assert_private_and_encrypted(document.file.name)

    paula = Browser()
    assert paula.sign_in(servers.b, "paula@example.com").status_code == 302
    assert "Lipid panel" in paula.get(f"{servers.b}/portal/documents/").text
    downloaded = paula.get(f"{servers.b}/portal/documents/{document.pk}/file/")
    assert downloaded.status_code == 200 and downloaded.content == data

    drawn_on_b = paula.get(f"{servers.b}/portal/documents/{document.pk}/pages/1.png")
    assert drawn_on_b.status_code == 200 and drawn_on_b.content.startswith(b"\x89PNG")
    assert servers.bucket.read(page_image_name(document, 1)) == drawn_on_b.content  # kept for both servers
    assert paula.get(f"{servers.a}/portal/documents/{document.pk}/pages/1.png").content == drawn_on_b.content

    peter = Browser()  # another patient of the same clinic, on either server: not found
    assert peter.sign_in(servers.a, "peter@example.com").status_code == 302
    for base in (servers.a, servers.b):
        assert peter.get(f"{base}/portal/documents/{document.pk}/file/").status_code == 404
        assert peter.get(f"{base}/portal/documents/{document.pk}/pages/1.png").status_code == 404


def test_failed_sign_ins_count_across_both_servers(world, servers):
    # 5 failures in 5 minutes per account (ACCOUNT_RATE_LIMITS "login_failed"), wherever they happen.
    for base in (servers.a, servers.b, servers.a, servers.b, servers.a):
        assert Browser().sign_in(base, "peter@example.com", "wrong-password").status_code == 200
    refused = Browser().sign_in(servers.b, "peter@example.com")
    assert refused.status_code == 200 and "Too many failed login attempts" in refused.text
