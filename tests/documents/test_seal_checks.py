"""The seal's system check: a production deploy without a usable seal stops at `check`,
`migrate` and `runserver` (documents.E001), so no patient ever meets an unsealable copy;
development makes its own on first use and is not bothered."""

import datetime
import os

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from django.core import checks

from patientportal.documents.seal_certificate import certificate_build, certificate_files_make
from tests.core.test_production_settings import PRODUCTION_ENV, manage


def seal_messages() -> list[checks.CheckMessage]:
    return [message for message in checks.run_checks() if message.id.startswith("documents.")]


@pytest.fixture
def production(settings):
    settings.SEAL_CREATE_IF_MISSING = False
    return settings


def pair(tmp_path, *, days=365, name="key.pem"):
    key, certificate = tmp_path / name, tmp_path / f"{name}.certificate.pem"
    certificate_files_make(key_path=key, certificate_path=certificate, common_name="Check", organization="X", days=days)
    return key, certificate


def test_a_good_seal_reports_nothing():
    assert seal_messages() == []


def test_production_without_a_seal_is_an_error_naming_what_to_set(production):
    production.SEAL_KEY_PATH = production.SEAL_CERTIFICATE_PATH = ""
    [error] = seal_messages()
    assert (error.id, error.level) == ("documents.E001", checks.ERROR)
    assert "SEAL_KEY_PATH" in error.msg and "make_signing_certificate" in error.hint


@pytest.mark.parametrize("missing", ["key", "certificate"])
def test_a_missing_or_unreadable_file_is_an_error_naming_it(production, tmp_path, missing):
    key, certificate = pair(tmp_path)
    gone = key if missing == "key" else certificate
    gone.unlink()
    production.SEAL_KEY_PATH, production.SEAL_CERTIFICATE_PATH = str(key), str(certificate)
    [error] = seal_messages()
    assert error.id == "documents.E001" and str(gone) in error.msg


def test_a_key_of_another_certificate_is_an_error(production, tmp_path):
    key, _certificate = pair(tmp_path, name="one.pem")
    _key, other = pair(tmp_path, name="two.pem")
    production.SEAL_KEY_PATH, production.SEAL_CERTIFICATE_PATH = str(key), str(other)
    [error] = seal_messages()
    assert error.id == "documents.E001" and "do not belong together" in error.msg


def test_a_wrong_pkcs12_password_is_an_error(production, tmp_path):
    bundle = tmp_path / "clinic.p12"
    bundle.write_bytes(b"not a pkcs12 file")
    production.SEAL_PKCS12_PATH = str(bundle)
    [error] = seal_messages()
    assert error.id == "documents.E001" and "SEAL_KEY_PASSWORD" in error.msg


def test_an_expired_certificate_is_an_error_and_one_about_to_expire_a_warning(production, tmp_path):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key_path, certificate_path = tmp_path / "key.pem", tmp_path / "certificate.pem"
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    os.chmod(key_path, 0o600)
    production.SEAL_KEY_PATH, production.SEAL_CERTIFICATE_PATH = str(key_path), str(certificate_path)
    soon = certificate_build(key=key, common_name="Soon", organization="X", days=10)
    certificate_path.write_bytes(soon.public_bytes(serialization.Encoding.PEM))
    assert [message.id for message in seal_messages()] == ["documents.W001"]

    now = datetime.datetime.now(datetime.UTC)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Old")])
    expired = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=400))
        .not_valid_after(now - datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    certificate_path.write_bytes(expired.public_bytes(serialization.Encoding.PEM))
    assert [message.id for message in seal_messages()] == ["documents.E002"]


def test_a_key_others_can_read_and_an_unreadable_previous_certificate_are_warnings(production, tmp_path):
    key, certificate = pair(tmp_path)
    os.chmod(key, 0o644)
    production.SEAL_KEY_PATH, production.SEAL_CERTIFICATE_PATH = str(key), str(certificate)
    production.SEAL_PREVIOUS_CERTIFICATE_PATHS = [str(tmp_path / "gone.pem")]
    assert sorted(message.id for message in seal_messages()) == ["documents.W002", "documents.W003"]


def test_development_reports_nothing_before_its_seal_is_made_and_makes_nothing(settings, tmp_path):
    settings.SEAL_CREATE_IF_MISSING = True
    settings.SEAL_KEY_PATH, settings.SEAL_CERTIFICATE_PATH = str(tmp_path / "k.pem"), str(tmp_path / "c.pem")
    assert seal_messages() == []
    assert list(tmp_path.iterdir()) == []


def test_a_production_deploy_without_a_seal_stops_at_the_check():
    result = manage("check", "--deploy", env={**PRODUCTION_ENV, "SEAL_KEY_PATH": "", "SEAL_CERTIFICATE_PATH": ""})
    assert result.returncode != 0
    assert "documents.E001" in result.stderr and "make_signing_certificate" in result.stderr
