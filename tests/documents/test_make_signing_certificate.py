"""`manage.py make_signing_certificate`: the installation's seal, a key readable by its owner
only and a self-signed certificate, written where the settings say; never replaced by
accident, and rotated with --force (the old certificate kept for recognising old copies)."""

import os
import stat
from io import StringIO

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID
from django.core.management import CommandError, call_command

from patientportal.documents.seal_certificate import seal_keys


@pytest.fixture
def paths(settings, tmp_path):
    key, certificate = tmp_path / "seal" / "key.pem", tmp_path / "seal" / "certificate.pem"
    settings.SEAL_KEY_PATH, settings.SEAL_CERTIFICATE_PATH = str(key), str(certificate)
    settings.SEAL_CREATE_IF_MISSING = False
    return key, certificate


def make(*args: str) -> str:
    out = StringIO()
    call_command("make_signing_certificate", *args, stdout=out)
    return out.getvalue()


def test_it_makes_a_private_key_and_its_self_signed_certificate(paths, settings):
    key_path, certificate_path = paths
    settings.SITE_NAME, settings.SITE_URL = "Riverside Portal", "https://portal.riverside.example"

    output = make()

    assert stat.S_IMODE(os.stat(key_path).st_mode) == 0o600
    key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    certificate = x509.load_pem_x509_certificate(certificate_path.read_bytes())
    assert certificate.issuer == certificate.subject  # self-signed
    assert certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == (
        "Riverside Portal seal (portal.riverside.example)"
    )
    assert key.public_key().public_numbers() == certificate.public_key().public_numbers()
    usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment and not usage.key_encipherment
    # An authority that can issue no other authority: what NSS-based readers accept as a trust anchor.
    constraints = certificate.extensions.get_extension_for_class(x509.BasicConstraints).value
    assert (constraints.ca, constraints.path_length) == (True, 0)
    assert (certificate.not_valid_after_utc - certificate.not_valid_before_utc).days >= 5 * 365
    assert str(key_path) in output and "SHA-256" in output
    assert seal_keys().certificate == certificate  # what the portal now seals with


def test_it_refuses_to_overwrite_without_force(paths):
    key_path, certificate_path = paths
    make()
    before = key_path.read_bytes(), certificate_path.read_bytes()

    with pytest.raises(CommandError, match="--force"):
        make()
    assert (key_path.read_bytes(), certificate_path.read_bytes()) == before

    key_path.unlink()  # half a pair is not overwritten either
    with pytest.raises(CommandError, match="already exist"):
        make()
    assert certificate_path.read_bytes() == before[1]


def test_force_rotates_and_keeps_the_old_certificate_but_not_the_old_key(paths):
    key_path, certificate_path = paths
    make("--name", "First", "--days", "30")
    old_key, old_certificate = key_path.read_bytes(), certificate_path.read_bytes()
    assert seal_keys().subject == "First"

    output = make("--force", "--name", "Second")

    assert seal_keys().subject == "Second"  # used from the next seal on, without a restart

    assert key_path.read_bytes() != old_key and certificate_path.read_bytes() != old_certificate
    assert stat.S_IMODE(os.stat(key_path).st_mode) == 0o600
    retired = [path for path in certificate_path.parent.iterdir() if "retired" in path.name]
    assert [path.read_bytes() for path in retired] == [old_certificate]
    assert str(retired[0]) in output and "SEAL_PREVIOUS_CERTIFICATE_PATHS" in output
    assert not any(path.read_bytes() == old_key for path in key_path.parent.iterdir() if path.is_file())


def test_the_key_is_encrypted_when_a_password_is_set(paths, settings):
    settings.SEAL_KEY_PASSWORD = "correct horse battery"
    make()
    data = paths[0].read_bytes()
    with pytest.raises(TypeError):
        serialization.load_pem_private_key(data, password=None)
    assert serialization.load_pem_private_key(data, password=b"correct horse battery")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"SEAL_KEY_PATH": ""}, "Set SEAL_KEY_PATH and SEAL_CERTIFICATE_PATH"),
        ({"SEAL_PKCS12_PATH": "/etc/portal/clinic.p12"}, "SEAL_PKCS12_PATH is set"),
    ],
)
def test_it_needs_the_paths_and_no_pkcs12(paths, settings, overrides, message):
    for name, value in overrides.items():
        setattr(settings, name, value)
    with pytest.raises(CommandError, match=message):
        make()
    assert not paths[0].exists() and not paths[1].exists()


def test_days_are_bounded(paths):
    with pytest.raises(CommandError, match="--days"):
        make("--days", "0")
