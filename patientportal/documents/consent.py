"""The texts a signer is shown, each with a version. The signature keeps the
version and the SHA-256 of the exact text, so what was agreed to can be
shown later even after the wording changes (add a new version, never edit
an old one)."""

import hashlib
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

CONSENT_VERSION = "esign-consent-2026-11"
CONSENT_TEXT = _(
    "Consent to do business electronically. You agree to receive and sign this document electronically "
    "instead of on paper. You have the right to a paper copy: ask the clinic and it will give you one free of "
    "charge. You may withdraw this consent at any time by telling the clinic; withdrawing does not undo "
    "documents you already signed. To view and keep these records you need a device with a current web "
    "browser and a PDF viewer; you can download a signed copy after signing. Keep your contact details up to "
    "date with the clinic."
)

ACKNOWLEDGEMENT_VERSION = "esign-ack-2026-11"
ACKNOWLEDGEMENT_TEXT = _(
    "I understand that my electronic signature is legally binding, that it has the same effect as a "
    "handwritten signature, and that I am signing the document shown above."
)


def text_sha256(text: "StrOrPromise") -> str:
    return hashlib.sha256(str(text).encode()).hexdigest()
