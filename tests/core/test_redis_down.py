"""Redis down must not take sign-in down (issue 13, item 6). With REDIS_URL set, the cache
(rate limits, used two-factor codes) falls back to the database while Redis cannot be
reached, logs the outage once, and goes back to Redis when it answers again."""

import logging
import shutil
import socket
import subprocess
import time

import pytest
import redis
from django.test import Client

from patientportal.core import cache as failover
from tests.accounts.test_sign_in import sign_in
from tests.project_settings import settings_from_env

pytestmark = pytest.mark.django_db

CACHE_LOGGER = "patientportal.core.cache"


def free_port() -> int:
    """A port nothing listens on (the system just handed it out and it was closed again)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def use_redis_at(settings, monkeypatch, port: int, *, retry_seconds: float | None = None) -> None:
    """The CACHES config/settings.py makes for REDIS_URL=redis://127.0.0.1:<port>/0."""
    caches = settings_from_env(monkeypatch, REDIS_URL=f"redis://127.0.0.1:{port}/0").CACHES
    if retry_seconds is not None:
        caches["default"]["OPTIONS"]["RETRY_SECONDS"] = retry_seconds
    settings.CACHES = caches
    monkeypatch.setattr(failover, "_health", {})  # each test starts with Redis presumed up


def outage_lines(caplog) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == CACHE_LOGGER]


def test_with_redis_down_sign_in_works_and_the_outage_is_logged_once(world, settings, monkeypatch, caplog):
    port = free_port()
    use_redis_at(settings, monkeypatch, port)
    caplog.set_level(logging.INFO)
    wrong = sign_in(Client(), "paula@example.com", "my-Secret-typo")
    assert wrong.status_code == 200 and "not correct" in wrong.text
    client = Client()
    assert sign_in(client, "paula@example.com").status_code == 302
    assert client.get("/portal/").status_code == 200
    assert Client().get("/invite/accept/").status_code == 200  # our own limiter (invitation links) too
    [line] = outage_lines(caplog)
    assert "unreachable" in line and "rate limits keep working" in line
    for secret_or_phi in ("paula", "my-Secret-typo", "redis://"):
        assert secret_or_phi not in caplog.text


def test_with_redis_down_failed_sign_ins_are_still_limited(world, settings, monkeypatch):
    use_redis_at(settings, monkeypatch, free_port())
    for _ in range(5):
        sign_in(Client(), "paula@example.com", "wrong-password")
    refused = sign_in(Client(), "paula@example.com")
    assert refused.status_code == 200
    assert "Too many failed login attempts" in refused.text


@pytest.fixture
def own_redis():
    """A Redis server of this test's own, to stop and start again (never the machine's shared one)."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    port = free_port()
    servers: list[subprocess.Popen] = []

    def start() -> None:
        server = subprocess.Popen(
            [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        servers.append(server)
        client = redis.Redis(port=port, socket_connect_timeout=1)
        while True:  # until it accepts connections (it exits if the port is taken)
            try:
                client.ping()
                return
            except redis.ConnectionError:
                if server.poll() is not None:
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.05)

    def stop() -> None:
        server = servers[-1]
        server.terminate()
        server.wait(timeout=30)

    start()
    yield port, start, stop
    for server in servers:
        if server.poll() is None:
            server.terminate()
            server.wait(timeout=30)


def test_sign_in_carries_on_when_redis_stops_and_returns_to_it_when_it_is_back(
    world, settings, monkeypatch, caplog, own_redis
):
    port, start, stop = own_redis
    use_redis_at(settings, monkeypatch, port, retry_seconds=0)  # try Redis again on every call
    store = redis.Redis(port=port)
    caplog.set_level(logging.INFO)

    sign_in(Client(), "paula@example.com", "wrong-password")
    assert store.dbsize() > 0  # the failed attempt is counted in Redis

    stop()
    client = Client()
    assert sign_in(client, "paula@example.com").status_code == 302
    assert client.get("/portal/").status_code == 200
    assert len(outage_lines(caplog)) == 1

    start()  # an empty Redis, as after a restart without persistence
    assert sign_in(Client(), "peter@example.com", "wrong-password").status_code == 200
    assert store.dbsize() > 0  # counted in Redis again
    down, back = outage_lines(caplog)
    assert "unreachable" in down and "answers again" in back
