"""Telling staff what patients did: the one public function `notify_staff`, and a member's
own moves (opening a notification, changing their choices).

Callers (orders, documents, payments, scheduling, and core's "email given up" through
`notifications.undelivered`) call `notify_staff` inside the transaction of the event, so a
notification exists exactly when the event does. It never breaks that event: whatever goes
wrong while notifying is rolled back to a savepoint, logged without details, and the
patient's action goes on.
"""

import logging
from collections.abc import Mapping

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from patientportal.accounts.models import User
from patientportal.audit import services as audit
from patientportal.clinics.models import Clinic, StaffMembership
from patientportal.core.emails import queue_templated_email
from patientportal.notifications.choices import KIND_RULES, EmailChoice, default_choice, kinds_for_role
from patientportal.notifications.errors import NotificationError
from patientportal.notifications.models import Notification, NotificationChoice

logger = logging.getLogger("patientportal.notifications")


def staff_path_prefix(clinic: Clinic) -> str:
    return reverse("staff:home", args=[clinic.slug])


def notify_staff(clinic: Clinic, kind: str, *, title: str, url: str, exclude: User | None = None) -> list[Notification]:
    """Tell the clinic's staff who hear of `kind` (by role, choices.KIND_RULES) that something
    happened: a notification each, emailed at once, kept for the daily summary, or only listed,
    as each chose. `title` says what happened without health details ("Order 1042 is waiting
    for approval"); `url` is the staff page about it (a path under /staff/<clinic>/); `exclude`
    is the staff member who did it, if any. Returns the notifications made ([] if it failed)."""
    try:
        with transaction.atomic():  # a savepoint: a failure here leaves the caller's work intact
            return _notify(clinic, kind, title=title, url=url, exclude=exclude)
    except Exception as error:  # noqa: BLE001 - notifying must never break the patient's action
        logger.error("Staff notification %s for clinic %s failed: %s", kind, clinic.pk, type(error).__name__)
        return []


def _notify(clinic: Clinic, kind: str, *, title: str, url: str, exclude: User | None) -> list[Notification]:
    if kind not in KIND_RULES:
        raise NotificationError("unknown_kind")
    if not url.startswith(staff_path_prefix(clinic)):
        raise NotificationError("not_a_staff_page")
    members = list(
        StaffMembership.objects.for_clinic(clinic)
        .filter(role__in=KIND_RULES[kind].roles, user__is_active=True)
        .exclude(user=exclude)
        .select_related("user")
        .order_by("pk")
    )
    chosen = dict(
        NotificationChoice.objects.filter(membership__in=members, kind=kind).values_list("membership_id", "email")
    )
    now = timezone.now()
    rows = [
        Notification(
            clinic=clinic,
            membership=member,
            kind=kind,
            title=title[:200],
            url=url,
            created_at=now,
            email=chosen.get(member.pk, default_choice(kind=kind, role=member.role)),
        )
        for member in members
    ]
    Notification.objects.bulk_create(rows)
    for row in rows:
        if row.email == EmailChoice.INSTANT:
            _email_at_once(row, clinic=clinic)
    return rows


def open_url(notification: Notification, *, clinic: Clinic) -> str:
    """The address that marks it read and goes on to its page (the list's links, the emails)."""
    return reverse("staff:notification_open", args=[clinic.slug, notification.pk])


def _email_at_once(notification: Notification, *, clinic: Clinic) -> None:
    queue_templated_email(
        template_prefix="notifications/email/notification",
        to=notification.membership.user.email,
        about=notification,
        context={
            "notification": notification,
            "clinic": clinic,
            "url": settings.SITE_URL + open_url(notification, clinic=clinic),
            "settings_url": settings.SITE_URL + reverse("staff:notification_settings", args=[clinic.slug]),
        },
    )


def notification_open(*, notification: Notification) -> str:
    """Mark a notification read (the first time it is opened) and give the page it is about."""
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())
    return notification.url


def notifications_mark_all_read(*, membership: StaffMembership) -> int:
    """Mark every unread notification of a member read; how many were."""
    return Notification.objects.for_membership(membership).unread().update(read_at=timezone.now())


def notification_choices_of(membership: StaffMembership) -> dict[str, str]:
    """A member's choice for every kind their role hears of (their own, or the role's default)."""
    chosen = dict(NotificationChoice.objects.filter(membership=membership).values_list("kind", "email"))
    return {
        kind: chosen.get(kind, default_choice(kind=kind, role=membership.role))
        for kind in kinds_for_role(membership.role)
    }


@transaction.atomic
def notification_choices_update(*, membership: StaffMembership, choices: Mapping[str, str], actor: User) -> list[str]:
    """Keep a member's choices (only kinds their role hears of); returns the kinds that changed."""
    before = notification_choices_of(membership)
    changed = []
    for kind, email in choices.items():
        if kind not in before or email not in EmailChoice.values:
            raise NotificationError("unknown_choice")
        if before[kind] != email:
            NotificationChoice.objects.update_or_create(membership=membership, kind=kind, defaults={"email": email})
            changed.append(kind)
    if changed:
        audit.record(
            action="notifications.choices.changed",
            actor=actor,
            clinic=membership.clinic,
            obj=membership,
            metadata={"changed": {kind: choices[kind] for kind in changed}},
        )
    return changed
