"""Forms of the account page, and allauth's password-reset form held to the account's own address."""

from typing import Any

from allauth.account.forms import AddEmailForm, ResetPasswordForm
from django import forms
from django.conf import settings
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from patientportal.accounts.auth_backends import is_accounts_own_address
from patientportal.accounts.models import User


class PrimaryAddressResetPasswordForm(ResetPasswordForm):  # type: ignore[misc]  # allauth ships no types
    """A reset link goes only to the address an account signs in with, never to an address it is
    still changing to (unverified). The answer on the page stays the same (enumeration-safe)."""

    def clean_email(self) -> str:
        email: str = super().clean_email()
        found: list[User] = getattr(self, "users", [])  # set by allauth's clean_email
        self.users = [user for user in found if is_accounts_own_address(user, email)]
        return email


class AccountNameForm(forms.Form):
    """Plain forms, not ModelForms: validating one must not change the account before the service does."""

    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    first_name.widget.attrs["autocomplete"] = "given-name"
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    last_name.widget.attrs["autocomplete"] = "family-name"

    @classmethod
    def for_user(cls, user: User, data: QueryDict | None) -> "AccountNameForm":
        return cls(data, initial={"first_name": user.first_name, "last_name": user.last_name})


class PreferredLanguageForm(forms.Form):
    # The languages the portal is translated into (settings.LANGUAGES): a new translation adds itself.
    preferred_language = forms.ChoiceField(label=_("Language of the portal and its emails"), choices=[])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["preferred_language"].choices = settings.LANGUAGES  # type: ignore[attr-defined]

    @classmethod
    def for_user(cls, user: User, data: QueryDict | None) -> "PreferredLanguageForm":
        return cls(data, initial={"preferred_language": user.preferred_language})


class NewAddressForm(AddEmailForm):  # type: ignore[misc]  # allauth ships no types
    """allauth's "change email" form, in the account page's words."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].label = _("New email address")
        self.fields["email"].widget.attrs.pop("placeholder", None)
