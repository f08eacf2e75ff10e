"""A real gunicorn for tests that read what it logs or need separate processes (several app
servers): started from the project's root (so it reads gunicorn.conf.py as production does),
on a free port, with its access log in a file."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO
from urllib.parse import quote

from tests.seal import seal_env

ROOT = Path(__file__).resolve().parents[1]
GUNICORN = Path(sys.executable).with_name("gunicorn")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_env(tmp_path: Path, port: int) -> dict[str, str]:
    """Development settings on a fresh SQLite file of its own."""
    return {
        **{key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}},
        "DEBUG": "true",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'portal.sqlite3'}",
        "SITE_URL": f"http://127.0.0.1:{port}",
        "MEDIA_ROOT": str(tmp_path / "media"),
        **seal_env(),  # the test seal, never one made in the project's seal/ folder
    }


def production_env(*, port: int, database_url: str, **extra: str) -> dict[str, str]:
    """Production settings (DEBUG off) for a server the test reaches over plain http: no SSL
    redirect, a real secret key, the database given (the test's own, for tests that share
    data with the server), and a mail server that is never contacted (production queues
    emails as tasks for a worker, and the test runs none). `extra` adds or replaces variables."""
    inherited = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE", "DEBUG", "REDIS_URL", "MEDIA_ROOT"}
        and not key.startswith(("STORAGE_S3_", "AWS_"))
    }
    return {
        **inherited,
        "DEBUG": "false",
        # Plain static files storage: no collectstatic manifest is needed (the tests load no CSS).
        "TESTING": "true",
        "SECRET_KEY": "test-only-" + "k3y-" * 12,
        "SECURE_SSL_REDIRECT": "false",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": "9",  # discard: nothing listens there, and nothing is sent anyway
        "SITE_URL": f"http://127.0.0.1:{port}",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database_url,
        **seal_env(),
        **extra,
    }


def database_url(settings_dict: dict) -> str:
    """DATABASE_URL for the database Django is connected to (pytest-django's test database):
    what a server in another process needs to see the data a test wrote and committed."""
    user = quote(settings_dict["USER"] or "")
    password = f":{quote(settings_dict['PASSWORD'])}" if settings_dict.get("PASSWORD") else ""
    host, port = settings_dict["HOST"] or "127.0.0.1", settings_dict["PORT"] or "5432"
    return f"postgres://{user}{password}@{host}:{port}/{settings_dict['NAME']}"


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


@contextmanager
def gunicorn(
    env: dict[str, str], port: int, access_log: Path, output: IO[str] | int = subprocess.DEVNULL
) -> Iterator[str]:
    """Serve the site until the block ends; yields its base address once it answers."""
    with gunicorns(env, {port: access_log}, output) as [base]:
        yield base


@contextmanager
def gunicorns(
    env: dict[str, str], access_logs: dict[int, Path], output: IO[str] | int = subprocess.DEVNULL
) -> Iterator[list[str]]:
    """Several servers with the same settings, one per port (started and stopped together, which
    takes the time of one); yields their base addresses once every one answers."""
    servers = {
        port: subprocess.Popen(
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
            stdout=output,
            stderr=output,
        )
        for port, access_log in access_logs.items()
    }
    try:
        for port, server in servers.items():
            _wait_until_it_answers(server, f"http://127.0.0.1:{port}")
        yield [f"http://127.0.0.1:{port}" for port in servers]
    finally:
        for server in servers.values():
            server.send_signal(signal.SIGTERM)
        for server in servers.values():
            server.wait(timeout=30)


def _wait_until_it_answers(server: subprocess.Popen, base: str) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=5)  # noqa: S310 - our own server over http
            return
        except OSError:
            # Also an answer other than 200 (a host not allowed): give up rather than wait forever.
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not start, or /healthz does not answer 200") from None
            time.sleep(0.1)


def log_once_written(log: Path, last_line: str) -> str:
    """The log's text once its last expected line is there: gunicorn writes a request's
    line just after sending the response, so a reader can be a moment early."""
    for _ in range(100):
        text = log.read_text()
        if last_line in text:
            return text
        time.sleep(0.1)
    return log.read_text()
