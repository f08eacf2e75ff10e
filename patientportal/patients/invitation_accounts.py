"""The account side of an invitation (issue 15, part 4, "a short way in").

The invitation link reached the invited mailbox, so an account the invitation's page
creates, for exactly that address (shown, never typed), is stored with the address
verified and no verification email is sent (`InvitationAccountAdapter.is_email_verified`).
Only a new account: an account that already holds the address keeps allauth's own proof
(signing in to it while its address is unverified sends allauth's verification email; a
password reset proves the address too), so opening an invitation never takes over an
account someone else may have made. Confirming that email, in any browser, continues the
invitation (`invitation_for_confirmed_address`).
"""

import datetime
from typing import Any

from allauth.account.models import EmailAddress
from allauth.account.utils import filter_users_by_email
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from patientportal.accounts.emails import emails_match, normalize_email
from patientportal.accounts.models import User
from patientportal.audit import services as audit
from patientportal.patients.invitations import invitation_problem
from patientportal.patients.models import Invitation

# The invitations looked at when an address is confirmed: a patient has at most 3 pending,
# and one address may be on a few records (a parent's address on a child's record).
CONTINUE_CANDIDATES = 20


def invitation_account_exists(*, invitation: Invitation) -> bool:
    """Does any account hold the invited address, verified or not? allauth's own lookup,
    the one its sign-up and sign-in use, so the page offers what allauth will do."""
    return bool(filter_users_by_email(invitation.email))


# `form` is allauth's SignupForm, validated; allauth ships no types.
@transaction.atomic
def invitation_signup(*, request: HttpRequest, form: Any, invitation: Invitation) -> User:
    """Create the account with allauth's sign-up form and adapter (`setup_user_email` stores the
    address verified when it is the invitation's), audited with the invitation it came from.
    A second account for the same address (two tabs at once) fails on the database's unique
    constraints and raises IntegrityError, with nothing written."""
    user: User = form.save(request)
    verified = EmailAddress.objects.filter(user=user, email=user.email, verified=True).exists()
    audit.record(
        action="patients.invitation.account_created",
        actor=user,
        clinic=invitation.clinic,
        patient=invitation.patient,
        obj=invitation,
        metadata={"account": user.pk, "email_verified_by_invitation": verified},
    )
    return user


def invitation_for_confirmed_address(*, email: str, now: datetime.datetime | None = None) -> Invitation | None:
    """The newest usable invitation sent to this address, or None. Confirming an address proves
    the same mailbox the invitation reached, so a browser that confirms it (perhaps not the one
    that opened the link) may carry on with that invitation; accepting still checks everything."""
    now = now or timezone.now()
    candidates = (
        Invitation.objects.select_related("clinic", "patient")
        .filter(email=normalize_email(email))
        .pending_at(now)
        .order_by("-created_at", "-id")[:CONTINUE_CANDIDATES]
    )
    usable = (
        invitation
        for invitation in candidates
        if emails_match(invitation.email, email) and invitation_problem(invitation=invitation, now=now) is None
    )
    return next(usable, None)
