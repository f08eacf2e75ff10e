"""The seal on a signed copy: a PAdES (baseline B-B) certification signature made with the
installation's key (documents.seal_certificate), covering the whole file and allowing no
change after it, so any PDF reader shows whether the copy was changed after it was made.

Reading a seal back (`seal_read`) is for the staff verify page: is there a seal by one of
this installation's certificates, and does it still cover exactly these bytes? No network
is used: the certificate is compared with ours, nothing is fetched. There is no time stamp
from a time-stamping authority (the signing time is the server's clock); pyHanko's
`HTTPTimeStamper` could add one (docs/decisions.md)."""

import asyncio
import io
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding
from django.conf import settings
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.fields import MDPPerm, SigSeedSubFilter
from pyhanko.sign.signers import PdfSignatureMetadata, Signer, async_sign_pdf
from pyhanko.sign.validation import EmbeddedPdfSignature, async_validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from patientportal.documents.seal_certificate import SealKeys, certificate_fingerprint, seal_certificates

SEAL_FIELD = "Seal"
DIGEST = "sha256"
T = TypeVar("T")


class UnreadablePdf(Exception):
    """pyHanko could not read the file as a PDF (damaged, or not a PDF at all)."""


@dataclass(frozen=True)
class SealReading:
    """What a PDF's seal says. `ours`: made with one of this installation's certificates;
    `intact`: its signature is valid and covers every byte of the file; `added_after`: it is
    valid for its own revision but bytes were added after it (saved again, with notes, say)."""

    present: bool
    ours: bool = False
    intact: bool = False
    added_after: bool = False


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    """pyHanko's work is written as coroutines. Run one to the end here; from a thread that
    already runs an event loop (a browser test's), in a thread of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def _asn1_certificate(certificate: Any) -> Any:
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


class _SealSigner(Signer):
    """Signs with the key already loaded. (pyHanko's SimpleSigner loads its key again for every
    signature, and OpenSSL checks an RSA key as it loads it: about 200 ms each time.)"""

    def __init__(self, keys: SealKeys) -> None:
        certificate = _asn1_certificate(keys.certificate)
        registry = SimpleCertificateStore()
        registry.register_multiple([certificate, *(_asn1_certificate(issuer) for issuer in keys.chain)])
        super().__init__(signing_cert=certificate, cert_registry=registry)
        self._key = keys.key

    async def async_sign_raw(self, data: bytes, digest_algorithm: str, dry_run: bool = False) -> bytes:
        if digest_algorithm != DIGEST:
            raise ValueError(f"The seal signs with {DIGEST}, not {digest_algorithm}.")
        if isinstance(self._key, ec.EllipticCurvePrivateKey):
            return self._key.sign(data, ec.ECDSA(hashes.SHA256()))
        return self._key.sign(data, padding.PKCS1v15(), hashes.SHA256())  # pyHanko's mechanism for RSA keys


def seal_pdf(data: bytes, *, keys: SealKeys) -> bytes:
    """The PDF with the seal added as an incremental update: the bytes before it are unchanged."""
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    metadata = PdfSignatureMetadata(
        field_name=SEAL_FIELD,
        md_algorithm=DIGEST,
        subfilter=SigSeedSubFilter.PADES,
        certify=True,
        docmdp_permissions=MDPPerm.NO_CHANGES,
        name=keys.subject,
        reason=f"Signed copy sealed by {settings.SITE_NAME}: any change after sealing breaks this signature",
        location=host,
        contact_info=settings.SITE_URL,
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    output = io.BytesIO()
    _run(async_sign_pdf(writer, metadata, signer=_SealSigner(keys), output=output))
    return output.getvalue()


def sealable(data: bytes) -> bool:
    """Can pyHanko open these bytes to add a seal? Tried at upload on the copy's pages, with
    the rest of the trial copy (documents.signed_copy.signed_copy_possible)."""
    try:
        IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    except Exception:  # noqa: BLE001 - a hostile file can make a parser raise anything; it is refused
        return False
    return True


def _open(data: bytes) -> list[EmbeddedPdfSignature]:
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        return list(reader.embedded_signatures)
    except Exception:  # noqa: BLE001 - a hostile or damaged file can make a parser raise anything
        raise UnreadablePdf from None


def seal_read(data: bytes) -> SealReading:
    """The seal of these PDF bytes as this installation judges it; UnreadablePdf if pyHanko cannot read them."""
    signatures = _open(data)
    if not signatures:
        return SealReading(present=False)
    ours = {certificate_fingerprint(certificate): certificate for certificate in seal_certificates()}
    for embedded in signatures:
        try:
            certificate = embedded.signer_cert
        except Exception:  # noqa: BLE001, S112 - a malformed signature is not ours
            continue
        if certificate.sha256.hex() in ours:
            return _judge(embedded, [_asn1_certificate(known) for known in ours.values()])
    return SealReading(present=True)


def _judge(embedded: EmbeddedPdfSignature, roots: list[Any]) -> SealReading:
    context = ValidationContext(trust_roots=roots, allow_fetching=False)
    try:
        status = _run(async_validate_pdf_signature(embedded, context, skip_diff=True))
    except Exception:  # noqa: BLE001 - a signature that cannot even be checked is not intact
        return SealReading(present=True, ours=True)
    valid = bool(status.intact and status.valid)
    whole = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    return SealReading(present=True, ours=True, intact=valid and whole, added_after=valid and not whole)
