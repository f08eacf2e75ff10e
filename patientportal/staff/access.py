"""Deny by default for the clinic side: every staff view is wrapped in
`staff_view`, which loads the clinic from the URL through the signed-in
user's membership (404 for anyone else) and checks the role."""

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Concatenate, ParamSpec, Protocol, cast

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from patientportal.accounts.http import SignedInRequest
from patientportal.accounts.models import User
from patientportal.clinics.choices import Role
from patientportal.clinics.models import Clinic, StaffMembership
from patientportal.clinics.selectors import membership_get_for_user

# Roles that may change who has access and what the clinic sells: they sign in with a second factor.
SECOND_FACTOR_ROLES = frozenset({Role.OWNER, Role.ADMIN})


class StaffRequest(SignedInRequest):
    """The request a view wrapped in `staff_view` receives: a signed-in account,
    the clinic named in the URL and the account's membership in it. Only a type:
    at run time it is Django's request, to which `staff_view` has attached both."""

    clinic: Clinic
    membership: StaffMembership


P = ParamSpec("P")
StaffViewFunction = Callable[Concatenate[StaffRequest, P], HttpResponseBase]


class WrappedStaffView(Protocol[P]):
    """A staff view as the URL resolver calls it: the clinic's slug from the URL
    (`<slug:clinic_slug>`, passed by name) comes before the view's own arguments,
    and `staff_view` consumes it."""

    def __call__(
        self, request: HttpRequest, /, clinic_slug: str, *args: P.args, **kwargs: P.kwargs
    ) -> HttpResponseBase: ...


def needs_second_factor(user: User, role: str) -> bool:
    return (
        settings.REQUIRE_MFA_FOR_CLINIC_ADMINS
        and role in SECOND_FACTOR_ROLES
        and not is_mfa_enabled(user, [Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN])
    )


def staff_view(roles: Iterable[str] | None = None) -> Callable[[StaffViewFunction[P]], WrappedStaffView[P]]:
    allowed = frozenset(roles) if roles is not None else None

    def decorator(view: StaffViewFunction[P]) -> WrappedStaffView[P]:
        @wraps(view)
        def wrapper(request: HttpRequest, /, clinic_slug: str, *args: P.args, **kwargs: P.kwargs) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            membership = membership_get_for_user(user=request.user, clinic_slug=clinic_slug)
            if allowed is not None and membership.role not in allowed:
                raise PermissionDenied
            if needs_second_factor(request.user, membership.role):
                messages.warning(request, _("Owners and admins must turn on two-factor authentication first."))
                return redirect("mfa_activate_totp")
            # From here on the request is what StaffRequest describes: a signed-in User, its clinic and role.
            staff_request = cast(StaffRequest, request)
            staff_request.membership = membership
            staff_request.clinic = membership.clinic
            return view(staff_request, *args, **kwargs)

        return wrapper

    return decorator
