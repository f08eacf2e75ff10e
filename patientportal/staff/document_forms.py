from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from patientportal.documents.choices import SHOWN_IN_PORTAL_BY_DEFAULT, DocumentType
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
        # "Show in patient portal" starts ticked for the kinds patients expect to read, and
        # follows the kind chosen (static/js/upload-defaults.js) until staff tick or untick it.
        kind = self.initial.get("doc_type", self.fields["doc_type"].initial)
        self.fields["visible_in_portal"].initial = kind in SHOWN_IN_PORTAL_BY_DEFAULT
        self.fields["doc_type"].widget.attrs["data-portal-default"] = " ".join(sorted(SHOWN_IN_PORTAL_BY_DEFAULT))
        if self.is_bound:  # what was sent stands: the box was chosen
            self.fields["visible_in_portal"].widget.attrs["data-chosen"] = "1"

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


def refused_rows_only(
    formset: forms.BaseFormSet[DocumentUploadForm], refused: list[DocumentUploadForm]
) -> forms.BaseFormSet[DocumentUploadForm]:
    """The upload form again with only the rows whose file was refused, numbered from the
    first, each with what was typed and why its file was refused: the files stored are
    not offered again, so they cannot be uploaded twice. A browser never keeps a chosen
    file, so each row says which file it was."""
    prefix = formset.prefix
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(refused)),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": str(formset.max_num),
    }
    for index, form in enumerate(refused):
        for name in form.fields:
            value = form.data.get(form.add_prefix(name))
            if name != "file" and value is not None:
                data[f"{prefix}-{index}-{name}"] = value
    again = DocumentUploadFormSet(data, None, form_kwargs=formset.form_kwargs)
    again.is_valid()  # the rows have no file now: nothing to check, their errors come next
    for row, form in zip(again, refused, strict=True):
        for field, errors in form.errors.items():
            for error in errors:
                row.add_error(field, error)
        row.add_error(
            "file",
            _("“%(name)s” was not saved. Choose the file again, or another.") % {"name": form["file"].data.name},
        )
    return again


class SignatureRequestForm(forms.Form):
    """Ask for a signature on a document already stored."""

    due_days = forms.IntegerField(
        label=_("Due in (days)"), min_value=MIN_DUE_DAYS, max_value=MAX_DUE_DAYS, initial=DEFAULT_DUE_DAYS
    )
