"""The sealed signed copy (issue 16, part 4): every signed copy carries a PAdES signature made
with the installation's certificate, which pyHanko — an independent reader of what we wrote —
validates, and which breaks when one byte it covers changes. No network: nothing is fetched."""

import io
import os
import stat

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.fields import MDPPerm
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader

from patientportal.documents.choices import SignatureStatus
from patientportal.documents.errors import DocumentError
from patientportal.documents.files import sha256_hex
from patientportal.documents.models import Signature
from patientportal.documents.seal import seal_read
from patientportal.documents.seal_certificate import certificate_files_make, certificate_fingerprint
from tests.conftest import client_for
from tests.documents.helpers import pdf_bytes, upload
from tests.documents.test_signing import sign
from tests.seal import seal_files

pytestmark = pytest.mark.django_db


def our_certificate(path=None) -> x509.Certificate:
    return x509.load_pem_x509_certificate((path or seal_files()[1]).read_bytes())


def copy_of(signature) -> bytes:
    with signature.signed_copy.open("rb") as handle:
        return handle.read()


def pyhanko_status(data: bytes, certificate: x509.Certificate):
    """pyHanko's own verdict on the one signature, trusting only `certificate`, fetching nothing."""
    signatures = PdfFileReader(io.BytesIO(data), strict=False).embedded_signatures
    assert len(signatures) == 1
    root = asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))
    context = ValidationContext(trust_roots=[root], allow_fetching=False)
    return signatures[0], validate_pdf_signature(signatures[0], context)


def one_byte_changed_in_the_signed_range(data: bytes) -> bytes:
    """The copy with one byte flipped inside the first content stream (so the file still parses),
    checked to lie inside the range the seal signs."""
    embedded = PdfFileReader(io.BytesIO(data), strict=False).embedded_signatures[0]
    start, length = embedded.sig_object["/ByteRange"][0], embedded.sig_object["/ByteRange"][1]
    position = data.index(b"stream", 0) + len(b"stream\n") + 10
    assert start <= position < start + length
    return data[:position] + bytes([data[position] ^ 0x01]) + data[position + 1 :]


def signed_copy(world, title="Consent form") -> tuple[Signature, bytes]:
    signature = sign(world, upload(world, data=pdf_bytes(title), title=title))
    return signature, copy_of(signature)


def test_the_signed_copy_validates_with_pyhanko_and_the_certificate_is_ours(world):
    signature, data = signed_copy(world)

    embedded, status = pyhanko_status(data, our_certificate())
    assert status.intact and status.valid and status.trusted and status.bottom_line
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert status.signing_cert.sha256.hex() == certificate_fingerprint(our_certificate())
    # PAdES, a certification signature that allows no change at all.
    assert embedded.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    assert embedded.docmdp_level == MDPPerm.NO_CHANGES
    # What is stored, served and hashed in the evidence is the sealed copy.
    assert signature.signed_copy_sha256 == sha256_hex(data)
    assert len(PdfReader(io.BytesIO(data)).pages) == 2  # the one-page form and the record
    assert seal_read(data).intact


def test_one_byte_changed_in_the_signed_range_breaks_the_seal(world):
    _signature, data = signed_copy(world)
    tampered = one_byte_changed_in_the_signed_range(data)

    _embedded, status = pyhanko_status(tampered, our_certificate())
    assert not status.intact and not status.bottom_line
    reading = seal_read(tampered)
    assert (reading.ours, reading.intact, reading.added_after) == (True, False, False)


def saved_again_with_a_change(data: bytes) -> bytes:
    """The copy as a PDF reader saves it after a change: an incremental update after the seal."""
    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    writer.root["/PageMode"] = generic.NameObject("/UseOutlines")
    writer.update_root()
    resaved = io.BytesIO()
    writer.write(resaved)
    return resaved.getvalue()


def test_bytes_added_after_the_seal_are_seen(world):
    _signature, data = signed_copy(world)
    resaved = saved_again_with_a_change(data)

    _embedded, status = pyhanko_status(resaved, our_certificate())
    assert status.intact and status.coverage == SignatureCoverageLevel.ENTIRE_REVISION
    reading = seal_read(resaved)
    assert (reading.ours, reading.intact, reading.added_after) == (True, False, True)


