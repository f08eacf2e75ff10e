import datetime
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from patientportal.clinics.models import Clinic
from patientportal.documents.choices import SignatureStatus
from patientportal.documents.models import Document, Signature, SignatureRequest
from patientportal.patients.models import Patient

OTHER_DOCUMENTS_PER_PAGE = 20


@dataclass(frozen=True)
class PortalDocuments:
    to_sign: list[Document]
    signed: list[Document]
    other: Page[Document]


def _awaiting_or_signed(now: datetime.datetime, can_sign: bool) -> Q:
    """Documents shown above the others: signed ones, and (with the signing feature) those to sign."""
    signed = Q(signature_request__status=SignatureStatus.SIGNED)
    if not can_sign:
        return signed
    return signed | Q(signature_request__status=SignatureStatus.PENDING, signature_request__expires_at__gt=now)


def portal_documents(*, patient: Patient, can_sign: bool, other_page: int | str | None = 1) -> PortalDocuments:
    """The patient's visible documents: to sign (soonest due first) and signed,
    in full; the rest (results, reports, expired requests…), newest first,
    OTHER_DOCUMENTS_PER_PAGE a page. Without the signing feature nothing is
    offered for signing."""
    now = timezone.now()
    visible = (
        Document.objects.for_patient(patient)
        .in_portal()
        .select_related("signature_request__signature")
        .order_by("-uploaded_at", "-id")
    )
    above = _awaiting_or_signed(now, can_sign)
    to_sign: list[Document] = []
    signed: list[Document] = []
    for document in visible.filter(above):
        (signed if document.signature_request.status == SignatureStatus.SIGNED else to_sign).append(document)
    to_sign.sort(key=lambda document: document.signature_request.expires_at)
    other = Paginator(visible.exclude(above), OTHER_DOCUMENTS_PER_PAGE).get_page(other_page)
    return PortalDocuments(to_sign=to_sign, signed=signed, other=other)


def pending_signature_count(*, patient: Patient) -> int:
    return (
        SignatureRequest.objects.for_patient(patient)
        .pending_at(timezone.now())
        .filter(document__visible_in_portal=True)
        .count()
    )


def portal_document_get(*, patient: Patient, document_id: int) -> Document:
    """A document the patient may see; hidden, another patient's or clinic's is 404."""
    try:
        document = (
            Document.objects.for_patient(patient)
            .in_portal()
            .select_related("signature_request__signature")
            .get(pk=document_id)
        )
    except Document.DoesNotExist:
        raise Http404 from None
    # Its patient is the one asked for, and a document's clinic is its patient's (its signature
    # request's too): the audit records and timeline events of every view name them, and need not
    # load them again.
    document.patient = patient
    if document.clinic_id == patient.clinic_id:
        document.clinic = patient.clinic
    signature_request = signature_request_of(document)
    if signature_request is not None and signature_request.patient_id == patient.pk:
        signature_request.patient = patient
        if signature_request.clinic_id == patient.clinic_id:
            signature_request.clinic = patient.clinic
    return document


def staff_document_get(*, clinic: Clinic, document_id: int) -> Document:
    try:
        document = (
            Document.objects.for_clinic(clinic)
            .select_related("patient", "signature_request__signature")
            .get(pk=document_id)
        )
    except Document.DoesNotExist:
        raise Http404 from None
    document.clinic = clinic
    return document


def documents_for_patient_staff(*, patient: Patient) -> QuerySet[Document]:
    """Every document of the patient, newest first (hidden ones included: staff see all)."""
    return (
        Document.objects.for_patient(patient)
        .select_related("signature_request", "uploaded_by")
        .order_by("-uploaded_at", "-id")
    )


def signature_request_of(document: Document) -> SignatureRequest | None:
    try:
        return document.signature_request
    except SignatureRequest.DoesNotExist:
        return None


def signature_of(document: Document) -> Signature | None:
    """The document's signature, if it was signed."""
    request = signature_request_of(document)
    if request is None:
        return None
    try:
        return request.signature
    except Signature.DoesNotExist:
        return None
