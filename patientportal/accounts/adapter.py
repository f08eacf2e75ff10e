from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from allauth.core import context as allauth_context
from allauth.usersessions.adapter import DefaultUserSessionsAdapter
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib.sites.shortcuts import get_current_site
from django.http import HttpRequest

from patientportal.accounts.emails import normalize_email
from patientportal.accounts.models import User
from patientportal.audit import services as audit
from patientportal.core.emails import queue_message


def address_used_by_another_account(*, email: str, user_id: int) -> bool:
    address = normalize_email(email)
    return (
        User.objects.filter(email=address).exclude(pk=user_id).exists()
        or EmailAddress.objects.filter(email__iexact=address, verified=True).exclude(user_id=user_id).exists()
    )


class SiteFromSettings:
    """What email templates read of `current_site`, from SITE_URL and SITE_NAME."""

    def __init__(self) -> None:
        self.domain = urlsplit(settings.SITE_URL).netloc
        self.name = settings.SITE_NAME


# allauth ships no type information (no py.typed), so its classes are Any to mypy.
class AccountAdapter(DefaultAccountAdapter):  # type: ignore[misc]
    """allauth's emails (verification, password reset) take the same path as ours."""

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        """Render in the request (links need its host), deliver through the task framework."""
        request = allauth_context.request
        # allauth sends some notices after the commit (two-factor turned on); should that come after
        # the request is over, the site is named from the settings instead of the request's host.
        site = get_current_site(request) if request is not None else SiteFromSettings()
        full_context = {
            "request": request,
            "email": email,
            "current_site": site,
            "SITE_NAME": settings.SITE_NAME,
            **context,
        }
        queue_message(self.render_mail(template_prefix, email, full_context))

    def send_confirmation_mail(self, request: HttpRequest, emailconfirmation: Any, signup: bool) -> None:
        """An account asking to change to an address that another account signs in with gets the
        same answer on the page (no enumeration), but the address gets no link to confirm (it
        could never be confirmed: addresses are unique), only a notice that nothing changed."""
        address = emailconfirmation.email_address
        if not signup and address_used_by_another_account(email=address.email, user_id=address.user_id):
            self.send_mail("account/email/address_in_use", address.email, {})
            return
        super().send_confirmation_mail(request, emailconfirmation, signup)


class UserSessionsAdapter(DefaultUserSessionsAdapter):  # type: ignore[misc]
    """ "Sign out everywhere else" ends the other sessions on the server, and the log says so."""

    def end_sessions(self, sessions: Iterable[UserSession]) -> None:
        ended = list(sessions)
        super().end_sessions(ended)
        if ended:
            user = ended[0].user
            audit.record(action="accounts.sessions.ended", actor=user, obj=user, metadata={"count": len(ended)})
