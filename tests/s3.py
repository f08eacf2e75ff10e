"""A local S3-compatible server (moto's, run as its own process: no network, no account) for
the object-storage tests. One server per test session; each test gets a bucket of its own,
and the portal's default storage is pointed at it exactly as config/settings.py does it
from the STORAGE_S3_* variables, so the settings themselves are under test too."""

import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest

from tests.gunicorn_server import free_port
from tests.project_settings import settings_from_env

# moto accepts any keys; these are what the portal and the test's own client sign with.
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "portal-test-key", "AWS_SECRET_ACCESS_KEY": "portal-test-secret"}
REGION = "us-east-1"
PUBLIC_GROUPS = (
    "http://acs.amazonaws.com/groups/global/AllUsers",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
)


@contextmanager
def moto_server() -> Iterator[str]:
    """`python -m moto.server` on a free port until the block ends; yields its address once it answers."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=2)  # noqa: S310 - our own server
                break
            except urllib.error.HTTPError:
                break  # it answers
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("moto server did not start") from None
                time.sleep(0.05)
        yield endpoint
    finally:
        server.terminate()
        server.wait(timeout=30)


def storage_env(endpoint: str, bucket: str) -> dict[str, str]:
    """The variables an operator sets for this bucket (docs/configuration.md)."""
    return {
        "STORAGE_S3_BUCKET": bucket,
        "STORAGE_S3_ENDPOINT_URL": endpoint,
        "STORAGE_S3_REGION": REGION,
        **CREDENTIALS,
    }


@dataclass
class Bucket:
    """A bucket on the test server, looked at from outside the portal."""

    endpoint: str
    name: str
    client: Any  # a boto3 S3 client

    def names(self) -> list[str]:
        listed = self.client.list_objects_v2(Bucket=self.name)
        return sorted(entry["Key"] for entry in listed.get("Contents", []))

    def read(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.name, Key=key)["Body"].read()

    def encryption(self, key: str) -> str | None:
        return self.client.head_object(Bucket=self.name, Key=key).get("ServerSideEncryption")

    def public_grants(self, key: str) -> list[dict]:
        grants = self.client.get_object_acl(Bucket=self.name, Key=key)["Grants"]
        return [grant for grant in grants if grant["Grantee"].get("URI") in PUBLIC_GROUPS]

    def anonymous_status(self, key: str) -> int:
        """What a browser gets asking the store for the object directly, without signing."""
        try:
            return urllib.request.urlopen(f"{self.endpoint}/{self.name}/{key}", timeout=5).status  # noqa: S310
        except urllib.error.HTTPError as error:
            return error.code

    def assert_private_and_encrypted(self, key: str) -> None:
        assert self.encryption(key) == "AES256"
        assert self.public_grants(key) == []
        assert self.anonymous_status(key) == 403


def new_bucket(endpoint: str) -> Bucket:
    import boto3

    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    )
    name = f"portal-{uuid.uuid4().hex[:16]}"
    client.create_bucket(Bucket=name)
    return Bucket(endpoint=endpoint, name=name, client=client)


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    with moto_server() as endpoint:
        yield endpoint


@pytest.fixture
def s3_storage(settings, monkeypatch, moto_endpoint) -> Bucket:
    """The default storage (documents, signed copies, product pictures, page images) is a new,
    empty bucket on the local S3 server, configured as STORAGE_S3_* configure it in production."""
    bucket = new_bucket(moto_endpoint)
    settings.STORAGES = settings_from_env(monkeypatch, **storage_env(moto_endpoint, bucket.name)).STORAGES
    return bucket
