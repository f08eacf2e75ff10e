from django import forms
from django.utils.translation import gettext_lazy as _


class SignedCopyVerifyForm(forms.Form):
    """One PDF to check; judged by its content (documents.verification), never by its name."""

    file = forms.FileField(
        label=_("Signed copy (PDF)"),
        help_text=_("The PDF file as you received it, up to 20 MB. It is checked, not kept."),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )
