"""Deny by default for the clinic side: every staff view is wrapped in
`staff_view`, which loads the clinic from the URL through the signed-in
user's membership (404 for anyone else) and checks the role."""

from collections.abc import Callable, Iterable
from functools import wraps

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from patientportal.clinics.choices import Role
from patientportal.clinics.selectors import membership_get_for_user

# Roles that may change who has access and what the clinic sells: they sign in with a second factor.
SECOND_FACTOR_ROLES = frozenset({Role.OWNER, Role.ADMIN})


def needs_second_factor(user: object, role: str) -> bool:
    return (
        settings.REQUIRE_MFA_FOR_CLINIC_ADMINS
        and role in SECOND_FACTOR_ROLES
        and not is_mfa_enabled(user, [Authenticator.Type.TOTP])
    )


def staff_view(roles: Iterable[str] | None = None) -> Callable:
    allowed = frozenset(roles) if roles is not None else None

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, clinic_slug: str, *args: object, **kwargs: object) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            membership = membership_get_for_user(user=request.user, clinic_slug=clinic_slug)
            if allowed is not None and membership.role not in allowed:
                raise PermissionDenied
            if needs_second_factor(request.user, membership.role):
                messages.warning(request, _("Owners and admins must turn on two-factor authentication first."))
                return redirect("mfa_activate_totp")
            request.membership = membership  # type: ignore[attr-defined]
            request.clinic = membership.clinic  # type: ignore[attr-defined]
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
