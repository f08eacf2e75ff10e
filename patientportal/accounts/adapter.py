from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from allauth.usersessions.adapter import DefaultUserSessionsAdapter
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib.sites.shortcuts import get_current_site

from patientportal.audit import services as audit
from patientportal.core.emails import queue_message


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


class UserSessionsAdapter(DefaultUserSessionsAdapter):  # type: ignore[misc]
    """ "Sign out everywhere else" ends the other sessions on the server, and the log says so."""

    def end_sessions(self, sessions: Iterable[UserSession]) -> None:
        ended = list(sessions)
        super().end_sessions(ended)
        if ended:
            user = ended[0].user
            audit.record(action="accounts.sessions.ended", actor=user, obj=user, metadata={"count": len(ended)})
