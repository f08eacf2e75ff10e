"""The clinic's queue of appointment requests: book one through the booking form, pre-filled from
the request (saving links the visit and closes the request), or decline it with a message."""

import datetime

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from patientportal.scheduling import selectors
from patientportal.scheduling.choices import AppointmentRequestStatus, DayPart
from patientportal.scheduling.errors import SchedulingError
from patientportal.scheduling.models import AppointmentRequest
from patientportal.scheduling.requests import (
    appointment_request_book,
    appointment_request_decline,
    request_queue_viewed,
)
from patientportal.staff.access import StaffRequest, staff_view
from patientportal.staff.scheduling_forms import AppointmentForm

REQUESTS_PER_PAGE = 25
# Where the booking form's time starts for a preferred part of the day (staff change it).
PART_STARTS = {
    DayPart.MORNING: datetime.time(9, 0),
    DayPart.AFTERNOON: datetime.time(13, 0),
    DayPart.EVENING: datetime.time(17, 0),
}


class DeclineForm(forms.Form):
    message = forms.CharField(
        label=gettext_lazy("Message to the patient"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": 1000}),
        help_text=gettext_lazy("Emailed to the patient with the clinic's contact, and shown in the portal."),
    )


@staff_view()
def request_queue(request: StaffRequest) -> HttpResponse:
    """The requests waiting for an answer, oldest first, 25 a page."""
    clinic = request.clinic
    page = Paginator(selectors.request_queue(clinic=clinic), REQUESTS_PER_PAGE).get_page(request.GET.get("page"))
    request_queue_viewed(clinic=clinic, appointment_requests=list(page.object_list), actor=request.user)
    return render(request, "staff/appointment_requests.html", {"page": page})


@require_http_methods(["GET", "POST"])
@staff_view()
def request_book(request: StaffRequest, request_id: int) -> HttpResponse:
    """The booking form, pre-filled with the request's type, provider, location and first preferred
    time (for a new time, the visit's own duration and notes)."""
    clinic = request.clinic
    found = selectors.appointment_request_get_for_clinic(clinic=clinic, request_id=request_id)
    if found.status != AppointmentRequestStatus.PENDING:
        messages.info(request, _("This request is already answered."))
        return redirect("staff:appointment_request_queue", clinic_slug=clinic.slug)
    form = AppointmentForm(request.POST or None, clinic=clinic, initial=_initial(found))
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in ("provider", "appointment_type", "location")}
        try:
            appointment_request_book(
                appointment_request=found,
                starts_at=form.cleaned_data["starts_at"],
                duration_minutes=form.cleaned_data["duration_minutes"],
                patient_notes=form.cleaned_data["patient_notes"],
                internal_notes=form.cleaned_data["internal_notes"],
                actor=request.user,
                **values,
            )
        except SchedulingError as error:
            field = {"double_booked": "time", "duration_out_of_range": "duration_minutes"}.get(error.code)
            form.add_error(field, error.message)
        else:
            messages.success(request, _("Booked. The patient is emailed the time, and the request is closed."))
            return redirect("staff:appointment_request_queue", clinic_slug=clinic.slug)
    return render(
        request,
        "staff/appointment_form.html",
        {"form": form, "patient": found.patient, "appointment": None, "appointment_request": found},
    )


def _initial(found: AppointmentRequest) -> dict[str, object]:
    original = found.reschedule_of
    initial: dict[str, object] = {**AppointmentForm.initial_for(original)} if original is not None else {}
    initial.update(
        {
            "appointment_type": found.appointment_type_id,
            "provider": found.provider_id or initial.get("provider"),
            "location": found.location_id or initial.get("location"),
        }
    )
    windows = found.window_list
    if windows:
        initial["day"] = windows[0].day
        initial["time"] = PART_STARTS[DayPart(windows[0].part)]
    return initial


@require_http_methods(["GET", "POST"])
@staff_view()
def request_decline(request: StaffRequest, request_id: int) -> HttpResponse:
    clinic = request.clinic
    found = selectors.appointment_request_get_for_clinic(clinic=clinic, request_id=request_id)
    form = DeclineForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            appointment_request_decline(
                appointment_request=found, message=form.cleaned_data["message"], actor=request.user
            )
        except SchedulingError:
            messages.error(request, _("This request is already answered."))
        else:
            messages.success(request, _("Request declined. The patient is emailed your message."))
        return redirect("staff:appointment_request_queue", clinic_slug=clinic.slug)
    return render(request, "staff/appointment_request_decline.html", {"form": form, "appointment_request": found})
