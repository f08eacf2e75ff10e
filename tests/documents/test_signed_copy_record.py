"""The signature record page of the signed copy prints the consent and acknowledgement wording
the patient was shown, not only its hashes — and the hashes in the evidence are of exactly
the words printed."""

import hashlib
import io

import pytest
from pypdf import PdfReader

from patientportal.documents.consent import ACKNOWLEDGEMENT_TEXT, CONSENT_TEXT
from patientportal.documents.seal_certificate import certificate_fingerprint
from tests.documents.helpers import upload
from tests.documents.test_seal import copy_of, our_certificate
from tests.documents.test_signing import sign

pytestmark = pytest.mark.django_db


def words(text: str) -> str:
    return " ".join(text.split())


def quoted(record: str, after: str) -> str:
    """The text between the curly quotes that follow `after` on the page."""
    start = record.index("“", record.index(after)) + 1
    return record[start : record.index("”", start)]


def test_the_record_page_prints_the_wording_the_patient_saw_and_its_hashes(world):
    signature = sign(world, upload(world))
    pages = PdfReader(io.BytesIO(copy_of(signature))).pages
    record = words(pages[-1].extract_text())

    assert "Electronic signature record" in record
    consent, acknowledgement = words(str(CONSENT_TEXT)), words(str(ACKNOWLEDGEMENT_TEXT))
    assert quoted(record, "Consent to do business electronically, as shown") == consent
    assert quoted(record, "Acknowledgement, as shown") == acknowledgement
    # The evidence's hashes are of the words printed (and shown), with their versions and language.
    assert hashlib.sha256(str(CONSENT_TEXT).encode()).hexdigest() == signature.consent_sha256
    assert hashlib.sha256(str(ACKNOWLEDGEMENT_TEXT).encode()).hexdigest() == signature.acknowledgement_sha256
    compact = record.replace(" ", "")
    for printed in (signature.consent_sha256, signature.acknowledgement_sha256, "esign-consent-2026-11"):
        assert printed in compact
    assert "shown in English (en)" in record
    # The seal is named on the page, with the certificate's fingerprint a reader shows.
    assert "Digital seal" in record and certificate_fingerprint(our_certificate()) in compact
