"""Documents and signatures (PRODUCT.md F-10): upload, signature requests,
signing with evidence, the signed copy, and the integrity check."""

import datetime
import hashlib
import logging

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from patientportal.accounts.models import User
from patientportal.audit import services as audit
from patientportal.audit.transitions import transition
from patientportal.clinics.features import Feature, clinic_has_feature
from patientportal.clinics.models import Clinic
from patientportal.core import request_context
from patientportal.core.deliveries import about_label
from patientportal.core.emails import queue_templated_email
from patientportal.core.models import EmailDelivery
from patientportal.core.tasks import delivery_resend
from patientportal.documents.choices import SignatureEventKind, SignatureMethod, SignatureStatus
from patientportal.documents.consent import (
    ACKNOWLEDGEMENT_TEXT,
    ACKNOWLEDGEMENT_VERSION,
    CONSENT_TEXT,
    CONSENT_VERSION,
    text_sha256,
)
from patientportal.documents.errors import DocumentError
from patientportal.documents.files import (
    PDF,
    SIGNABLE_TYPES,
    UnacceptableFile,
    image_is_animated,
    judge_upload,
    pdf_page_count,
    sha256_hex,
)
from patientportal.documents.machines import SIGNATURE_REQUEST, signature_event
from patientportal.documents.models import Document, Signature, SignatureRequest
from patientportal.documents.preview import MAX_PAGES, page_images_delete
from patientportal.documents.seal import seal_pdf
from patientportal.documents.seal_certificate import SealKeys, SealUnavailable, seal_keys
from patientportal.documents.signature_input import Stroke
from patientportal.documents.signed_copy import build_signed_copy, signed_copy_possible
from patientportal.notifications.choices import NotificationKind
from patientportal.notifications.services import notify_staff
from patientportal.patients.links import record_link_query
from patientportal.patients.models import Patient
from patientportal.patients.selectors import portal_users_for_patient

MIN_DUE_DAYS, MAX_DUE_DAYS, DEFAULT_DUE_DAYS = 1, 365, 30

logger = logging.getLogger(__name__)


def document_upload(
    *,
    patient: Patient,
    data: bytes,
    filename: str,
    doc_type: str,
    title: str,
    actor: User,
    claimed_type: str = "",
    description: str = "",
    visible_in_portal: bool = False,
    signature_due_days: int | None = None,
    notify_signers: bool = True,
) -> Document:
    """Store one document with its original bytes after judging them by content (and
    the name and the browser's claimed type against it, and the virus scan).
    With `signature_due_days`, the patient is asked to sign it (PDF or image only)
    and, unless the caller announces several together, the signers are emailed."""
    # Judged before the transaction opens: the virus scan can take seconds.
    content_type = judge_upload(data, filename=filename, claimed_type=claimed_type)  # UnacceptableFile for the form
    page_count = _page_count_of(data, content_type)  # counted now, in memory, so showing it never reads the file
    with transaction.atomic():
        return _document_store(
            patient=patient,
            data=data,
            content_type=content_type,
            page_count=page_count,
            doc_type=doc_type,
            title=title,
            actor=actor,
            description=description,
            visible_in_portal=visible_in_portal,
            signature_due_days=signature_due_days,
            notify_signers=notify_signers,
        )


def _document_store(
    *,
    patient: Patient,
    data: bytes,
    content_type: str,
    page_count: int | None,
    doc_type: str,
    title: str,
    actor: User,
    description: str,
    visible_in_portal: bool,
    signature_due_days: int | None,
    notify_signers: bool,
) -> Document:
    if signature_due_days is not None:
        if not clinic_has_feature(patient.clinic, Feature.DOCUMENT_SIGNING):
            raise DocumentError("signing_not_in_plan")
        if not MIN_DUE_DAYS <= signature_due_days <= MAX_DUE_DAYS:
            raise DocumentError("expiry_out_of_range")
        _check_signable(data, content_type)
    document = Document(
        clinic=patient.clinic,
        patient=patient,
        doc_type=doc_type,
        title=title.strip(),
        description=description.strip(),
        content_type=content_type,
        size=len(data),
        sha256=sha256_hex(data),
        page_count=page_count,
        visible_in_portal=visible_in_portal or signature_due_days is not None,
        uploaded_by=actor,
    )
    document.file.save("document", ContentFile(data), save=False)
    document.save()
    audit.record(
        action="documents.document.uploaded",
        actor=actor,
        clinic=document.clinic,
        patient=patient,
        obj=document,
        metadata={"type": doc_type, "content_type": content_type, "size": len(data)},
    )
    if signature_due_days is not None:
        _ask_to_sign(document, due_days=signature_due_days, actor=actor, existing=None, notify=notify_signers)
    return document


