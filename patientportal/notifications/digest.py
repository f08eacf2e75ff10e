"""The daily summary: the periodic job `notification_digests_send`.

Each member whose notifications wait for a summary gets one email a day, at
NOTIFICATION_DIGEST_HOUR (8 by default) in the clinic's time zone or at the first round after
it (a runner that was down at 8 catches up when it is back), listing everything that waited.
What arrives after that day's summary waits for the next day's.

Exactly once: a summary is a row of `NotificationDigest`, unique on (member, the clinic's local
day), written in the transaction that queues its email and attaches the waiting notifications.
A second runner's insert waits for the first to commit, then fails on the constraint and sends
nothing; if the transaction does not commit, neither the row nor the email exist and the next
round tries again.
"""

import datetime
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from patientportal.clinics.models import Clinic, StaffMembership
from patientportal.core.emails import queue_templated_email
from patientportal.notifications.choices import EmailChoice
from patientportal.notifications.models import Notification, NotificationDigest

logger = logging.getLogger("patientportal.notifications")

# At most this many members a round; the rest wait a minute.
DIGEST_BATCH = 500


def digest_day(*, clinic: Clinic, now: datetime.datetime) -> datetime.date | None:
    """The clinic's local day a summary sent now is for, or None before the summary hour."""
    local = timezone.localtime(now, clinic.zone)
    return local.date() if local.hour >= settings.NOTIFICATION_DIGEST_HOUR else None


def members_waiting_for_a_digest() -> list[int]:
    """The members with notifications waiting for a summary (by the partial index)."""
    return list(
        Notification.objects.filter(email=EmailChoice.DIGEST, digest__isnull=True)
        .order_by("membership_id")
        .values_list("membership_id", flat=True)
        .distinct()[:DIGEST_BATCH]
    )


def notification_digests_send(*, now: datetime.datetime | None = None) -> int:
    """The periodic job: send each member whose summary is due today theirs. Returns how many
    were sent. Safe to run by several runners at once."""
    now = now or timezone.now()
    return sum(notification_digest_send(membership_id=pk, now=now) for pk in members_waiting_for_a_digest())


def notification_digest_send(*, membership_id: int, now: datetime.datetime) -> int:
    """Send one member today's summary if it is due and not yet sent: 1 if sent, else 0."""
    membership = StaffMembership.objects.select_related("clinic", "user").filter(pk=membership_id).first()
    if membership is None:
        return 0
    day = digest_day(clinic=membership.clinic, now=now)
    if day is None:
        return 0
    if NotificationDigest.objects.filter(membership=membership, local_date=day).exists():
        return 0  # sent earlier today: spares the database a refused insert every round (the constraint decides)
    try:
        with transaction.atomic():
            digest = NotificationDigest.objects.create(membership=membership, local_date=day, sent_at=now)
            return _send(membership, digest, now=now)
    except IntegrityError:  # today's was sent (by another runner, or earlier today)
        return 0


def _send(membership: StaffMembership, digest: NotificationDigest, *, now: datetime.datetime) -> int:
    waiting = Notification.objects.select_for_update().filter(
        membership=membership, email=EmailChoice.DIGEST, digest__isnull=True, created_at__lte=now
    )
    rows = list(waiting.order_by("created_at", "pk"))
    if not rows:
        transaction.set_rollback(True)  # nothing after all (a runner that read the list earlier sent it)
        return 0
    Notification.objects.filter(pk__in=[row.pk for row in rows]).update(digest=digest)
    if not membership.user.is_active:
        return 0
    clinic = membership.clinic
    queue_templated_email(
        template_prefix="notifications/email/digest",
        to=membership.user.email,
        about=digest,
        context={
            "clinic": clinic,
            "day": digest.local_date,
            "items": [
                (row, settings.SITE_URL + reverse("staff:notification_open", args=[clinic.slug, row.pk]))
                for row in rows
            ],
            "list_url": settings.SITE_URL + reverse("staff:notification_list", args=[clinic.slug]),
            "settings_url": settings.SITE_URL + reverse("staff:notification_settings", args=[clinic.slug]),
        },
    )
    return 1
