"""The patient's side of an invitation link (PRODUCT.md F-3).

`/invite/<token>/` checks the token, keeps it in the session and redirects to
`/invite/accept/`, so the token leaves the address bar (as Django's password
reset does) and cannot leak through history or a Referer header. No patient
data is ever shown here; a valid token shows the clinic's name and the
address the invitation was sent to.
"""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from patientportal.accounts.adapter import INVITATION_SESSION_KEY
from patientportal.core.ratelimit import limit_exceeded
from patientportal.core.request_context import client_ip
from patientportal.patients.errors import PatientError
from patientportal.patients.invitations import (
    account_owns_email,
    invitation_accept,
    invitation_find,
    invitation_problem,
)
from patientportal.portal.access import SESSION_ACTIVE_ACCESS

ATTEMPTS_PER_MINUTE = 20
PROBLEM_STATUS = {"unknown": 404}


def _private(response: HttpResponse, *, token_in_url: bool = False) -> HttpResponse:
    # Where the token is in the address, no Referer may carry it anywhere.
    # The token-free accept page keeps "same-origin": with "no-referrer" the
    # browser sends `Origin: null` on its form post and the CSRF check fails.
    response["Referrer-Policy"] = "no-referrer" if token_in_url else "same-origin"
    response["Cache-Control"] = "no-store"
    return response


def _too_many(request: HttpRequest, *, token_in_url: bool = False) -> HttpResponse | None:
    if limit_exceeded(scope="invitation", key=client_ip(request) or "-", limit=ATTEMPTS_PER_MINUTE, period_seconds=60):
        return _private(render(request, "portal/invitation/too_many.html", status=429), token_in_url=token_in_url)
    return None


def _problem_page(request: HttpRequest, code: str, *, token_in_url: bool = False) -> HttpResponse:
    request.session.pop(INVITATION_SESSION_KEY, None)
    error = PatientError(code)
    status = PROBLEM_STATUS.get(code, 410)
    page = render(request, "portal/invitation/problem.html", {"error": error}, status=status)
    return _private(page, token_in_url=token_in_url)


@never_cache
@require_http_methods(["GET"])
def invitation_open(request: HttpRequest, token: str) -> HttpResponse:
    if refused := _too_many(request, token_in_url=True):
        return refused
    problem = invitation_problem(invitation=invitation_find(token=token))
    if problem:
        return _problem_page(request, problem, token_in_url=True)
    request.session[INVITATION_SESSION_KEY] = token
    return _private(redirect("invitation_accept"), token_in_url=True)


@never_cache
@require_http_methods(["GET", "POST"])
def invitation_accept_page(request: HttpRequest) -> HttpResponse:
    if refused := _too_many(request):
        return refused
    token = request.session.get(INVITATION_SESSION_KEY)
    if not token:
        return _private(render(request, "portal/invitation/none.html"))
    invitation = invitation_find(token=token)
    problem = invitation_problem(invitation=invitation)
    if problem:
        return _problem_page(request, problem)
    context = {"clinic": invitation.clinic, "invited_email": invitation.email}
    if not request.user.is_authenticated:
        return _private(render(request, "portal/invitation/welcome.html", context))
    if not account_owns_email(user=request.user, email=invitation.email):
        return _private(render(request, "portal/invitation/mismatch.html", context, status=409))
    if request.method == "POST":
        return _accept(request, token)
    return _private(render(request, "portal/invitation/confirm.html", context))


def _accept(request: HttpRequest, token: str) -> HttpResponse:
    try:
        access = invitation_accept(token=token, user=request.user)
    except PatientError as error:
        return _problem_page(request, error.code)
    request.session.pop(INVITATION_SESSION_KEY, None)
    request.session[SESSION_ACTIVE_ACCESS] = access.pk
    messages.success(
        request, _("Your account is now linked to your record at %(clinic)s.") % {"clinic": access.clinic.name}
    )
    return redirect("portal:dashboard")