def _ask_to_sign(
    document: Document, *, due_days: int, actor: User, existing: SignatureRequest | None, notify: bool = True
) -> SignatureRequest:
    """Open a request (or re-open an expired or withdrawn one: its timeline goes on), tell the signers."""
    now = timezone.now()
    expires_at = signature_expiry(clinic=document.clinic, due_days=due_days, now=now)
    if existing is None:
        request = SignatureRequest.objects.create(
            document=document,
            clinic=document.clinic,
            patient=document.patient,
            requested_by=actor,
            expires_at=expires_at,
        )
        signature_event(request, SignatureEventKind.REQUESTED, actor)
        audit.record(
            action="documents.signature.requested",
            actor=actor,
            clinic=document.clinic,
            patient=document.patient,
            obj=request,
            metadata={"due_days": due_days, "again": False},
        )
    else:
        request = existing
        transition(
            machine=SIGNATURE_REQUEST,
            obj=request,
            to=SignatureStatus.PENDING,
            actor=actor,
            fields={
                "expires_at": expires_at,
                "requested_by": actor,
                "requested_at": now,
                "withdrawn_by": None,
                "withdrawn_at": None,
            },
            audit_action="documents.signature.requested",
            audit_metadata={"due_days": due_days, "again": True},
        )
    if notify:
        _tell_signers([request])
    return request


def signature_can_be_requested(*, document: Document) -> bool:
    """Is asking to sign on offer for this stored document: the plan has signing,
    the file is a PDF or an image, and no request is pending or signed?
    (`signature_request_send` checks the file itself too.)"""
    if not clinic_has_feature(document.clinic, Feature.DOCUMENT_SIGNING):
        return False
    if document.content_type not in SIGNABLE_TYPES:
        return False
    try:
        status = document.signature_request.status_at(timezone.now())
    except SignatureRequest.DoesNotExist:
        return True
    return status not in (SignatureStatus.PENDING, SignatureStatus.SIGNED)


@transaction.atomic
def signature_request_send(*, document: Document, due_days: int, actor: User) -> SignatureRequest:
    """Ask for a signature on a stored document: a reference document, or one whose
    request expired or was withdrawn (asked again). Never while one is pending or signed."""
    if not clinic_has_feature(document.clinic, Feature.DOCUMENT_SIGNING):
        raise DocumentError("signing_not_in_plan")
    if not MIN_DUE_DAYS <= due_days <= MAX_DUE_DAYS:
        raise DocumentError("expiry_out_of_range")
    locked = Document.objects.select_for_update().get(pk=document.pk)  # the document, then its request
    existing = SignatureRequest.objects.select_for_update().filter(document=locked).first()
    if existing and existing.status_at(timezone.now()) in (SignatureStatus.PENDING, SignatureStatus.SIGNED):
        raise DocumentError("already_requested")
    data = document_bytes(locked)
    if sha256_hex(data) != locked.sha256:
        raise DocumentError("file_changed")
    try:
        _check_signable(data, locked.content_type)
    except UnacceptableFile:  # stored before uploads were opened with PDFium, and PDFium cannot open it
        raise DocumentError("cannot_copy") from None
    if not locked.visible_in_portal:  # a document to sign is always shown to the patient
        locked.visible_in_portal = True
        locked.save(update_fields=["visible_in_portal"])
    return _ask_to_sign(locked, due_days=due_days, actor=actor, existing=existing)


def _tell_signers(requests: list[SignatureRequest]) -> None:
    """Email each account that can sign for the patient, once for these requests
    (several files uploaded together make one email): the clinic, how many,
    the first due date and a link to the portal; never a document's title or
    contents (email is not a safe place for health details)."""
    if not requests:
        return
    first = min(requests, key=lambda request: request.expires_at)
    zone = first.clinic.zone
    for user in portal_users_for_patient(patient=first.patient):
        queue_templated_email(
            template_prefix="documents/email/signature_request",
            to=user.email,
            # One email may announce several requests: it is about the one whose due date it gives,
            # and shows (with Resend) on that document's page.
            about=first,
            context={
                "clinic": first.clinic,
                "patient": first.patient,
                "count": len(requests),
                "due": timezone.localtime(first.expires_at, zone).date(),  # a date: no time zone to shift it
                "url": settings.SITE_URL + reverse("portal:document_list") + record_link_query(first.patient_id),
            },
        )


