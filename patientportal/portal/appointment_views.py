from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from patientportal.clinics.features import Feature
from patientportal.patients.services import patient_record_viewed
from patientportal.portal.access import PortalRequest, portal_view
from patientportal.scheduling import selectors
from patientportal.scheduling.calendar import appointment_ics

APPOINTMENTS_PER_PAGE = 10
TABS = ("upcoming", "past")


@portal_view(Feature.APPOINTMENTS)
def appointments(request: PortalRequest) -> HttpResponse:
    """Two tabs, as plain links (works without JavaScript): upcoming and past."""
    patient = request.portal.patient
    tab = request.GET.get("tab") if request.GET.get("tab") in TABS else "upcoming"
    now = timezone.now()
    if tab == "upcoming":
        listing = selectors.upcoming_for_patient(patient=patient, now=now)
        cancelled = list(selectors.cancelled_future_for_patient(patient=patient, now=now)[:10])
    else:
        listing = selectors.past_for_patient(patient=patient, now=now)
        cancelled = []
    page = Paginator(listing, APPOINTMENTS_PER_PAGE).get_page(request.GET.get("page"))
    patient_record_viewed(patient=patient, actor=request.user, what=f"portal.appointments.{tab}")
    return render(request, "portal/appointments.html", {"tab": tab, "page": page, "cancelled": cancelled})


@portal_view(Feature.APPOINTMENTS)
def appointment_calendar_file(request: PortalRequest, appointment_id: int) -> HttpResponse:
    portal = request.portal
    appointment = selectors.appointment_get_for_patient(patient=portal.patient, appointment_id=appointment_id)
    patient_record_viewed(patient=portal.patient, actor=request.user, what="portal.appointment.calendar_file")
    day = timezone.localtime(appointment.starts_at, portal.clinic.zone).strftime("%Y-%m-%d")
    response = HttpResponse(
        appointment_ics(appointment, clinic_name=portal.clinic.name), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="appointment-{day}.ics"'
    return response
