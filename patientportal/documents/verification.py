"""Verifying a signed copy (the staff page "Verify a signed copy"): is this PDF an unchanged
signed copy made by this installation, and whose?

Two independent proofs. Its SHA-256 is looked up among the signed copies on record (the
stored copy is the sealed one, so an unchanged copy matches byte for byte; copies made
before sealing began are found this way too). Failing that, its seal is read: made with one
of this installation's certificates, it is either intact (sealed here, but not on record —
nothing to name) or broken (changed after sealing). Names are given only for the verifying
clinic's own documents; of another clinic's copy the page says only that it is not theirs.
Every verification, a refused upload included, is an audit event of the verifying clinic."""

from dataclasses import dataclass

from patientportal.accounts.models import User
from patientportal.audit import services as audit
from patientportal.clinics.models import Clinic
from patientportal.documents.choices import SignedCopyCheck
from patientportal.documents.errors import DocumentError
from patientportal.documents.files import sha256_hex
from patientportal.documents.models import Signature
from patientportal.documents.seal import SealReading, UnreadablePdf, seal_read

MAX_VERIFY_BYTES = 20 * 1024 * 1024  # a copy is the original (at most 10 MB) and one page, sealed


@dataclass(frozen=True)
class SignedCopyVerification:
    outcome: SignedCopyCheck
    sha256: str
    sealed: bool  # carries this installation's seal (False for copies made before sealing began)
    added_after: bool = False  # changed by bytes added after the seal (saved again from a PDF reader)
    signature: Signature | None = None  # only for the verifying clinic's own documents


def _refusal(data: bytes) -> str | None:
    if not data:
        return "verify_empty"
    if len(data) > MAX_VERIFY_BYTES:
        return "verify_too_large"
    if not data.startswith(b"%PDF-"):
        return "verify_not_pdf"
    return None


def _read(data: bytes, *, on_record: bool) -> SealReading:
    try:
        return seal_read(data)
    except UnreadablePdf:
        if on_record:  # our own bytes, exactly: pyHanko cannot read a copy made before sealing began
            return SealReading(present=False)
        raise DocumentError("verify_unreadable") from None


def _outcome(signature: Signature | None, reading: SealReading, clinic: Clinic) -> SignedCopyCheck:
    if signature is not None:
        return SignedCopyCheck.UNCHANGED if signature.clinic_id == clinic.pk else SignedCopyCheck.NOT_THIS_CLINICS
    if reading.ours and reading.intact:
        return SignedCopyCheck.NOT_THIS_CLINICS  # sealed here and unchanged, but no record of it to name
    if reading.ours:
        return SignedCopyCheck.CHANGED
    return SignedCopyCheck.NOT_FROM_HERE


def _judge(data: bytes, clinic: Clinic) -> SignedCopyVerification:
    if code := _refusal(data):
        raise DocumentError(code)
    sha256 = sha256_hex(data)
    signature = (
        Signature.objects.select_related("request__document", "patient").filter(signed_copy_sha256=sha256).first()
    )
    reading = _read(data, on_record=signature is not None)
    outcome = _outcome(signature, reading, clinic)
    return SignedCopyVerification(
        outcome=outcome,
        sha256=sha256,
        sealed=reading.ours,
        added_after=reading.added_after and outcome == SignedCopyCheck.CHANGED,
        signature=signature if outcome == SignedCopyCheck.UNCHANGED else None,
    )


def signed_copy_verify(*, clinic: Clinic, data: bytes, actor: User) -> SignedCopyVerification:
    """Judge an uploaded PDF for this clinic's staff, and audit it; DocumentError (audited too)
    for a file that cannot be a signed copy at all (empty, too large, not a PDF, unreadable).
    No transaction: the audit event is one row, and a refusal is recorded as well."""
    try:
        verification = _judge(data, clinic)
    except DocumentError as refused:
        _audit(clinic=clinic, actor=actor, outcome=refused.code, data=data, signature=None)
        raise
    _audit(clinic=clinic, actor=actor, outcome=verification.outcome, data=data, signature=verification.signature)
    return verification


def _audit(*, clinic: Clinic, actor: User, outcome: str, data: bytes, signature: Signature | None) -> None:
    # Another clinic's copy leaves no trace of that clinic's patient or document here: only its hash.
    audit.record(
        action="documents.signed_copy.verified",
        actor=actor,
        clinic=clinic,
        patient=signature.patient if signature else None,
        obj=signature.request.document if signature else None,
        metadata={"outcome": str(outcome), "sha256": sha256_hex(data), "size": len(data)},
    )
