from dataclasses import dataclass

from django.http import Http404
from django.utils import timezone

from patientportal.documents.choices import SignatureStatus
from patientportal.documents.models import Document, SignatureRequest


@dataclass(frozen=True)
class PortalDocuments:
    to_sign: list[Document]
    signed: list[Document]
    other: list[Document]


def portal_documents(*, patient: object, can_sign: bool) -> PortalDocuments:
    """The patient's visible documents: to sign (soonest due first), signed, and the rest.
    Without the signing feature nothing is offered for signing."""
    now = timezone.now()
    documents = list(
        Document.objects.for_patient(patient)
        .in_portal()
        .select_related("signature_request__signature")
        .order_by("-uploaded_at", "-id")
    )
    to_sign, signed, other = [], [], []
    for document in documents:
        request = getattr(document, "signature_request", None)
        status = request.status_at(now) if request else None
        if status == SignatureStatus.PENDING and can_sign:
            to_sign.append(document)
        elif status == SignatureStatus.SIGNED:
            signed.append(document)
        else:
            other.append(document)
    to_sign.sort(key=lambda document: document.signature_request.expires_at)
    return PortalDocuments(to_sign=to_sign, signed=signed, other=other)


def pending_signature_count(*, patient: object) -> int:
    return (
        SignatureRequest.objects.for_patient(patient)
        .pending_at(timezone.now())
        .filter(document__visible_in_portal=True)
        .count()
    )


def portal_document_get(*, patient: object, document_id: int) -> Document:
    """A document the patient may see; hidden, another patient's or clinic's is 404."""
    try:
        return (
            Document.objects.for_patient(patient)
            .in_portal()
            .select_related("signature_request__signature")
            .get(pk=document_id)
        )
    except Document.DoesNotExist:
        raise Http404 from None


def staff_document_get(*, clinic: object, document_id: int) -> Document:
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


def documents_for_patient_staff(*, patient: object) -> list[Document]:
    return list(
        Document.objects.for_patient(patient)
        .select_related("signature_request", "uploaded_by")
        .order_by("-uploaded_at", "-id")
    )


def signature_request_of(document: Document) -> SignatureRequest | None:
    try:
        return document.signature_request
    except SignatureRequest.DoesNotExist:
        return None
