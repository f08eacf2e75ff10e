"""A staff member's own notifications: the list (newest first), opening one (marked read, then
on to its page), marking all read, and choosing how each kind is emailed. Every role has them;
each member sees only their own, in the clinic in the address."""

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from patientportal.notifications import selectors
from patientportal.notifications.services import (
    notification_choices_of,
    notification_choices_update,
    notification_open,
    notifications_mark_all_read,
    staff_path_prefix,
)
from patientportal.staff.access import StaffRequest, staff_view
from patientportal.staff.notification_forms import NotificationChoicesForm


@require_GET
@staff_view()
def notification_list(request: StaffRequest) -> HttpResponse:
    notifications = selectors.notifications_latest(membership=request.membership)
    has_unread = any(not notification.is_read for notification in notifications)
    return render(request, "staff/notifications/list.html", {"notifications": notifications, "has_unread": has_unread})


@require_GET  # a link, also from an email; it changes only the member's own "read" mark
@staff_view()
def notification_open_view(request: StaffRequest, notification_id: int) -> HttpResponse:
    notification = selectors.notification_get_for_membership(
        membership=request.membership, notification_id=notification_id
    )
    url = notification_open(notification=notification)
    # Only ever a page of this clinic's staff area (notify_staff refuses anything else).
    if url.startswith(staff_path_prefix(request.clinic)):
        return redirect(url)
    return redirect("staff:notification_list", clinic_slug=request.clinic.slug)


@require_POST
@staff_view()
def notifications_read_all(request: StaffRequest) -> HttpResponse:
    count = notifications_mark_all_read(membership=request.membership)
    if count:
        messages.success(request, _("All notifications marked read."))
    return redirect("staff:notification_list", clinic_slug=request.clinic.slug)


@require_http_methods(["GET", "POST"])
@staff_view()
def notification_settings(request: StaffRequest) -> HttpResponse:
    current = notification_choices_of(request.membership)
    form = NotificationChoicesForm(
        request.POST if request.method == "POST" else None, kinds=list(current), initial_choices=current
    )
    if request.method == "POST" and form.is_valid():
        notification_choices_update(membership=request.membership, choices=form.cleaned_data, actor=request.user)
        messages.success(request, _("Notification settings saved."))
        return redirect("staff:notification_settings", clinic_slug=request.clinic.slug)
    return render(
        request, "staff/notifications/settings.html", {"form": form, "digest_hour": settings.NOTIFICATION_DIGEST_HOUR}
    )
