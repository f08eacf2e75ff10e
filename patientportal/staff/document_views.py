"""Documents on the clinic side: uploading several at once, withdrawing a
signature request, and reading, downloading and checking what was signed."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from patientportal.clinics.features import Feature, clinic_has_feature
from patientportal.documents import selectors
from patientportal.documents.errors import DocumentError
from patientportal.documents.files import MAX_BYTES, UnacceptableFile
from patientportal.documents.models import Document
from patientportal.documents.responses import document_pages, file_response, rendered_page, signed_copy_response
from patientportal.documents.services import (
    document_accessed,
    document_integrity_ok,
    document_upload,
    signature_can_be_requested,
    signature_request_send,
    signature_requests_announce,
    signature_withdraw,
)
from patientportal.patients import selectors as patient_selectors
from patientportal.patients.models import Patient
from patientportal.patients.selectors import portal_users_for_patient
from patientportal.patients.services import patient_record_viewed
from patientportal.staff.access import StaffRequest, staff_view
from patientportal.staff.document_forms import (
    DocumentUploadForm,
    DocumentUploadFormSet,
    SignatureRequestForm,
    refused_rows_only,
)

DOCUMENTS_PER_PAGE = 25


def _upload_one(request: StaffRequest, form: DocumentUploadForm, patient: Patient) -> Document | None:
    data = form.cleaned_data
    upload = data["file"]
    if upload.size > MAX_BYTES:  # refused before the bytes are read into memory
        form.add_error("file", _("The file is larger than 10 MB."))
        return None
    try:
        return document_upload(
            patient=patient,
            data=upload.read(),
            filename=upload.name,
            claimed_type=upload.content_type or "",
            doc_type=data["doc_type"],
            title=data["title"],
            description=data["description"],
            visible_in_portal=data["visible_in_portal"],
            signature_due_days=data["due_days"] if data.get("signature_required") else None,
            notify_signers=False,  # one email for the whole upload, below
            actor=request.user,
        )
    except UnacceptableFile as error:
        form.add_error("file", error.message)
        return None
    except DocumentError as error:
        field = "due_days" if error.code == "expiry_out_of_range" else "signature_required"
        form.add_error(field, error.message)
        return None


def _warn_if_nobody_can_sign(request: HttpRequest, patient: Patient, forms: list[DocumentUploadForm]) -> None:
    if any(form.cleaned_data.get("signature_required") and not form.errors for form in forms):
        _warn_if_nobody_can_sign_one(request, patient)


def _warn_if_nobody_can_sign_one(request: HttpRequest, patient: Patient) -> None:
    if not portal_users_for_patient(patient=patient):
        messages.warning(
            request,
            _(
                "%(name)s has no active portal account, so nobody can sign yet. "
                "Send a portal invitation from the patient page."
            )
            % {"name": patient.full_name},
        )


@staff_view()
def document_upload_page(request: StaffRequest, patient_id: int) -> HttpResponse:
    """Several files at once, each stored on its own. When some are refused, the form comes
    back with only those rows (the others are stored and listed above it, so nothing is
    uploaded twice)."""
    clinic = request.clinic
    patient = patient_selectors.patient_get_for_clinic(clinic=clinic, patient_id=patient_id)
    can_sign = clinic_has_feature(clinic, Feature.DOCUMENT_SIGNING)
    formset = DocumentUploadFormSet(
        request.POST or None, request.FILES or None, form_kwargs={"can_request_signatures": can_sign}
    )
    saved: list[tuple[Document, str]] = []
    if request.method == "POST" and formset.is_valid():
        filled = [form for form in formset if form.cleaned_data.get("file")]
        if not filled:
            messages.error(request, _("Choose at least one file."))
        else:
            saved = [
                (document, form.cleaned_data["file"].name)
                for form in filled
                if (document := _upload_one(request, form, patient))
            ]
            signature_requests_announce(documents=[document for document, _name in saved])
            _warn_if_nobody_can_sign(request, patient, filled)
            if len(saved) == len(filled):
                messages.success(request, _("%(count)s document(s) uploaded.") % {"count": len(saved)})
                return redirect(reverse("staff:patient_detail", args=[clinic.slug, patient.pk]) + "#documents")
            formset = refused_rows_only(formset, [form for form in filled if form.errors])
    return render(
        request,
        "staff/documents/upload.html",
        {"formset": formset, "patient": patient, "can_sign": can_sign, "saved": saved},
        status=400 if request.method == "POST" else 200,
    )


@require_GET
@staff_view()
def patient_documents(request: StaffRequest, patient_id: int) -> HttpResponse:
    """Every document of one patient, newest first, 25 a page."""
    clinic = request.clinic
    patient = patient_selectors.patient_get_for_clinic(clinic=clinic, patient_id=patient_id)
    patient_record_viewed(patient=patient, actor=request.user, what="documents")
    page = Paginator(selectors.documents_for_patient_staff(patient=patient), DOCUMENTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "staff/documents/patient_documents.html", {"patient": patient, "page": page})


@require_GET
@staff_view()
def document_detail(request: StaffRequest, document_id: int) -> HttpResponse:
    document = selectors.staff_document_get(clinic=request.clinic, document_id=document_id)
    document_accessed(document=document, actor=request.user, what="viewed")
    signature_request = selectors.signature_request_of(document)
    signature = selectors.signature_of(document)
    return render(
        request,
        "staff/documents/detail.html",
        {
            "document": document,
            "signature_request": signature_request,
            "signature": signature,
            "events": list(signature_request.events.select_related("actor")) if signature_request else [],
            # Re-hashes the whole stored file on every view (on object storage, a download of it): a
            # deliberate cost, so staff see the file is unchanged. The pages are listed from the stored
            # count and do not read it again.
            "integrity_ok": document_integrity_ok(document),
            "pages": document_pages(document),
            "request_form": _request_form_for(document),
        },
    )


def _request_form_for(document: Document) -> SignatureRequestForm | None:
    """The "ask to sign" form, where asking applies."""
    return SignatureRequestForm() if signature_can_be_requested(document=document) else None


@require_POST
@staff_view()
def signature_request_view(request: StaffRequest, document_id: int) -> HttpResponse:
    clinic = request.clinic
    document = selectors.staff_document_get(clinic=clinic, document_id=document_id)
    form = SignatureRequestForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose when the signature is due (1 to 365 days)."))
    else:
        try:
            signature_request_send(document=document, due_days=form.cleaned_data["due_days"], actor=request.user)
        except DocumentError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The patient has been asked to sign."))
            _warn_if_nobody_can_sign_one(request, document.patient)
    return redirect("staff:document_detail", clinic_slug=clinic.slug, document_id=document.pk)


@require_GET
@staff_view()
def document_file(request: StaffRequest, document_id: int) -> FileResponse:
    document = selectors.staff_document_get(clinic=request.clinic, document_id=document_id)
    document_accessed(document=document, actor=request.user, what="downloaded")
    return file_response(
        document.file.open("rb"),
        content_type=document.content_type,
        title=document.title,
        inline=request.GET.get("inline") == "1" and document.is_image,
    )


@require_GET
@staff_view()
def document_page(request: StaffRequest, document_id: int, page: int) -> HttpResponse:
    document = selectors.staff_document_get(clinic=request.clinic, document_id=document_id)
    image = rendered_page(document, page)  # a page that does not exist (404) showed nothing
    document_accessed(document=document, actor=request.user, what="page_viewed", page=page)
    return image


@require_GET
@staff_view()
def signed_copy(request: StaffRequest, document_id: int) -> FileResponse:
    document = selectors.staff_document_get(clinic=request.clinic, document_id=document_id)
    document_accessed(document=document, actor=request.user, what="signed_copy_downloaded")
    return signed_copy_response(document)


@require_GET
@staff_view()
def signature_image(request: StaffRequest, document_id: int) -> FileResponse:
    document = selectors.staff_document_get(clinic=request.clinic, document_id=document_id)
    signature = selectors.signature_of(document)
    if signature is None:
        raise Http404
    document_accessed(document=document, actor=request.user, what="signature_image_viewed")
    return file_response(signature.image.open("rb"), content_type="image/png", title="signature", inline=True)


@require_POST
@staff_view()
def signature_withdraw_view(request: StaffRequest, document_id: int) -> HttpResponse:
    clinic = request.clinic
    document = selectors.staff_document_get(clinic=clinic, document_id=document_id)
    signature_request = selectors.signature_request_of(document)
    try:
        if signature_request is None:
            raise DocumentError("not_pending")
        signature_withdraw(request=signature_request, actor=request.user)
    except DocumentError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Signature request withdrawn."))
    return redirect("staff:document_detail", clinic_slug=clinic.slug, document_id=document.pk)