def signature_requests_announce(*, documents: list[Document]) -> None:
    """Tell the signers about the requests on these newly uploaded documents, in one email."""
    requests = list(
        SignatureRequest.objects.filter(document__in=documents, status=SignatureStatus.PENDING).select_related(
            "clinic", "patient"
        )
    )
    _tell_signers(requests)


def signature_request_get_for_clinic(*, clinic: Clinic, request_id: int) -> SignatureRequest:
    """One of the clinic's signature requests, for a staff page; another clinic's is 404."""
    try:
        signature_request = SignatureRequest.objects.select_related("patient").get(clinic=clinic, pk=request_id)
    except SignatureRequest.DoesNotExist:
        raise Http404 from None
    signature_request.clinic = clinic
    return signature_request


@transaction.atomic
def signature_email_resend(
    *, signature_request: SignatureRequest, delivery: EmailDelivery, actor: User
) -> EmailDelivery:
    """Send again the email announcing this signature request that the mail server refused,
    with the content it had (`core.tasks.delivery_resend`), and audit who asked. Raises
    core.errors.EmailDeliveryError if it was not refused or its content is gone."""
    if about_label(signature_request) != (delivery.about_type, delivery.about_id):
        raise ValueError("This email is not about this signature request.")
    resent = delivery_resend(delivery=delivery)
    audit.record(
        action="documents.email.resent",
        actor=actor,
        clinic=signature_request.clinic,
        patient=signature_request.patient,
        obj=resent,
        metadata={
            "kind": resent.kind,
            "signature_request": signature_request.pk,
            "email_error": resent.last_error,
        },
    )
    return resent


def _check_signable(data: bytes, content_type: str) -> None:
    """Only what the signer can see whole and exactly can be signed: a PDF the
    signing page shows every page of, or a still image; and the signed copy
    must be possible to make (tried now, not discovered when the patient signs)."""
    if content_type not in SIGNABLE_TYPES:
        raise DocumentError("not_signable")
    if content_type == PDF and pdf_page_count(data) > MAX_PAGES:
        raise DocumentError("too_many_pages")
    if content_type != PDF and image_is_animated(data):
        raise DocumentError("animated_image")
    if not signed_copy_possible(data, content_type):
        raise DocumentError("cannot_copy")


def signature_expiry(*, clinic: Clinic, due_days: int, now: datetime.datetime) -> datetime.datetime:
    """A request due in N days can be signed until the end of the N-th day after
    today, in the clinic's time zone (what "due by <date>" means to people):
    the last microsecond before the next local midnight. Counted from that
    midnight in UTC, so a day with a clock change ends at its real end."""
    zone = clinic.zone
    due_day = timezone.localtime(now, zone).date() + datetime.timedelta(days=due_days)
    # A midnight skipped by a clock change resolves (fold=0) to the instant the day really ends.
    next_midnight = datetime.datetime.combine(due_day + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone)
    return next_midnight.astimezone(datetime.UTC) - datetime.timedelta(microseconds=1)


@transaction.atomic
def signature_withdraw(*, request: SignatureRequest, actor: User) -> SignatureRequest:
    Document.objects.select_for_update().get(pk=request.document_id)  # the document, then its request
    locked = SignatureRequest.objects.select_for_update().get(pk=request.pk)
    if locked.status_at(timezone.now()) != SignatureStatus.PENDING:
        raise DocumentError("not_pending")
    transition(
        machine=SIGNATURE_REQUEST,
        obj=locked,
        to=SignatureStatus.WITHDRAWN,
        actor=actor,
        fields={"withdrawn_by": actor, "withdrawn_at": timezone.now()},
        audit_action="documents.signature.withdrawn",
    )
    return locked


def signature_opened(*, request: SignatureRequest, actor: User) -> None:
    """The signer opened the signing page (part of the evidence timeline)."""
    signature_event(request, SignatureEventKind.OPENED, actor)
    audit.record(
        action="documents.document.viewed",
        actor=actor,
        clinic=request.clinic,
        patient=request.patient,
        obj=request.document,
        metadata={"page": "sign"},
    )


