"""The patient's side of an invitation link (PRODUCT.md F-3).

The emailed link is `/invite/#<token>`: the token is in the fragment, which
browsers never send, so no access log records it; the page's script posts it.
The check keeps only the token's SHA-256 in the session and redirects to
`/invite/accept/`, so the token leaves the address bar (as Django's password
reset does) and cannot leak through history, a Referer header or the session
table. `/invite/<token>/` still opens links sent before the fragment. No
patient data is ever shown here; a valid token shows the clinic's name and the
address the invitation was sent to. Every refusal is audited.

The short way in (issue 15, part 4): the link, then the accept page, which names the clinic,
shows the invited address read-only and takes a new password (or the password of the account
that has the address), then the dashboard. The link proved the address, so no verification
email is sent for the new account (portal.invitation_entry, patients.invitation_accounts).
"""

from typing import Any, TypeVar

from allauth.account.forms import LoginForm
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from patientportal.accounts.http import signed_in_user
from patientportal.accounts.models import User
from patientportal.core.ratelimit import limit_exceeded
from patientportal.core.request_context import client_ip
from patientportal.patients.account_adapter import INVITATION_SESSION_KEY
from patientportal.patients.errors import PatientError
from patientportal.patients.invitation_accounts import invitation_account_exists
from patientportal.patients.invitations import (
    account_owns_email,
    invitation_accept_by_digest,
    invitation_find_by_digest,
    invitation_problem,
    invitation_refusal_record,
    token_hash,
)
from patientportal.patients.models import Invitation
from patientportal.portal.access import SESSION_ACTIVE_ACCESS
from patientportal.portal.invitation_entry import entry_form, entry_submit, posted_address_is_invited

ATTEMPTS_PER_MINUTE = 20
PROBLEM_STATUS = {"unknown": 404, "busy": 503}


Response = TypeVar("Response", bound=HttpResponseBase)


def _private(response: Response, *, token_in_url: bool = False) -> Response:
    # Where the token is in the address, no Referer may carry it anywhere.
    # The token-free accept page keeps "same-origin": with "no-referrer" the
    # browser sends `Origin: null` on its form post and the CSRF check fails.
    response["Referrer-Policy"] = "no-referrer" if token_in_url else "same-origin"
    response["Cache-Control"] = "no-store"
    return response


def _too_many(request: HttpRequest, *, token_in_url: bool = False) -> HttpResponse | None:
    """20 attempts a minute per client address, and per account when signed in (shared cache)."""
    keys = [f"ip:{client_ip(request) or '-'}"]
    if request.user.is_authenticated:
        keys.append(f"user:{request.user.pk}")
    if any([limit_exceeded(scope="invitation", key=key, limit=ATTEMPTS_PER_MINUTE, period_seconds=60) for key in keys]):
        invitation_refusal_record(invitation=None, code="rate_limited", actor=signed_in_user(request))
        return _private(render(request, "portal/invitation/too_many.html", status=429), token_in_url=token_in_url)
    return None


def _problem_page(
    request: HttpRequest, code: str, invitation: Invitation | None, *, token_in_url: bool = False
) -> HttpResponse:
    request.session.pop(INVITATION_SESSION_KEY, None)
    invitation_refusal_record(invitation=invitation, code=code, actor=signed_in_user(request))
    error = PatientError(code)
    status = PROBLEM_STATUS.get(code, 410)
    page = render(request, "portal/invitation/problem.html", _problem_context(error, invitation), status=status)
    return _private(page, token_in_url=token_in_url)


def _problem_context(error: PatientError, invitation: Invitation | None) -> dict[str, object]:
    """The refusal, and the clinic that sent the invitation when the message sends the person to it
    (the link's holder already knows the clinic from its email)."""
    clinic = invitation.clinic if invitation is not None and error.sends_to_clinic else None
    return {"error": error, "clinic": clinic}


def _open(request: HttpRequest, token: str, *, token_in_url: bool) -> HttpResponse:
    """Check the token; keep only its SHA-256 in the session and go on to the token-free accept page."""
    if refused := _too_many(request, token_in_url=token_in_url):
        return refused
    digest = token_hash(token)
    invitation = invitation_find_by_digest(digest=digest)
    if problem := invitation_problem(invitation=invitation):
        return _problem_page(request, problem, invitation, token_in_url=token_in_url)
    request.session[INVITATION_SESSION_KEY] = digest
    return _private(redirect("invitation_accept"), token_in_url=token_in_url)


@never_cache
@require_http_methods(["GET", "POST"])
def invitation_link(request: HttpRequest) -> HttpResponse:
    """The emailed link is `/invite/#<token>`: browsers never send what follows "#", so the token
    is in no request line, hence in no access log (gunicorn's or a proxy's). The page's script
    posts it here; without JavaScript the person pastes it (the whole link is understood too)."""
    if request.method == "POST":
        token = request.POST.get("token", "").rpartition("#")[2].strip()
        if token:
            return _open(request, token, token_in_url=False)
    return _private(render(request, "portal/invitation/link.html"))


