"""Documents in the portal: the list, reading, downloading, and signing (PRODUCT.md F-10).
Reference documents are on every plan; signing needs the Portal Add-on."""

from typing import Any

from django import forms
from django.contrib import messages
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from patientportal.clinics.features import Feature
from patientportal.documents import selectors
from patientportal.documents.choices import SignatureMethod, SignatureStatus
from patientportal.documents.consent import ACKNOWLEDGEMENT_TEXT, CONSENT_TEXT
from patientportal.documents.errors import DocumentError
from patientportal.documents.responses import document_pages, file_response, rendered_page, signed_copy_response
from patientportal.documents.services import document_accessed, document_sign, signature_opened
from patientportal.documents.signature_input import (
    SignatureRejected,
    drawn_signature_png,
    drawn_strokes,
    typed_signature_png,
)
from patientportal.patients.services import patient_record_viewed
from patientportal.portal.access import PortalRequest, portal_view


class SignForm(forms.Form):
    full_name = forms.CharField(label=gettext_lazy("Your full name"), max_length=200)
    method = forms.ChoiceField(
        label=gettext_lazy("How do you want to sign?"),
        choices=SignatureMethod.choices,
        initial=SignatureMethod.DRAWN,
        widget=forms.RadioSelect,
    )
    signature_image = forms.CharField(required=False, widget=forms.HiddenInput)
    signature_strokes = forms.CharField(required=False, widget=forms.HiddenInput)
    consent = forms.BooleanField(
        label=gettext_lazy("I agree to do business electronically, as described above."),
        error_messages={"required": gettext_lazy("Please agree to do business electronically.")},
    )
    acknowledge = forms.BooleanField(
        label=ACKNOWLEDGEMENT_TEXT,
        error_messages={
            "required": gettext_lazy("Please confirm that you understand your electronic signature is binding.")
        },
    )
    shown_sha256 = forms.CharField(widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        try:
            if cleaned.get("method") == SignatureMethod.DRAWN:
                cleaned["png"] = drawn_signature_png(cleaned.get("signature_image", ""))
                cleaned["strokes"] = drawn_strokes(cleaned.get("signature_strokes", ""))
            elif cleaned.get("full_name"):
                cleaned["png"], cleaned["strokes"] = typed_signature_png(cleaned["full_name"].strip()), []
        except SignatureRejected as rejected:
            self.add_error("method", rejected.message)
        return cleaned


@require_GET
@portal_view(Feature.DASHBOARD)
def document_list(request: PortalRequest) -> HttpResponse:
    portal = request.portal
    can_sign = Feature.DOCUMENT_SIGNING in portal.features
    documents = selectors.portal_documents(
        patient=portal.patient, can_sign=can_sign, other_page=request.GET.get("page")
    )
    patient_record_viewed(patient=portal.patient, actor=request.user, what="portal.documents")
    return render(
        request, "portal/documents/list.html", {"documents": documents, "can_sign": can_sign, "page": documents.other}
    )


@require_GET
@portal_view(Feature.DASHBOARD)
def document_detail(request: PortalRequest, document_id: int) -> HttpResponse:
    portal = request.portal
    document = selectors.portal_document_get(patient=portal.patient, document_id=document_id)
    document_accessed(document=document, actor=request.user, what="viewed")
    signature_request = selectors.signature_request_of(document)
    signature = selectors.signature_of(document)
    return render(
        request,
        "portal/documents/detail.html",
        {
            "document": document,
            "pages": document_pages(document),
            "signature": signature,
            "can_sign": bool(
                signature_request
                and signature_request.display_status() == SignatureStatus.PENDING
                and Feature.DOCUMENT_SIGNING in portal.features
            ),
        },
    )


@require_GET
@portal_view(Feature.DASHBOARD)
def document_file(request: PortalRequest, document_id: int) -> FileResponse:
    document = selectors.portal_document_get(patient=request.portal.patient, document_id=document_id)
    inline = request.GET.get("inline") == "1" and document.is_image
    document_accessed(document=document, actor=request.user, what="shown" if inline else "downloaded")
    return file_response(
        document.file.open("rb"), content_type=document.content_type, title=document.title, inline=inline
    )


@require_GET
@portal_view(Feature.DASHBOARD)
def document_page(request: PortalRequest, document_id: int, page: int) -> HttpResponse:
    document = selectors.portal_document_get(patient=request.portal.patient, document_id=document_id)
    image = rendered_page(document, page)  # a page that does not exist (404) showed nothing
    document_accessed(document=document, actor=request.user, what="page_viewed", page=page)
    return image


@require_GET
@portal_view(Feature.DASHBOARD)
def signed_copy(request: PortalRequest, document_id: int) -> FileResponse:
    document = selectors.portal_document_get(patient=request.portal.patient, document_id=document_id)
    document_accessed(document=document, actor=request.user, what="signed_copy_downloaded")
    return signed_copy_response(document)


@require_http_methods(["GET", "POST"])
@portal_view(Feature.DOCUMENT_SIGNING)
def document_sign_page(request: PortalRequest, document_id: int) -> HttpResponse:
    portal = request.portal
    document = selectors.portal_document_get(patient=portal.patient, document_id=document_id)
    signature_request = selectors.signature_request_of(document)
    if signature_request is None or signature_request.display_status() != SignatureStatus.PENDING:
        messages.info(request, _("This document is not waiting for your signature."))
        return redirect("portal:document_detail", document_id=document.pk)
    form = SignForm(
        request.POST or None, initial={"shown_sha256": document.sha256, "full_name": portal.patient.full_name}
    )
    if request.method == "POST" and form.is_valid():
        try:
            document_sign(
                request=signature_request,
                signer=request.user,
                typed_name=form.cleaned_data["full_name"],
                method=form.cleaned_data["method"],
                signature_png=form.cleaned_data["png"],
                strokes=form.cleaned_data["strokes"],
                consented=form.cleaned_data["consent"],
                acknowledged=form.cleaned_data["acknowledge"],
                shown_sha256=form.cleaned_data["shown_sha256"],
            )
        except DocumentError as error:
            messages.error(request, error.message)
            return redirect("portal:document_list")
        messages.success(
            request,
            _("Thank you. “%(title)s” is signed. You can download your signed copy.") % {"title": document.title},
        )
        return redirect("portal:document_list")
    if request.method == "GET":
        signature_opened(request=signature_request, actor=request.user)
    return render(
        request,
        "portal/documents/sign.html",
        {
            "document": document,
            "pages": document_pages(document),
            "form": form,
            "consent_text": CONSENT_TEXT,
            "signature_request": signature_request,
        },
        status=400 if form.errors else 200,
    )
