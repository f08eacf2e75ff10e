import time

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest

from patientportal.accounts.models import User
from patientportal.clinics.models import StaffMembership
from patientportal.core.middleware import SESSION_IDLE_LIMIT, SESSION_LAST_ACTIVITY, SESSION_SIGNED_IN_AT


def idle_limit_for(user: User) -> int:
    """Staff accounts time out sooner than patients (they see many records)."""
    if StaffMembership.objects.filter(user=user).exists():
        return settings.STAFF_IDLE_TIMEOUT_SECONDS
    return settings.PATIENT_IDLE_TIMEOUT_SECONDS


@receiver(user_logged_in)
def start_idle_clock(sender: type[User], request: HttpRequest | None, user: User, **kwargs: object) -> None:
    """Core's automatic logoff counts from here, with the idle limit of the account's role."""
    if request is not None and hasattr(request, "session"):
        now = int(time.time())
        request.session[SESSION_IDLE_LIMIT] = idle_limit_for(user)
        request.session[SESSION_SIGNED_IN_AT] = now
        request.session[SESSION_LAST_ACTIVITY] = now
