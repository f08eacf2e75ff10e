"""Sealing what must be kept but not read: the body of an email waiting to be sent.

An email's body can hold a usable secret (an invitation link, a password-reset or
email-confirmation key), so it is never stored in clear. The key is derived from
SECRET_KEY with HKDF (a key of its own, not SECRET_KEY itself); the keys of
SECRET_KEY_FALLBACKS still open what was sealed before a key rotation.
"""

import base64
import json
from collections.abc import Mapping

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

_PURPOSE = b"patientportal.core.email-body.v1"


class Unreadable(Exception):
    """A sealed value that no current key opens (the keys changed, or it was altered)."""


def _fernet(secret: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_PURPOSE).derive(secret.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def _keys() -> MultiFernet:
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet([_fernet(secret) for secret in secrets])


def seal(value: Mapping[str, object]) -> str:
    """Encrypt and authenticate a JSON-able mapping; the result is ASCII."""
    return _keys().encrypt(json.dumps(value).encode()).decode("ascii")


def unseal(token: str) -> dict[str, object]:
    try:
        opened = json.loads(_keys().decrypt(token.encode("ascii")))
    except (InvalidToken, ValueError):
        raise Unreadable from None
    if not isinstance(opened, dict):
        raise Unreadable
    return opened
