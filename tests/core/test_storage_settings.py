"""Where uploaded files are stored, from the environment (docs/configuration.md): local disk
with nothing set; an S3-compatible bucket with STORAGE_S3_BUCKET, every object encrypted at
rest, no ACL sent (objects stay private), nothing ever overwritten, bounded waits."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from storages.backends.s3 import S3Storage

from tests.project_settings import settings_from_env
from tests.s3 import storage_env


def test_with_nothing_set_files_stay_on_local_disk_without_urls(monkeypatch):
    monkeypatch.delenv("STORAGE_S3_BUCKET", raising=False)
    default = settings_from_env(monkeypatch).STORAGES["default"]
    assert default == {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"base_url": None}}


def test_a_bucket_makes_the_default_storage_s3_encrypted_private_and_never_overwritten(monkeypatch):
    default = settings_from_env(monkeypatch, **storage_env("http://127.0.0.1:9000", "clinic-files")).STORAGES["default"]
    assert default["BACKEND"] == "storages.backends.s3.S3Storage"
    options = default["OPTIONS"]
    assert options["bucket_name"] == "clinic-files"
    assert (options["endpoint_url"], options["region_name"]) == ("http://127.0.0.1:9000", "us-east-1")
    assert options["object_parameters"] == {"ServerSideEncryption": "AES256"}
    assert options["default_acl"] is None and options["file_overwrite"] is False
    config = options["client_config"]
    assert (config.connect_timeout, config.read_timeout, config.retries["max_attempts"]) == (3, 10, 2)
    assert config.s3 == {"addressing_style": "auto"}

    storage = S3Storage(**options)  # no request is made until a file is read or written
    link = storage.url("clinics/1/patients/2/documents/abc")
    assert "Signature=" in link and "Expires=" in link  # if ever asked: a signed link that expires, never public


def test_a_kms_key_and_path_style_addressing_can_be_chosen(monkeypatch):
    env = {**storage_env("https://minio.internal:9000", "files"), "STORAGE_S3_KMS_KEY_ID": "alias/portal"}
    options = settings_from_env(monkeypatch, **env, STORAGE_S3_ADDRESSING_STYLE="path").STORAGES["default"]["OPTIONS"]
    assert options["object_parameters"] == {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": "alias/portal"}
    assert options["client_config"].s3 == {"addressing_style": "path"}


def test_aws_itself_needs_no_endpoint(monkeypatch):
    monkeypatch.delenv("STORAGE_S3_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("STORAGE_S3_REGION", raising=False)
    options = settings_from_env(monkeypatch, STORAGE_S3_BUCKET="clinic-files").STORAGES["default"]["OPTIONS"]
    assert options["endpoint_url"] is None and options["region_name"] is None


def test_a_misspelt_addressing_style_stops_the_process(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="STORAGE_S3_ADDRESSING_STYLE"):
        settings_from_env(monkeypatch, STORAGE_S3_BUCKET="files", STORAGE_S3_ADDRESSING_STYLE="virtual-host")