def document_accessed(*, document: Document, actor: User, what: str, page: int | None = None) -> None:
    """Every page showing a document, every download, every page image and the
    signature image is an audit event naming the document (who saw which
    document). A page image gets its own event, with its number: its address
    can be fetched on its own, without the page that normally loads it."""
    audit.record(
        action=f"documents.document.{what}",
        actor=actor,
        clinic=document.clinic,
        patient=document.patient,
        obj=document,
        metadata={"page": page} if page is not None else None,
    )


def document_bytes(document: Document) -> bytes:
    with document.file.open("rb") as handle:
        data: bytes = handle.read()
    return data


def _page_count_of(data: bytes, content_type: str) -> int | None:
    """What `Document.page_count` holds for these bytes: PDFium's count for a PDF (0 when it cannot
    open it: nothing to show, and no reason to try again on every view), None for any other type."""
    if content_type != PDF:
        return None
    try:
        return pdf_page_count(data)
    except UnacceptableFile:
        return 0


def document_page_count(document: Document) -> int | None:
    """The PDF's number of pages as stored with it; None for any other type. The pages showing a
    document list its page images from this and never read the file (on object storage a read is a
    download of the whole file).

    A PDF still without a count is one whose file migration 0005 could not read (or a row written
    around the services): it is read and counted here, once, and the count is kept, so the next view
    reads nothing. If its file is missing, nothing is kept and no pages are shown (it is tried again
    next time). Kept with a plain UPDATE of that column only, unaudited: a fact about bytes that never
    change, like the size and hash, not a change anyone made; a signed document may take it too
    (its file and what it is stay final, in the model and in the database trigger)."""
    if not document.is_pdf:
        return None
    if document.page_count is None:
        try:
            data = document_bytes(document)
        except FileNotFoundError:
            return None
        document.page_count = _page_count_of(data, document.content_type)
        Document.objects.filter(pk=document.pk, page_count__isnull=True).update(page_count=document.page_count)
    return document.page_count


def document_files_delete(document: Document) -> None:
    """Delete a document's stored file and the page images cached for it, wherever they are
    stored (local disk or the bucket). Django never deletes the file of a deleted row, so
    whatever comes to delete or purge documents (nothing does yet: they are kept, and a signed
    one is evidence) calls this once the row is gone."""
    page_images_delete(document)
    document.file.delete(save=False)


def document_integrity_ok(document: Document) -> bool:
    """Do the stored bytes still have the hash recorded at upload (and signing)?"""
    return hashlib.sha256(document_bytes(document)).hexdigest() == document.sha256


