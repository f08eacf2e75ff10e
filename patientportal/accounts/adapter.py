from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.contrib.sites.shortcuts import get_current_site
from django.http import HttpRequest
from django.urls import reverse

from patientportal.core.emails import queue_message

# Opening an invitation link keeps its token here (out of the address bar);
# signing up is possible only while a usable invitation is in the session.
INVITATION_SESSION_KEY = "invitation_token"


def session_invitation_is_usable(request: HttpRequest) -> bool:
    from patientportal.patients.invitations import invitation_find, invitation_problem

    token = request.session.get(INVITATION_SESSION_KEY)
    return bool(token) and invitation_problem(invitation=invitation_find(token=token)) is None


class PortalAccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        """No open self-registration: accounts are created from invitations."""
        return session_invitation_is_usable(request)

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        """Someone who signed in (or verified their email) in the middle of
        accepting an invitation goes back to it."""
        if request.session.get(INVITATION_SESSION_KEY):
            return reverse("invitation_accept")
        return super().get_login_redirect_url(request)

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Render in the request (links need its host), deliver through the task framework."""
        request = allauth_context.request
        full_context = {"request": request, "email": email, "current_site": get_current_site(request), **context}
        queue_message(self.render_mail(template_prefix, email, full_context))
