from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from patientportal.clinics.features import Feature
from patientportal.patients.services import patient_record_viewed
from patientportal.portal.access import PortalRequest, portal_view
from patientportal.scheduling import selectors
from patientportal.scheduling.calendar import alarm_before, appointment_ics
from patientportal.scheduling.services import reminder_preference_set

APPOINTMENTS_PER_PAGE = 10
TABS = ("upcoming", "past")


@portal_view(Feature.APPOINTMENTS)
def appointments(request: PortalRequest) -> HttpResponse:
    """Two tabs, as plain links (works without JavaScript): upcoming and past. Upcoming ends with
    the account's email reminder choice for the record."""
    patient = request.portal.patient
    tab = request.GET.get("tab") if request.GET.get("tab") in TABS else "upcoming"
    now = timezone.now()
    reminders_on = None  # the control is on the Upcoming tab only
    if tab == "upcoming":
        listing = selectors.upcoming_for_patient(patient=patient, now=now)
        cancelled = list(selectors.cancelled_future_for_patient(patient=patient, now=now)[:10])
        reminders_on = selectors.reminders_on(patient=patient, user=request.user)
    else:
        listing = selectors.past_for_patient(patient=patient, now=now)
        cancelled = []
    page = Paginator(listing, APPOINTMENTS_PER_PAGE).get_page(request.GET.get("page"))
    patient_record_viewed(patient=patient, actor=request.user, what=f"portal.appointments.{tab}")
    return render(
        request,
        "portal/appointments.html",
        {
            "tab": tab,
            "page": page,
            "cancelled": cancelled,
            "reminder_times": _reminder_times(request.portal.clinic.reminder_hours),
            "reminders_on": reminders_on,
        },
    )


def _reminder_times(hours: list[int]) -> str:
    """ "48 hours and 2 hours"; "" when the clinic sends no reminders."""
    return str(
        get_text_list([ngettext("%(n)s hour", "%(n)s hours", count) % {"n": count} for count in hours], _("and"))
    )


@require_POST
@portal_view(Feature.APPOINTMENTS)
def appointment_reminders(request: PortalRequest) -> HttpResponse:
    """Turn email reminders on or off for this account and the record in use."""
    wanted = request.POST.get("reminders")
    if wanted in ("on", "off"):
        reminder_preference_set(patient=request.portal.patient, user=request.user, reminders=wanted == "on")
        done = (
            _("Email reminders are on.")
            if wanted == "on"
            else _("Email reminders are off. You are still emailed when the clinic books, changes or cancels a visit.")
        )
        messages.success(request, done)
    return redirect(reverse("portal:appointments") + "#reminders")


@portal_view(Feature.APPOINTMENTS)
def appointment_calendar_file(request: PortalRequest, appointment_id: int) -> HttpResponse:
    portal = request.portal
    appointment = selectors.appointment_get_for_patient(patient=portal.patient, appointment_id=appointment_id)
    patient_record_viewed(patient=portal.patient, actor=request.user, what="portal.appointment.calendar_file")
    day = timezone.localtime(appointment.starts_at, portal.clinic.zone).strftime("%Y-%m-%d")
    calendar = appointment_ics(
        appointment, clinic_name=portal.clinic.name, alarm=alarm_before(portal.clinic.reminder_hours)
    )
    response = HttpResponse(calendar, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="appointment-{day}.ics"'
    return response
