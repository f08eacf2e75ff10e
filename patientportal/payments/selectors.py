"""Reads of the payments app."""

import datetime

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from patientportal.payments.choices import ProviderEventStatus
from patientportal.payments.models import WebhookEvent


def provider_events_waiting_too_long(*, now: datetime.datetime | None = None) -> QuerySet[WebhookEvent]:
    """Provider events kept for a payment that has not turned up within PAYMENT_EVENT_STALE_MINUTES,
    oldest first: an operator should look at them (they are not clinic data, so not scoped to a clinic)."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(minutes=settings.PAYMENT_EVENT_STALE_MINUTES)
    return WebhookEvent.objects.filter(status=ProviderEventStatus.WAITING, received_at__lte=cutoff).order_by(
        "received_at", "id"
    )
