from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.contrib.sites.shortcuts import get_current_site
from django.http import HttpRequest

from patientportal.core.emails import queue_message

# An invitation link puts its id here (see the invitations feature); signing
# up is possible only while a valid invitation is in the session.
SIGNUP_INVITATION_SESSION_KEY = "signup_invitation"


class PortalAccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        """No open self-registration: accounts are created from invitations."""
        return bool(request.session.get(SIGNUP_INVITATION_SESSION_KEY))

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Render in the request (links need its host), deliver through the task framework."""
        request = allauth_context.request
        full_context = {"request": request, "email": email, "current_site": get_current_site(request), **context}
        queue_message(self.render_mail(template_prefix, email, full_context))
