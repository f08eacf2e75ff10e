"""Reading a member's notifications: each read is one query whatever the number of rows."""

from django.http import Http404

from patientportal.clinics.models import StaffMembership
from patientportal.notifications.models import Notification

# The list shows the newest this many; older ones stay (their count is not needed).
LIST_SIZE = 50


def notification_unread_count(*, membership: StaffMembership) -> int:
    """How many of the member's notifications are unread (the header's count), by the partial index."""
    return Notification.objects.for_membership(membership).unread().count()


def notifications_latest(*, membership: StaffMembership) -> list[Notification]:
    """The member's newest notifications, newest first."""
    return list(Notification.objects.for_membership(membership).order_by("-created_at", "-id")[:LIST_SIZE])


def notification_get_for_membership(*, membership: StaffMembership, notification_id: int) -> Notification:
    """One of the member's own notifications; anyone else's (a colleague's, another clinic's) is a 404."""
    notification = Notification.objects.for_membership(membership).filter(pk=notification_id).first()
    if notification is None:
        raise Http404
    return notification
