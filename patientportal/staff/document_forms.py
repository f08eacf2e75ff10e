from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from patientportal.documents.choices import DocumentType
from patientportal.documents.services import DEFAULT_DUE_DAYS, MAX_DUE_DAYS, MIN_DUE_DAYS


class DocumentUploadForm(forms.Form):
    """One file with its details; several of these make the upload page."""

    file = forms.FileField(
        label=_("File"), required=False, help_text=_("PDF, image, Word, spreadsheet, text or CSV; up to 10 MB.")
    )
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    doc_type = forms.ChoiceField(label=_("Type"), choices=DocumentType.choices, initial=DocumentType.OTHER)
    description = forms.CharField(
        label=_("Description"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    visible_in_portal = forms.BooleanField(label=_("Show in patient portal"), required=False)
    signature_required = forms.BooleanField(label=_("Signature required"), required=False)
    due_days = forms.IntegerField(
        label=_("Due in (days)"),
        min_value=MIN_DUE_DAYS,
        max_value=MAX_DUE_DAYS,
        initial=DEFAULT_DUE_DAYS,
        required=False,
        help_text=_("1 to 365 days; the request expires after that."),
    )

    def __init__(self, *args: Any, can_request_signatures: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not can_request_signatures:
            del self.fields["signature_required"]
            del self.fields["due_days"]

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if not cleaned.get("file"):
            return cleaned  # an empty row is ignored
        if not cleaned.get("title", "").strip():
            self.add_error("title", _("Give the document a title."))
        if cleaned.get("signature_required") and not cleaned.get("due_days"):
            self.add_error("due_days", _("Choose when the signature is due (1 to 365 days)."))
        return cleaned


DocumentUploadFormSet = forms.formset_factory(DocumentUploadForm, extra=3, max_num=10, absolute_max=10)


class SignatureRequestForm(forms.Form):
    """Ask for a signature on a document already stored."""

    due_days = forms.IntegerField(
        label=_("Due in (days)"), min_value=MIN_DUE_DAYS, max_value=MAX_DUE_DAYS, initial=DEFAULT_DUE_DAYS
    )
