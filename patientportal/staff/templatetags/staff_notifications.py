"""The header's count of unread notifications: one query per staff page, whatever is listed."""

from django import template
from django.template.context import Context

from patientportal.notifications.selectors import notification_unread_count

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notifications(context: Context) -> int:
    """`{% unread_notifications as unread %}`: the signed-in member's unread count in this clinic."""
    membership = getattr(context.get("request"), "membership", None)
    if membership is None:
        return 0
    return notification_unread_count(membership=membership)
