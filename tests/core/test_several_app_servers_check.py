"""With several app servers (APP_SERVERS above 1) the system checks require what they must
share (issue 18, part 4): Redis for the cache and rate limits (core.E003), and uploaded files
every server can read (core.E004): object storage, or a MEDIA_ROOT declared shared."""

import pytest
from django.core import checks

from tests.core.test_production_settings import PRODUCTION_ENV, manage
from tests.project_settings import apply, settings_from_env
from tests.s3 import storage_env

LOCAL_DISK = {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"base_url": None}}


def server_errors() -> list[str]:
    return sorted(message.id for message in checks.run_checks() if message.id in {"core.E003", "core.E004"})


@pytest.fixture
def local_disk(settings):
    settings.STORAGES = {**settings.STORAGES, "default": LOCAL_DISK}


def test_one_app_server_needs_neither_redis_nor_shared_files(settings, local_disk):
    settings.APP_SERVERS, settings.REDIS_URL, settings.MEDIA_ROOT_SHARED = 1, "", False
    assert server_errors() == []


def test_several_app_servers_without_redis_or_shared_files_fail_the_checks_saying_why(settings, local_disk):
    settings.APP_SERVERS, settings.REDIS_URL, settings.MEDIA_ROOT_SHARED = 2, "", False
    messages = {message.id: message for message in checks.run_checks()}
    assert messages["core.E003"].is_serious() and messages["core.E004"].is_serious()
    assert "APP_SERVERS is 2 but REDIS_URL is not set" in messages["core.E003"].msg
    assert "REDIS_URL" in messages["core.E003"].hint
    assert "missing on the others" in messages["core.E004"].msg
    assert "STORAGE_S3_BUCKET" in messages["core.E004"].hint and "MEDIA_ROOT_SHARED" in messages["core.E004"].hint


def test_redis_and_object_storage_satisfy_the_checks(settings, monkeypatch):
    settings.APP_SERVERS, settings.REDIS_URL, settings.MEDIA_ROOT_SHARED = 3, "redis://127.0.0.1:6379/7", False
    settings.STORAGES = settings_from_env(monkeypatch, **storage_env("http://127.0.0.1:9", "portal-files")).STORAGES
    assert server_errors() == []  # no bucket is contacted: the check only looks at the configuration


def test_a_shared_disk_is_accepted_when_declared(settings, local_disk):
    settings.APP_SERVERS, settings.REDIS_URL = 2, "redis://127.0.0.1:6379/7"
    settings.MEDIA_ROOT_SHARED = False
    assert server_errors() == ["core.E004"]
    settings.MEDIA_ROOT_SHARED = True
    assert server_errors() == []


def test_the_settings_come_from_the_environment(settings, monkeypatch):
    module = settings_from_env(monkeypatch, APP_SERVERS="2", MEDIA_ROOT_SHARED="true")
    assert (module.APP_SERVERS, module.MEDIA_ROOT_SHARED) == (2, True)
    apply(settings, module, "APP_SERVERS", "MEDIA_ROOT_SHARED")
    assert settings.APP_SERVERS == 2


def test_a_production_deploy_with_two_servers_and_no_redis_stops_at_the_check():
    result = manage("check", "--deploy", env={**PRODUCTION_ENV, "APP_SERVERS": "2", "REDIS_URL": ""})
    assert result.returncode != 0
    assert "core.E003" in result.stderr and "core.E004" in result.stderr
