"""The operators' Django admin (/operator/) behind the same sign-in as everything else.

Django's admin has a login form of its own: no rate limit, no second factor.
Here it has none. Its login page sends visitors to allauth's sign-in (rate
limits on failed attempts, the two-factor step) and back; an account that is
not an operator gets 403. An operator without two-factor authentication is sent
to set it up before any admin page opens (REQUIRE_MFA_FOR_OPERATORS, on in
production). Changing one's own password also goes through allauth.
"""

from collections.abc import Callable

from allauth.account.decorators import secure_admin_login
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import URLPattern, URLResolver, path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache


def operator_needs_second_factor(user: AbstractBaseUser | AnonymousUser) -> bool:
    return bool(settings.REQUIRE_MFA_FOR_OPERATORS) and not is_mfa_enabled(
        user, [Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
    )


def _after_sign_in(request: HttpRequest) -> HttpResponse:
    if operator_needs_second_factor(request.user):
        messages.warning(request, _("Operators must turn on two-factor authentication before using the admin."))
        return redirect("mfa_activate_totp")
    next_url = request.GET.get(REDIRECT_FIELD_NAME, "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}, require_https=True):
        next_url = reverse("admin:index")
    return redirect(next_url)


# allauth's decorator: visitors go to its sign-in page with ?next=, signed-in accounts that are
# not active operators get 403, operators come through. (allauth has no types: declared here.)
_login_view: Callable[[HttpRequest], HttpResponse] = never_cache(secure_admin_login(_after_sign_in))


def _password_change_view(request: HttpRequest) -> HttpResponse:
    return redirect("account_change_password")


class OperatorAdminSite(admin.AdminSite):
    site_header = gettext_lazy("Patient Portal operators")
    site_title = gettext_lazy("Patient Portal operators")

    def has_permission(self, request: HttpRequest) -> bool:
        # Every admin page asks this; without the second factor it answers no, and the admin
        # sends the operator to `login`, which sends them on to set it up.
        return super().has_permission(request) and not operator_needs_second_factor(request.user)

    def login(self, request: HttpRequest, extra_context: dict[str, object] | None = None) -> HttpResponse:
        return _login_view(request)

    def get_urls(self) -> list[URLResolver | URLPattern]:
        # An operator's own password changes on allauth's page too (its rate limit, its emails):
        # the admin's "Change password" link keeps its name and leads there.
        return [
            path("password_change/", self.admin_view(_password_change_view), name="password_change")
            if isinstance(url, URLPattern) and url.name == "password_change"
            else url
            for url in super().get_urls()
        ]