@never_cache
@require_http_methods(["GET"])
def invitation_open(request: HttpRequest, token: str) -> HttpResponse:
    """Links emailed before the token moved into the fragment (`/invite/<token>/`); they end
    with their invitations, within 7 days (patients.invitations.MAX_EXPIRY)."""
    return _open(request, token, token_in_url=True)


@never_cache
@sensitive_post_parameters("password", "password1", "password2")
@require_http_methods(["GET", "POST"])
def invitation_accept_page(request: HttpRequest) -> HttpResponseBase:
    """The page the link leads to. Signed out: it names the clinic, shows the invited address and
    asks for a new password, or for the password of the account that has that address; sending
    it creates the account or signs in and accepts, straight to the dashboard. Signed in: a
    button accepts."""
    if refused := _too_many(request):
        return refused
    digest = request.session.get(INVITATION_SESSION_KEY)
    if not digest:
        return _private(render(request, "portal/invitation/none.html"))
    invitation = invitation_find_by_digest(digest=digest)
    if problem := invitation_problem(invitation=invitation):
        return _problem_page(request, problem, invitation)
    assert invitation is not None  # no invitation is a problem ("unknown")
    if not request.user.is_authenticated:
        return _signed_out(request, invitation, digest)
    context = {"clinic": invitation.clinic, "invited_email": invitation.email}
    if not account_owns_email(user=request.user, email=invitation.email):
        invitation_refusal_record(invitation=invitation, code="email_mismatch", actor=request.user)
        return _private(render(request, "portal/invitation/mismatch.html", context, status=409))
    if request.method == "POST":
        return _accept(request, request.user, digest)
    return _private(render(request, "portal/invitation/confirm.html", context))


def _signed_out(request: HttpRequest, invitation: Invitation, digest: str) -> HttpResponseBase:
    account_exists = invitation_account_exists(invitation=invitation)
    if request.method != "POST":
        return _welcome(request, invitation, entry_form(request, invitation, account_exists=account_exists))
    if not posted_address_is_invited(request.POST, invitation):
        invitation_refusal_record(invitation=invitation, code="email_mismatch")
        form = entry_form(request, invitation, account_exists=account_exists)
        refusal = _("Please use the address your invitation was sent to: %(email)s") % {"email": invitation.email}
        return _welcome(request, invitation, form, refusal=refusal, status=400)
    if account_exists and "password1" in request.POST:
        return _account_appeared(request, invitation)  # since the page was shown (another tab)
    form = entry_form(request, invitation, account_exists=account_exists, data=request.POST)
    if not form.is_valid():
        return _welcome(request, invitation, form, status=400)
    response = entry_submit(request, form, invitation)
    if response is None:
        return _account_appeared(request, invitation)
    if request.user.is_authenticated:
        return _accept(request, request.user, digest)
    return _private(response)  # allauth's next step: the two-factor code, or "verify your email"


def _account_appeared(request: HttpRequest, invitation: Invitation) -> HttpResponse:
    """Someone chose a password while an account with the address came to be (a second tab):
    nothing was created; they sign in to that account instead."""
    form = entry_form(request, invitation, account_exists=True)
    refusal = _("An account with this address has just been created. Sign in with its password.")
    return _welcome(request, invitation, form, refusal=refusal, status=409)


def _welcome(
    request: HttpRequest, invitation: Invitation, form: Any, *, refusal: str = "", status: int = 200
) -> HttpResponse:
    context = {
        "clinic": invitation.clinic,
        "invited_email": invitation.email,
        "form": form,
        "signing_in": isinstance(form, LoginForm),
        "refusal": refusal,
    }
    return _private(render(request, "portal/invitation/welcome.html", context, status=status))


def _accept(request: HttpRequest, user: User, digest: str) -> HttpResponse:
    try:
        access = invitation_accept_by_digest(digest=digest, user=user)
    except PatientError as error:  # the service has audited the refusal
        if error.code != "busy":  # "try again" must find the invitation still in the session
            request.session.pop(INVITATION_SESSION_KEY, None)
        context = _problem_context(error, invitation_find_by_digest(digest=digest) if error.sends_to_clinic else None)
        return _private(
            render(request, "portal/invitation/problem.html", context, status=PROBLEM_STATUS.get(error.code, 410))
        )
    request.session.pop(INVITATION_SESSION_KEY, None)
    request.session[SESSION_ACTIVE_ACCESS] = access.pk
    if access.is_proxy:
        done = _("You can now use %(patient)s’s record at %(clinic)s, signed in as yourself.") % {
            "patient": access.patient.full_name,
            "clinic": access.clinic.name,
        }
    else:
        done = _("Your account is now linked to your record at %(clinic)s.") % {"clinic": access.clinic.name}
    messages.success(request, done)
    return redirect("portal:dashboard")
