"""Signing up is possible only from an invitation: allauth's adapter, aware of
the invitation this browser opened (PRODUCT.md F-2)."""

from allauth.core import context as allauth_context
from django import forms
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from patientportal.accounts.adapter import AccountAdapter
from patientportal.accounts.emails import emails_match
from patientportal.patients.invitations import invitation_find_by_digest, invitation_problem
from patientportal.patients.models import Invitation

# Opening an invitation link keeps the SHA-256 of its token here (never the
# token itself); signing up is possible only while that invitation is usable.
INVITATION_SESSION_KEY = "invitation_digest"


def session_invitation(request: HttpRequest) -> Invitation | None:
    """The usable invitation this browser opened, or None."""
    digest = request.session.get(INVITATION_SESSION_KEY) if hasattr(request, "session") else None
    if not digest:
        return None
    invitation = invitation_find_by_digest(digest=digest)
    return invitation if invitation_problem(invitation=invitation) is None else None


class InvitationAccountAdapter(AccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        """No open self-registration: accounts are created from invitations."""
        return session_invitation(request) is not None

    def clean_email(self, email: str) -> str:
        """While signing up from an invitation, only the invited address is accepted."""
        email = super().clean_email(email)
        request = allauth_context.request
        invitation = (
            session_invitation(request) if request is not None and request.path == reverse("account_signup") else None
        )
        if invitation is not None and not emails_match(email, invitation.email):
            raise forms.ValidationError(
                _("Please use the address your invitation was sent to: %(email)s") % {"email": invitation.email}
            )
        return email

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        """Someone who signed in (or verified their email) in the middle of
        accepting an invitation goes back to it."""
        if request.session.get(INVITATION_SESSION_KEY):
            return reverse("invitation_accept")
        url: str = super().get_login_redirect_url(request)  # allauth ships no types
        return url
