"""The system check of the seal on signed copies (documents.seal): `check`, `migrate` and
`runserver` stop while the installation cannot seal, so a deploy finds it, not a patient.

- documents.E001 (error): no usable key and certificate (not configured, missing, unreadable,
  a wrong password, a key that does not belong to its certificate). In development a missing
  pair is no error: it is made on first use.
- documents.E002 (error): the certificate has expired (PDF readers would call every new copy
  invalid).
- documents.W001: the certificate expires within 30 days: rotate it.
- documents.W002: the key file can be read by others than its owner.
- documents.W003: a previous certificate (SEAL_PREVIOUS_CERTIFICATE_PATHS) cannot be read.
"""

import datetime
import stat
from pathlib import Path
from typing import Any

from cryptography import x509
from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning

from patientportal.documents.seal_certificate import (
    EXPIRY_WARNING_DAYS,
    SealKeys,
    SealUnavailable,
    configured_paths,
    seal_keys,
)

_HINT = (
    "Run `python manage.py make_signing_certificate` (docs/configuration.md, SEAL_KEY_PATH and "
    "SEAL_CERTIFICATE_PATH), or set SEAL_PKCS12_PATH and SEAL_KEY_PASSWORD to the clinic's own certificate."
)


def _development_pair_pending() -> bool:
    """In development a pair that does not exist yet is made on first use: nothing to report."""
    if not settings.SEAL_CREATE_IF_MISSING:
        return False
    try:
        paths = configured_paths()
    except SealUnavailable:
        return False
    return paths is not None and not paths[0].exists() and not paths[1].exists()


def _loaded() -> tuple[SealKeys | None, list[CheckMessage]]:
    if _development_pair_pending():
        return None, []
    try:
        # With SEAL_CREATE_IF_MISSING only a pair that is half there gets here, and that is not remade.
        return seal_keys(), []
    except SealUnavailable as problem:
        return None, [Error(f"Signed copies cannot be sealed: {problem}", hint=_HINT, id="documents.E001")]


def _expiry(certificate: x509.Certificate) -> list[CheckMessage]:
    now = datetime.datetime.now(datetime.UTC)
    ends = certificate.not_valid_after_utc
    if ends <= now:
        return [
            Error(
                f"The seal's certificate expired on {ends:%Y-%m-%d}: PDF readers call new signed copies invalid.",
                hint="Make or install a new one (README, “The seal on signed copies”, rotation).",
                id="documents.E002",
            )
        ]
    if ends <= now + datetime.timedelta(days=EXPIRY_WARNING_DAYS):
        return [
            Warning(
                f"The seal's certificate expires on {ends:%Y-%m-%d}.",
                hint="Rotate it before then (README, “The seal on signed copies”).",
                id="documents.W001",
            )
        ]
    return []


def _key_file_mode() -> list[CheckMessage]:
    path = Path(settings.SEAL_PKCS12_PATH or settings.SEAL_KEY_PATH)
    try:
        mode = path.stat().st_mode
    except OSError:
        return []
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        return [
            Warning(
                f"The seal's key file {path} can be read by other accounts (mode {stat.S_IMODE(mode):04o}).",
                hint=f"chmod 600 {path}",
                id="documents.W002",
            )
        ]
    return []


def _previous_certificates() -> list[CheckMessage]:
    problems: list[CheckMessage] = []
    for name in settings.SEAL_PREVIOUS_CERTIFICATE_PATHS:
        try:
            x509.load_pem_x509_certificates(Path(name).read_bytes())
        except (OSError, ValueError):
            problems.append(
                Warning(
                    f"A previous seal certificate cannot be read: {name} (SEAL_PREVIOUS_CERTIFICATE_PATHS).",
                    hint="Copies sealed with it are still recognised by their record; fix or remove the path.",
                    id="documents.W003",
                )
            )
    return problems


def seal_configured(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    keys, problems = _loaded()
    if keys is not None:
        problems += _expiry(keys.certificate) + _key_file_mode()
    return problems + _previous_certificates()
