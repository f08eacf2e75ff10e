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
