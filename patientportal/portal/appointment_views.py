import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from patientportal.clinics.features import Feature
from patientportal.clinics.models import Clinic
from patientportal.patients.services import patient_record_viewed
from patientportal.portal.access import PortalRequest, portal_view
from patientportal.scheduling import selectors
from patientportal.scheduling.calendar import alarm_before, appointment_ics
from patientportal.scheduling.choices import AppointmentRequestStatus
from patientportal.scheduling.errors import SchedulingError
from patientportal.scheduling.models import Appointment, AppointmentRequest
from patientportal.scheduling.policy import cancel_deadline, patient_cancel_refusal
from patientportal.scheduling.services import appointment_cancel_by_patient, reminder_preference_set

APPOINTMENTS_PER_PAGE = 10
TABS = ("upcoming", "past")


@portal_view(Feature.APPOINTMENTS)
def appointments(request: PortalRequest) -> HttpResponse:
    """Two tabs, as plain links (works without JavaScript): upcoming and past. Upcoming ends with
    the account's email reminder choice for the record."""
    patient = request.portal.patient
    clinic = request.portal.clinic
    tab = request.GET.get("tab") if request.GET.get("tab") in TABS else "upcoming"
    now = timezone.now()
    reminders_on = None  # the control is on the Upcoming tab only
    appointment_requests: list[AppointmentRequest] = []
    if tab == "upcoming":
        listing = selectors.upcoming_for_patient(patient=patient, now=now)
        cancelled = list(selectors.cancelled_future_for_patient(patient=patient, now=now)[:10])
        reminders_on = selectors.reminders_on(patient=patient, user=request.user)
        appointment_requests = selectors.requests_for_patient(patient=patient, now=now)
    else:
        listing = selectors.past_for_patient(patient=patient, now=now)
        cancelled = []
    page = Paginator(listing, APPOINTMENTS_PER_PAGE).get_page(request.GET.get("page"))
    if tab == "upcoming":
        visits = _visits(list(page.object_list), appointment_requests, clinic=clinic, now=now)
    else:
        visits = [Visit(appointment=appointment) for appointment in page.object_list]
    patient_record_viewed(patient=patient, actor=request.user, what=f"portal.appointments.{tab}")
    return render(
        request,
        "portal/appointments.html",
        {
            "tab": tab,
            "page": page,
            "visits": visits,
            "cancelled": cancelled,
            "reminder_times": _reminder_times(request.portal.clinic.reminder_hours),
            "reminders_on": reminders_on,
            "appointment_requests": appointment_requests,
            "requests_open": clinic.accepts_appointment_requests,
            "booking_open": clinic.patients_may_book_online,
        },
    )


@dataclass(frozen=True)
class Visit:
    """An appointment as the list shows it, with what the patient may do about it."""

    appointment: Appointment
    cancel_refusal: str | None = None  # why it cannot be cancelled online (a SchedulingError code)
    reschedule_asked: bool = False  # a request for a new time waits for the clinic
    cancel_until: datetime.datetime | None = None  # the last moment to cancel online


def _visits(
    appointments: Sequence[Appointment],
    appointment_requests: Sequence[AppointmentRequest],
    *,
    clinic: Clinic,
    now: datetime.datetime,
) -> list[Visit]:
    """Each upcoming visit with whether it may be cancelled online and whether a new time is
    already asked for, from what the page has read: no query."""
    asked = {item.reschedule_of_id for item in appointment_requests if item.status == AppointmentRequestStatus.PENDING}
    return [
        Visit(
            appointment=appointment,
            cancel_refusal=patient_cancel_refusal(appointment=appointment, clinic=clinic, now=now),
            reschedule_asked=appointment.pk in asked,
            cancel_until=cancel_deadline(appointment, clinic),
        )
        for appointment in appointments
    ]


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


@require_http_methods(["GET", "POST"])
@portal_view(Feature.APPOINTMENTS)
def appointment_cancel(request: PortalRequest, appointment_id: int) -> HttpResponse:
    """Cancel a visit within the clinic's policy: a confirmation page, or why not and how to reach
    the clinic."""
    portal = request.portal
    appointment = selectors.appointment_get_for_patient(patient=portal.patient, appointment_id=appointment_id)
    refusal = patient_cancel_refusal(appointment=appointment, clinic=portal.clinic, now=timezone.now())
    if request.method == "POST" and refusal is None:
        try:
            appointment_cancel_by_patient(appointment=appointment, actor=request.user)
        except SchedulingError as error:
            refusal = error.code
        else:
            messages.success(request, _("Appointment cancelled. A confirmation is on its way by email."))
            return redirect(reverse("portal:appointments"))
    patient_record_viewed(patient=portal.patient, actor=request.user, what="portal.appointment.cancel")
    return render(
        request,
        "portal/appointment_cancel.html",
        {
            "appointment": appointment,
            "refusal": refusal,
            "deadline": cancel_deadline(appointment, portal.clinic),
            "window_hours": portal.clinic.cancellation_window_hours,
            "requests_open": portal.clinic.accepts_appointment_requests,
        },
        status=409 if request.method == "POST" else 200,
    )