@transaction.atomic
def document_sign(
    *,
    request: SignatureRequest,
    signer: User,
    typed_name: str,
    method: str,
    signature_png: bytes,
    strokes: list[Stroke],
    consented: bool,
    acknowledged: bool,
    shown_sha256: str,
) -> Signature:
    """Sign once: re-checked under the request's row lock, bound to the exact
    bytes the signer was shown, with every piece of evidence recorded."""
    # Locks in one order everywhere: the document, then its request (as signature_request_send);
    # only those rows (`of`), never the patient's or clinic's, which every audit record refers to.
    Document.objects.select_for_update().get(pk=request.document_id)
    locked = (
        SignatureRequest.objects.select_for_update(of=("self",))
        .select_related("document", "patient", "clinic")
        .get(pk=request.pk)
    )
    now = timezone.now()
    status = locked.status_at(now)
    if status == SignatureStatus.EXPIRED:
        raise DocumentError("expired")
    if status != SignatureStatus.PENDING:
        raise DocumentError("not_pending")
    if not locked.document.visible_in_portal:
        raise DocumentError("not_visible")
    if not clinic_has_feature(locked.clinic, Feature.DOCUMENT_SIGNING):
        raise DocumentError("signing_not_in_plan")
    if not consented:
        raise DocumentError("consent_required")
    if not acknowledged:
        raise DocumentError("acknowledgement_required")
    if not typed_name.strip():
        raise DocumentError("name_required")
    original = document_bytes(locked.document)
    current_sha = sha256_hex(original)
    if current_sha != shown_sha256 or current_sha != locked.document.sha256:
        raise DocumentError("document_changed")
    seal = _seal_keys_or_refuse()
    # The words shown, in the language shown: hashed into the evidence and printed on the copy.
    consent_text, acknowledgement_text = str(CONSENT_TEXT), str(ACKNOWLEDGEMENT_TEXT)
    signature_event(locked, SignatureEventKind.CONSENTED, signer)
    signature = Signature(
        request=locked,
        clinic=locked.clinic,
        patient=locked.patient,
        signer=signer,
        signer_email=signer.email,
        typed_name=typed_name.strip()[:200],
        method=method,
        strokes=strokes if method == SignatureMethod.DRAWN else [],
        signed_at=now,
        ip_address=request_context.current().ip,
        user_agent=request_context.current().user_agent,
        consent_version=CONSENT_VERSION,
        consent_sha256=text_sha256(consent_text),
        acknowledgement_version=ACKNOWLEDGEMENT_VERSION,
        acknowledgement_sha256=text_sha256(acknowledgement_text),
        language=translation.get_language() or "",
        document_sha256=current_sha,
    )
    # The move writes the "signed" event before the copy is made, so the copy's timeline is complete.
    transition(
        machine=SIGNATURE_REQUEST,
        obj=locked,
        to=SignatureStatus.SIGNED,
        actor=signer,
        audit_action="documents.signature.signed",
    )
    # The copy is made and sealed before any file is stored, so a failure leaves no stray file behind.
    copy = build_signed_copy(
        original=original,
        content_type=locked.document.content_type,
        title=locked.document.title,
        lines=_evidence_lines(
            signature, locked, consent_text=consent_text, acknowledgement_text=acknowledgement_text, seal=seal
        ),
        signature_png=signature_png,
    )
    copy = seal_pdf(copy, keys=seal)
    signature.image.save("signature.png", ContentFile(signature_png), save=False)
    signature.signed_copy.save("signed-copy.pdf", ContentFile(copy), save=False)
    signature.signed_copy_sha256 = sha256_hex(copy)
    signature.save()
    audit.record(
        action="documents.document.signed",
        actor=signer,
        clinic=locked.clinic,
        patient=locked.patient,
        obj=locked.document,
        metadata={"signature": signature.pk, "document_sha256": current_sha},
    )
    with translation.override(settings.LANGUAGE_CODE):  # the clinic's words, not the patient's language
        title = gettext("A patient signed a document")  # never its title: that may be health information
    notify_staff(
        locked.clinic,
        NotificationKind.DOCUMENT_SIGNED,
        title=title,
        url=reverse("staff:document_detail", args=[locked.clinic.slug, locked.document_id]),
        exclude=signer,
    )
    return signature


def _seal_keys_or_refuse() -> SealKeys:
    """The seal for the copy, or a refusal before anything is signed: an unsealed copy would
    stay unsealed (its hash is evidence), so nothing is signed until the seal works again."""
    try:
        return seal_keys()
    except SealUnavailable as problem:
        logger.error("Signed copies cannot be sealed, so signing is refused: %s", problem)
        raise DocumentError("seal_unavailable") from None


def _language_name(code: str) -> str:
    try:
        return f"{translation.get_language_info(code)['name']} ({code})"
    except KeyError:
        return code or "the default language"


def _evidence_lines(
    signature: Signature, request: SignatureRequest, *, consent_text: str, acknowledgement_text: str, seal: SealKeys
) -> list[tuple[str, str]]:
    zone = request.clinic.zone
    local = timezone.localtime(signature.signed_at, zone)
    events = "\n".join(
        f"{event.at:%Y-%m-%d %H:%M:%S} UTC  {event.get_kind_display()}" for event in request.events.all()
    )
    language = _language_name(signature.language)
    return [
        ("Document", f"{request.document.title} (SHA-256 {signature.document_sha256})"),
        ("Patient", request.patient.full_name),
        ("Signed by", f"{signature.typed_name} <{signature.signer_email}> ({signature.get_method_display()})"),
        (
            "Signed at",
            f"{signature.signed_at:%Y-%m-%d %H:%M:%S} UTC ({local:%Y-%m-%d %H:%M} {request.clinic.time_zone})",
        ),
        ("IP address and browser", f"{signature.ip_address or 'unknown'} — {signature.user_agent or 'unknown'}"),
        (
            "Consent to do business electronically, as shown and agreed to",
            f"“{consent_text}”\n{signature.consent_version}, shown in {language} (SHA-256 {signature.consent_sha256})",
        ),
        (
            "Acknowledgement, as shown and agreed to",
            f"“{acknowledgement_text}”\n{signature.acknowledgement_version}, shown in {language} "
            f"(SHA-256 {signature.acknowledgement_sha256})",
        ),
        ("Timeline", events),
        (
            "Digital seal",
            f"This copy is sealed with a digital signature by “{seal.subject}” (certificate SHA-256 "
            f"{seal.fingerprint}). A PDF reader shows whether it was changed after it was made.",
        ),
    ]