def test_another_certificate_is_not_ours(world, settings, tmp_path):
    _signature, data = signed_copy(world)
    key, certificate = tmp_path / "key.pem", tmp_path / "certificate.pem"
    certificate_files_make(key_path=key, certificate_path=certificate, common_name="Elsewhere", organization="X")
    settings.SEAL_KEY_PATH, settings.SEAL_CERTIFICATE_PATH = str(key), str(certificate)

    reading = seal_read(data)
    assert (reading.present, reading.ours) == (True, False)
    settings.SEAL_PREVIOUS_CERTIFICATE_PATHS = [str(seal_files()[1])]  # after a rotation: still recognised
    assert seal_read(data).intact


def test_signing_is_refused_and_nothing_is_signed_while_the_seal_is_missing(world, settings, tmp_path, caplog):
    document = upload(world)
    settings.SEAL_CREATE_IF_MISSING = False
    settings.SEAL_KEY_PATH = str(tmp_path / "missing-key.pem")

    with pytest.raises(DocumentError) as refused:
        sign(world, document)

    assert refused.value.code == "seal_unavailable"
    assert "Nothing was signed" in str(refused.value.message)
    document.signature_request.refresh_from_db()
    assert document.signature_request.status == SignatureStatus.PENDING
    assert not Signature.objects.exists()
    assert list(document.signature_request.events.values_list("kind", flat=True)) == ["requested"]
    assert "missing-key.pem" in caplog.text  # the operator's log says which file


def test_development_makes_its_seal_on_first_use_with_a_private_key(world, settings, tmp_path):
    folder = tmp_path / "seal"
    settings.SEAL_CREATE_IF_MISSING = True
    settings.SEAL_KEY_PATH, settings.SEAL_CERTIFICATE_PATH = str(folder / "key.pem"), str(folder / "certificate.pem")

    signature = sign(world, upload(world))

    assert stat.S_IMODE(os.stat(folder / "key.pem").st_mode) == 0o600
    made = our_certificate(folder / "certificate.pem")
    assert "development only" in made.subject.rfc4514_string()
    _embedded, status = pyhanko_status(copy_of(signature), made)
    assert status.bottom_line


def test_a_pkcs12_certificate_with_a_password_seals_the_copy(world, settings, tmp_path):
    key_path, certificate_path = tmp_path / "key.pem", tmp_path / "certificate.pem"
    certificate, _retired = certificate_files_make(
        key_path=key_path, certificate_path=certificate_path, common_name="Riverside Clinic", organization="Riverside"
    )
    key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    bundle = tmp_path / "clinic.p12"
    bundle.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"seal", key, certificate, None, serialization.BestAvailableEncryption(b"s3cret-pass")
        )
    )
    settings.SEAL_PKCS12_PATH, settings.SEAL_KEY_PASSWORD = str(bundle), "s3cret-pass"

    signature = sign(world, upload(world))
    _embedded, status = pyhanko_status(copy_of(signature), certificate)
    assert status.bottom_line and status.signing_cert.sha256.hex() == certificate_fingerprint(certificate)

    settings.SEAL_KEY_PASSWORD = "wrong"
    with pytest.raises(DocumentError) as refused:
        sign(world, upload(world, title="Second form"))
    assert refused.value.code == "seal_unavailable"


def test_an_encrypted_pem_key_needs_its_password(world, settings, tmp_path):
    settings.SEAL_KEY_PASSWORD = "pem-pass-phrase"
    key_path, certificate_path = tmp_path / "key.pem", tmp_path / "certificate.pem"
    certificate, _retired = certificate_files_make(
        key_path=key_path, certificate_path=certificate_path, common_name="Encrypted", organization="X"
    )
    assert b"ENCRYPTED" in key_path.read_bytes()
    settings.SEAL_KEY_PATH, settings.SEAL_CERTIFICATE_PATH = str(key_path), str(certificate_path)

    _embedded, status = pyhanko_status(copy_of(sign(world, upload(world))), certificate)
    assert status.bottom_line
    settings.SEAL_KEY_PASSWORD = ""
    with pytest.raises(DocumentError):
        sign(world, upload(world, title="Second form"))


def test_the_sealed_copy_is_stored_in_the_bucket_and_served_as_sealed(world, s3_storage):
    signature, data = signed_copy(world)

    assert s3_storage.read(signature.signed_copy.name) == data
    s3_storage.assert_private_and_encrypted(signature.signed_copy.name)
    response = client_for(world.patient_user_1).get(
        f"/portal/documents/{signature.request.document_id}/signed-copy.pdf"
    )
    served = b"".join(response.streaming_content)
    assert served == data
    _embedded, status = pyhanko_status(served, our_certificate())
    assert status.bottom_line
