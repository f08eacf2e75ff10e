"""Signing up is possible only from an invitation: allauth's adapter, aware of
the invitation this browser opened (PRODUCT.md F-2; issue 15, part 4)."""

from allauth.account.models import EmailAddress
from allauth.core import context as allauth_context
from allauth.core.exceptions import ImmediateHttpResponse
from django import forms
from django.http import HttpRequest
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from patientportal.accounts.adapter import AccountAdapter
from patientportal.accounts.emails import emails_match
from patientportal.patients.invitation_accounts import invitation_for_confirmed_address
from patientportal.patients.invitations import invitation_find_by_digest, invitation_problem
from patientportal.patients.models import Invitation

# Opening an invitation link keeps the SHA-256 of its token here (never the
# token itself); signing up is possible only while that invitation is usable.
INVITATION_SESSION_KEY = "invitation_digest"


def session_invitation(request: HttpRequest | None) -> Invitation | None:
    """The usable invitation this browser opened, or None."""
    if request is None or not hasattr(request, "session"):
        return None
    digest = request.session.get(INVITATION_SESSION_KEY)
    if not digest:
        return None
    invitation = invitation_find_by_digest(digest=digest)
    return invitation if invitation_problem(invitation=invitation) is None else None


def _on_invitation_page(request: HttpRequest | None) -> bool:
    return request is not None and request.path == reverse("invitation_accept")


class InvitationAccountAdapter(AccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        """No open self-registration, and allauth's sign-up page is not the way in: the
        invitation's page holds the form (it names the clinic and fixes the address), so
        with an invitation in progress that page is where the person goes."""
        if session_invitation(request) is not None:
            raise ImmediateHttpResponse(redirect("invitation_accept"))
        return False

    def is_email_verified(self, request: HttpRequest, email: str) -> bool:
        """allauth's hook for an address proven outside it, "by having accepted an invitation":
        an account made on the invitation's page, for exactly the invited address, is stored
        verified, so no second email is sent. Nowhere else, and for no other address."""
        invitation = session_invitation(request) if _on_invitation_page(request) else None
        return invitation is not None and emails_match(email, invitation.email)

    def clean_email(self, email: str) -> str:
        """While signing up from an invitation, only the invited address is accepted."""
        email = super().clean_email(email)
        request = allauth_context.request
        invitation = session_invitation(request) if _on_invitation_page(request) else None
        if invitation is not None and not emails_match(email, invitation.email):
            raise forms.ValidationError(
                _("Please use the address your invitation was sent to: %(email)s") % {"email": invitation.email}
            )
        return email

    def confirm_email(self, request: HttpRequest, email_address: EmailAddress) -> bool:
        """Confirming an address proves the mailbox an invitation to it reached: a browser that
        did not open the link (the email read on another device) carries on with that invitation
        instead of landing on "not linked"."""
        confirmed: bool = super().confirm_email(request, email_address)
        if confirmed and session_invitation(request) is None:
            invitation = invitation_for_confirmed_address(email=email_address.email)
            if invitation is not None:
                request.session[INVITATION_SESSION_KEY] = invitation.token_hash
        return confirmed

    def get_email_verification_redirect_url(self, email_address: EmailAddress) -> str:
        """After confirming, signed in or not: back to the invitation in progress, if any."""
        if session_invitation(self.request) is not None:
            return reverse("invitation_accept")
        url: str = super().get_email_verification_redirect_url(email_address)
        return url

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        """Someone who signed in (or verified their email) in the middle of
        accepting an invitation goes back to it."""
        if request.session.get(INVITATION_SESSION_KEY):
            return reverse("invitation_accept")
        url: str = super().get_login_redirect_url(request)  # allauth ships no types
        return url
