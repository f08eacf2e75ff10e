import time

from allauth.account.models import EmailAddress
from allauth.account.signals import password_reset
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from patientportal.accounts.emails import normalize_email
from patientportal.audit import services as audit
from patientportal.core.middleware import SESSION_IDLE_LIMIT, SESSION_LAST_ACTIVITY, SESSION_SIGNED_IN_AT


def idle_limit_for(user: object) -> int:
    """Staff accounts time out sooner than patients (they see many records)."""
    from patientportal.clinics.models import StaffMembership

    if StaffMembership.objects.filter(user=user).exists():
        return settings.STAFF_IDLE_TIMEOUT_SECONDS
    return settings.PATIENT_IDLE_TIMEOUT_SECONDS


@receiver(user_logged_in)
def on_login(sender: object, request: HttpRequest | None, user: object, **kwargs: object) -> None:
    if request is not None and hasattr(request, "session"):
        now = int(time.time())
        request.session[SESSION_IDLE_LIMIT] = idle_limit_for(user)
        request.session[SESSION_SIGNED_IN_AT] = now
        request.session[SESSION_LAST_ACTIVITY] = now
    audit.record(action="accounts.login.succeeded", actor=user, obj=user)


@receiver(user_login_failed)
def on_login_failed(sender: object, credentials: dict, request: HttpRequest | None = None, **kwargs: object) -> None:
    attempted = credentials.get("email") or credentials.get("username") or ""
    audit.record(action="accounts.login.failed", metadata={"email": normalize_email(str(attempted))[:254]})


@receiver(password_reset)
def on_password_reset(sender: object, request: HttpRequest, user: object, **kwargs: object) -> None:
    """The reset link reached this mailbox, which proves the address: staff
    added by email set their first password this way and need no second
    verification email."""
    EmailAddress.objects.filter(user=user, email=user.email).update(verified=True)  # type: ignore[attr-defined]
    audit.record(action="accounts.password.reset", actor=user, obj=user)


@receiver(user_logged_out)
def on_logout(sender: object, request: HttpRequest | None, user: object, **kwargs: object) -> None:
    if user is not None:
        audit.record(action="accounts.logout", actor=user, obj=user)
