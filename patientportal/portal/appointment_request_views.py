"""The patient asks the clinic for a visit, or for a new time for a booked one, and may take a
request back while it waits. Where the clinic takes no requests, the pages say so and show how to
reach it."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from patientportal.clinics.features import Feature
from patientportal.portal.access import PortalRequest, portal_view
from patientportal.portal.appointment_request_forms import AppointmentRequestForm
from patientportal.scheduling import selectors
from patientportal.scheduling.errors import SchedulingError
from patientportal.scheduling.models import Appointment
from patientportal.scheduling.policy import request_days
from patientportal.scheduling.requests import appointment_request_create, appointment_request_withdraw


@require_http_methods(["GET", "POST"])
@portal_view(Feature.APPOINTMENTS)
def appointment_request_new(request: PortalRequest) -> HttpResponse:
    """Ask for a visit."""
    return _request_page(request, reschedule_of=None)


@require_http_methods(["GET", "POST"])
@portal_view(Feature.APPOINTMENTS)
def appointment_reschedule(request: PortalRequest, appointment_id: int) -> HttpResponse:
    """Ask for a new time for one of the record's booked visits (the visit stays until the clinic moves it)."""
    appointment = selectors.appointment_get_for_patient(patient=request.portal.patient, appointment_id=appointment_id)
    return _request_page(request, reschedule_of=appointment)


def _request_page(request: PortalRequest, *, reschedule_of: Appointment | None) -> HttpResponse:
    portal = request.portal
    clinic = portal.clinic
    first_day, last_day = request_days(clinic=clinic, now=timezone.now())
    initial = {"provider": reschedule_of.provider_id, "location": reschedule_of.location_id} if reschedule_of else {}
    form = AppointmentRequestForm(
        request.POST if request.method == "POST" else None,
        clinic=clinic,
        first_day=first_day,
        last_day=last_day,
        reschedule_of=reschedule_of,
        initial=initial,
    )
    if clinic.accepts_appointment_requests and request.method == "POST" and form.is_valid():
        try:
            appointment_request_create(patient=portal.patient, actor=request.user, **form.request_values())
        except SchedulingError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request, _("Your request was sent. The clinic will book a time or answer you; you will get an email.")
            )
            return redirect(reverse("portal:appointments") + "#requests")
    return render(
        request,
        "portal/appointment_request_form.html",
        {"form": form, "reschedule_of": reschedule_of, "clinic": clinic, "open": clinic.accepts_appointment_requests},
    )


@require_POST
@portal_view(Feature.APPOINTMENTS)
def appointment_request_withdraw_view(request: PortalRequest, request_id: int) -> HttpResponse:
    found = selectors.appointment_request_get_for_patient(patient=request.portal.patient, request_id=request_id)
    try:
        appointment_request_withdraw(appointment_request=found, actor=request.user)
    except SchedulingError:
        messages.error(request, _("The clinic has already answered this request, so it cannot be withdrawn."))
    else:
        messages.success(request, _("Request withdrawn."))
    return redirect(reverse("portal:appointments") + "#requests")
