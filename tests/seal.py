"""The seal's key and certificate for the tests: made once per test run in a temporary folder
(never in the project's own seal/ folder), with the code `manage.py make_signing_certificate`
uses. tests/conftest.py points every test's settings at them; `seal_env()` gives the same to
a `manage.py` or gunicorn started by a test."""

import atexit
import functools
import shutil
import tempfile
from pathlib import Path

from django.test import override_settings

from patientportal.documents.seal_certificate import certificate_files_make


@functools.cache
def seal_files() -> tuple[Path, Path]:
    folder = Path(tempfile.mkdtemp(prefix="portal-test-seal-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    key, certificate = folder / "key.pem", folder / "certificate.pem"
    with override_settings(SEAL_KEY_PASSWORD=""):
        certificate_files_make(
            key_path=key, certificate_path=certificate, common_name="Patient Portal seal (tests)", organization="Tests"
        )
    return key, certificate


def seal_env() -> dict[str, str]:
    """The variables that point a process started by a test at the test seal."""
    key, certificate = seal_files()
    return {
        "SEAL_KEY_PATH": str(key),
        "SEAL_CERTIFICATE_PATH": str(certificate),
        "SEAL_PKCS12_PATH": "",
        "SEAL_KEY_PASSWORD": "",
        "SEAL_PREVIOUS_CERTIFICATE_PATHS": "",
    }
