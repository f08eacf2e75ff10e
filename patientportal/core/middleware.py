import logging
import time
from collections.abc import Callable
from typing import cast
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from patientportal.core import request_context

Handler = Callable[[HttpRequest], HttpResponse]
logger = logging.getLogger(__name__)

SESSION_LAST_ACTIVITY = "last_activity"
SESSION_SIGNED_IN_AT = "signed_in_at"
SESSION_IDLE_LIMIT = "idle_limit_seconds"
# Addresses that carry a secret (invitation tokens), which must never be copied into another URL.
PATHS_WITH_SECRETS = ("/invite/",)


class IdentifiedRequest(HttpRequest):
    """Only a type: at run time it is Django's request, to which RequestIdMiddleware has attached `request_id`."""

    request_id: str


def distrust_short_forwarded_for(request: HttpRequest) -> None:
    """One setting, TRUSTED_PROXY_COUNT, says which X-Forwarded-For entry is the client, for our
    own code (request_context.client_ip) and for allauth's rate limits (ALLAUTH_TRUSTED_PROXY_COUNT).
    A header with fewer entries than trusted proxies did not come through all of them: allauth
    would stop on it with an error (a 500 on sign-in) while we would use the connecting address.
    Dropping it makes every reader use the connecting address."""
    proxies = settings.TRUSTED_PROXY_COUNT
    header: str | None = request.META.get("HTTP_X_FORWARDED_FOR")
    if not proxies or header is None:
        return
    if len([part for part in header.split(",") if part.strip()]) < proxies:
        del request.META["HTTP_X_FORWARDED_FOR"]
        logger.warning(
            "X-Forwarded-For has fewer entries than TRUSTED_PROXY_COUNT=%d: ignored for this request", proxies
        )


class RequestIdMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        distrust_short_forwarded_for(request)
        token = request_context.begin(request)
        identified = cast(IdentifiedRequest, request)
        identified.request_id = request_context.current().request_id
        try:
            response = self.get_response(request)
        finally:
            request_context.end(token)
        response["X-Request-ID"] = identified.request_id
        return response


# Recording the time of every request would write the session row on every request; the
# time of the last minute with a request is plenty against idle limits of 15 and 30 minutes
# (an idle sign-out may come up to a minute early, never late).
ACTIVITY_PRECISION_SECONDS = 60


class InactivityLogoutMiddleware:
    """Automatic logoff (HIPAA 164.312(a)(2)(iii)): after a period without
    requests, and in any case a fixed time after signing in."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(time.time())
            session = request.session
            idle_limit = session.get(SESSION_IDLE_LIMIT, settings.STAFF_IDLE_TIMEOUT_SECONDS)
            last_activity = session.get(SESSION_LAST_ACTIVITY, now)
            signed_in_at = session.get(SESSION_SIGNED_IN_AT, now)
            if now - last_activity > idle_limit or now - signed_in_at > settings.SESSION_COOKIE_AGE:
                logout(request)
                messages.info(request, _("For your security you were signed out after a period of inactivity."))
                if request.path.startswith(PATHS_WITH_SECRETS):
                    # Never copy an invitation token into a "next" address; carry on signed out.
                    return self.get_response(request)
                return redirect(f"{reverse(settings.LOGIN_URL)}?{urlencode({'next': request.get_full_path()})}")
            if SESSION_LAST_ACTIVITY not in session or now - last_activity >= ACTIVITY_PRECISION_SECONDS:
                session[SESSION_LAST_ACTIVITY] = now
            session.setdefault(SESSION_SIGNED_IN_AT, now)
        return self.get_response(request)


class SecurityHeadersMiddleware:
    """Headers Django does not set itself: CSP, Permissions-Policy, and
    no caching of anything shown to a signed-in user (it may hold PHI)."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response
        form_action = " ".join(["'self'", *settings.CSP_EXTRA_FORM_ACTION])
        self.csp = (
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
            "font-src 'self'; connect-src 'self'; frame-src 'self'; object-src 'none'; "
            f"base-uri 'none'; form-action {form_action}; frame-ancestors 'none'"
        )

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", self.csp)
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()")
        response.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        if request.user.is_authenticated and not request.path.startswith(settings.STATIC_URL):
            response["Cache-Control"] = "no-store"
        return response
