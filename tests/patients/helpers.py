import datetime

from django.utils import timezone

from patientportal.patients.invitations import invitation_send
from patientportal.patients.services import portal_enable

HOUR = datetime.timedelta(hours=1)


def enabled(patient, actor):
    """The patient with portal access enabled for their current email."""
    return portal_enable(patient=patient, email=patient.email, actor=actor)


def send(patient, actor, *, hours: float = 48, now: datetime.datetime | None = None):
    """Send an invitation; returns (invitation, token)."""
    return invitation_send(
        patient=patient, expires_in=datetime.timedelta(hours=hours), actor=actor, now=now or timezone.now()
    )
