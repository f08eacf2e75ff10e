"""The account page's own forms (name, language), shared by the portal's and the staff area's
account pages; everything else on the page links to allauth's views (address, password,
two-factor, passkeys, recovery codes, sessions)."""

from dataclasses import dataclass

from django.contrib import messages
from django.http import HttpRequest
from django.utils.translation import gettext as _

from patientportal.accounts import services
from patientportal.accounts.forms import AccountNameForm, PreferredLanguageForm
from patientportal.accounts.models import User
from patientportal.accounts.selectors import AccountSecurity, account_security

# The account page this browser used last (the portal's or a clinic's staff area): the account
# link of pages outside both (allauth's) leads back to it.
ACCOUNT_PAGE_SESSION_KEY = "account_page"


@dataclass
class AccountPage:
    name_form: AccountNameForm
    language_form: PreferredLanguageForm
    security: AccountSecurity
    saved: bool = False  # a form was saved: the view redirects (post, redirect, get)


def account_page(request: HttpRequest, *, user: User) -> AccountPage:
    """Bind and save the form the request posted ("form" names it); the other one unbound."""
    request.session[ACCOUNT_PAGE_SESSION_KEY] = request.path
    posted = request.POST.get("form") if request.method == "POST" else None
    name_form = AccountNameForm.for_user(user, request.POST if posted == "name" else None)
    language_form = PreferredLanguageForm.for_user(user, request.POST if posted == "language" else None)
    saved = False
    if posted == "name" and name_form.is_valid():
        services.user_rename(
            user=user, first_name=name_form.cleaned_data["first_name"], last_name=name_form.cleaned_data["last_name"]
        )
        messages.success(request, _("Your name is saved."))
        saved = True
    elif posted == "language" and language_form.is_valid():
        services.user_set_preferred_language(user=user, language=language_form.cleaned_data["preferred_language"])
        messages.success(request, _("Your language is saved."))
        saved = True
    return AccountPage(name_form, language_form, account_security(user=user), saved)
