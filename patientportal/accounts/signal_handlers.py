from allauth.account.models import EmailAddress
from allauth.account.signals import email_added, email_changed, password_changed, password_reset
from allauth.mfa.models import Authenticator
from allauth.mfa.signals import authenticator_added, authenticator_removed, authenticator_reset
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models import Q
from django.dispatch import receiver
from django.http import HttpRequest

from patientportal.accounts.emails import normalize_email
from patientportal.accounts.models import User
from patientportal.audit import services as audit


@receiver(user_logged_in)
def on_login(sender: type[User], request: HttpRequest | None, user: User, **kwargs: object) -> None:
    audit.record(action="accounts.login.succeeded", actor=user, obj=user)


@receiver(user_login_failed)
def on_login_failed(
    sender: str, credentials: dict[str, object], request: HttpRequest | None = None, **kwargs: object
) -> None:
    """What was typed is never stored: people type their password into the email
    field, and the audit log would keep it in clear for years (a hash of it could
    still be guessed). When the text names an account, that account is recorded
    (its id and its own address); otherwise only that no account matched."""
    address = normalize_email(str(credentials.get("email") or credentials.get("username") or ""))
    account = (
        User.objects.filter(Q(email=address) | Q(emailaddress__email=address)).distinct().first() if address else None
    )
    if account is None:
        audit.record(action="accounts.login.failed", metadata={"account": "unknown"})
    else:
        audit.record(action="accounts.login.failed", obj=account, metadata={"email": account.email})


@receiver(password_reset)
def on_password_reset(sender: type[User], request: HttpRequest, user: User, **kwargs: object) -> None:
    """The reset link reached this mailbox, which proves the address: staff
    added by email set their first password this way and need no second
    verification email."""
    EmailAddress.objects.filter(user=user, email=user.email).update(verified=True)
    audit.record(action="accounts.password.reset", actor=user, obj=user)


@receiver(user_logged_out)
def on_logout(
    sender: type[User] | type[None], request: HttpRequest | None, user: User | None, **kwargs: object
) -> None:
    if user is not None:
        audit.record(action="accounts.logout", actor=user, obj=user)


# --- The account page: address, password, second factors (allauth's signals) -----------------


@receiver(email_added)
def on_email_change_requested(
    sender: type[EmailAddress], request: HttpRequest, user: User, email_address: EmailAddress, **kwargs: object
) -> None:
    """Both addresses, so the log tells who asked to move the account where, even if the new
    address is never verified."""
    audit.record(
        action="accounts.email.change_requested",
        actor=user,
        obj=user,
        metadata={"email": user.email, "new_email": email_address.email},
    )


@receiver(email_changed)
def on_email_changed(
    sender: type[EmailAddress],
    request: HttpRequest,
    user: User,
    from_email_address: EmailAddress | None,
    to_email_address: EmailAddress,
    **kwargs: object,
) -> None:
    """The new address was verified and replaced the old one (allauth also emails the old one)."""
    audit.record(
        action="accounts.email.changed",
        actor=user,
        obj=user,
        metadata={
            "from_email": from_email_address.email if from_email_address else "",
            "to_email": to_email_address.email,
        },
    )


@receiver(password_changed)
def on_password_changed(sender: type[User], request: HttpRequest, user: User, **kwargs: object) -> None:
    audit.record(action="accounts.password.changed", actor=user, obj=user)


@receiver(authenticator_added)
def on_authenticator_added(
    sender: type[Authenticator], request: HttpRequest, user: User, authenticator: Authenticator, **kwargs: object
) -> None:
    audit.record(action="accounts.second_factor.added", actor=user, obj=user, metadata={"type": authenticator.type})


@receiver(authenticator_removed)
def on_authenticator_removed(
    sender: type[Authenticator], request: HttpRequest, user: User, authenticator: Authenticator, **kwargs: object
) -> None:
    audit.record(action="accounts.second_factor.removed", actor=user, obj=user, metadata={"type": authenticator.type})


@receiver(authenticator_reset)
def on_authenticator_reset(
    sender: type[Authenticator], request: HttpRequest, user: User, authenticator: Authenticator, **kwargs: object
) -> None:
    """New recovery codes: the old ones stop working."""
    audit.record(action="accounts.second_factor.reset", actor=user, obj=user, metadata={"type": authenticator.type})
