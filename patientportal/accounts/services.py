"""Account use cases that an operator performs on someone else's account."""

from allauth.account.forms import ResetPasswordForm
from allauth.account.models import EmailAddress
from django.db import transaction
from django.http import HttpRequest

from patientportal.accounts.models import User
from patientportal.audit import services as audit


@transaction.atomic
def user_create_without_password(*, email: str, first_name: str, last_name: str, actor: User) -> User:
    """An account nobody knows the password of; the person sets one from the reset email
    (`user_password_reset_send`), which also proves the address (accounts.signal_handlers)."""
    user = User.objects.create_user(email=email, first_name=first_name, last_name=last_name)
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=False)
    audit.record(action="accounts.user.created", actor=actor, obj=user)
    return user


@transaction.atomic
def user_password_reset_send(*, request: HttpRequest, user: User, actor: User) -> bool:
    """Email the account the password-reset link that "Forgot your password?" sends, so the
    person chooses the password and nobody else ever knows it. The request is allauth's way
    to build the link. False (nothing sent) for an inactive account."""
    form = ResetPasswordForm(data={"email": user.email})
    if not user.is_active or not form.is_valid() or user not in form.users:
        return False
    form.save(request)
    audit.record(action="accounts.password.reset_sent", actor=actor, obj=user, metadata={"email": user.email})
    return True


@transaction.atomic
def user_rename(*, user: User, first_name: str, last_name: str) -> User:
    """The name the account goes by (greetings, the staff area's team list); a patient record's
    name is the clinic's and does not change with it."""
    changed = [
        field
        for field, value in (("first_name", first_name), ("last_name", last_name))
        if getattr(user, field) != value
    ]
    if not changed:
        return user
    user.first_name, user.last_name = first_name, last_name
    user.save(update_fields=changed)
    audit.record(action="accounts.user.renamed", actor=user, obj=user, metadata={"fields": changed})
    return user


@transaction.atomic
def user_set_preferred_language(*, user: User, language: str) -> User:
    """The language the person reads the portal and its emails in (a code of settings.LANGUAGES)."""
    if user.preferred_language == language:
        return user
    previous = user.preferred_language
    user.preferred_language = language
    user.save(update_fields=["preferred_language"])
    audit.record(
        action="accounts.user.language_changed", actor=user, obj=user, metadata={"from": previous, "to": language}
    )
    return user
