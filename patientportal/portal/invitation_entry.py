"""The invitation's page, signed out: one form that creates the account (a password for the
invited address) or signs in to the account that already has that address (issue 15, part 4).

Both are allauth's own forms and flows: its sign-up form (password validators, uniqueness) and
`complete_signup`, its sign-in form (failed-sign-in limits per address and per IP) and login
flow, so two-factor, session rotation, the idle clock and the sign-in audit all apply. The
address is the invitation's: shown read-only, and a posted address that is not the invited
one is refused (`posted_address_is_invited`).
"""

from typing import Any

from allauth.account import app_settings as allauth_settings
from allauth.account.forms import LoginForm, SignupForm
from allauth.account.utils import complete_signup
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponseBase, QueryDict
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from patientportal.accounts.emails import emails_match
from patientportal.patients.invitation_accounts import invitation_signup
from patientportal.patients.models import Invitation

# The form fields that carry the address: allauth's sign-up form calls it "email", its sign-in form "login".
ADDRESS_FIELDS = ("email", "login")
ADDRESS_HELP = _("The address your invitation was sent to. It cannot be changed here.")


def posted_address_is_invited(data: QueryDict, invitation: Invitation) -> bool:
    """The page never lets the address be typed; a post that carries another one was altered."""
    return all(emails_match(data.get(field) or "", invitation.email) for field in ADDRESS_FIELDS if field in data)


# allauth's forms are untyped (Any).
def entry_form(
    request: HttpRequest, invitation: Invitation, *, account_exists: bool, data: QueryDict | None = None
) -> Any:
    """allauth's sign-in form when an account holds the invited address, else its sign-up form;
    bound to the posted passwords and, whatever was posted, the invitation's address."""
    if account_exists:
        form: Any = LoginForm(data=_with_address(data, "login", invitation), request=request)
        address = form.fields["login"]
    else:
        form = SignupForm(data=_with_address(data, "email", invitation))
        address = form.fields["email"]
    address.initial = invitation.email
    address.help_text = ADDRESS_HELP
    address.widget.attrs.update({"readonly": True, "autocomplete": "username"})
    address.widget.attrs.pop("placeholder", None)
    return form


def _with_address(data: QueryDict | None, field: str, invitation: Invitation) -> dict[str, Any] | None:
    if data is None:
        return None
    bound: dict[str, Any] = {name: data.get(name, "") for name in ("password", "password1", "password2")}
    bound[field] = invitation.email
    return bound


def entry_submit(request: HttpRequest, form: Any, invitation: Invitation) -> HttpResponseBase | None:
    """Create the account or sign in, through allauth's login flow; its response (the next
    step: a two-factor code, or "verify your email" for an account whose address was never
    verified). None when an account with the address appeared since the page was shown (a
    second tab): nothing was created, and the person is offered to sign in instead."""
    next_url = reverse("invitation_accept")
    if isinstance(form, LoginForm):
        response: HttpResponseBase = form.login(request, redirect_url=next_url)
        return response
    if form.account_already_exists:
        return None
    try:
        user = invitation_signup(request=request, form=form, invitation=invitation)
    except IntegrityError:
        return None
    signed_up: HttpResponseBase = complete_signup(request, user, allauth_settings.EMAIL_VERIFICATION, next_url)
    return signed_up
