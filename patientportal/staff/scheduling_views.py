"""Clinic side of scheduling: the day's schedule, booking from a patient's
record, editing and cancelling, and the setup lists (providers, locations,
appointment types)."""

import copy
import datetime

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from patientportal.clinics.choices import Role
from patientportal.patients import selectors as patient_selectors
from patientportal.patients.models import Patient
from patientportal.patients.services import patient_record_viewed
from patientportal.scheduling import selectors, services
from patientportal.scheduling.errors import SchedulingError
from patientportal.scheduling.models import Appointment
from patientportal.staff.access import StaffRequest, staff_view
from patientportal.staff.forms import ScheduleProvidersForm
from patientportal.staff.front_desk_views import PROVIDERS_PER_PAGE, day_desk_context, schedule_shown
from patientportal.staff.scheduling_forms import SETUP_FORMS, AppointmentForm, AppointmentStatusForm, ScheduleDayForm

SETUP_ROLES = (Role.OWNER, Role.ADMIN)
SETUP_TITLES = {
    "providers": gettext_lazy("Providers"),
    "locations": gettext_lazy("Locations"),
    "appointment-types": gettext_lazy("Appointment types"),
}


@staff_view()
def schedule_day(request: StaffRequest) -> HttpResponse:
    """The clinic's day: the appointments of one provider, or of a page of the providers
    who have appointments that day; every provider's count comes from the database."""
    clinic = request.clinic
    asked = ScheduleDayForm(request.GET)
    day = asked.day(clinic)
    if request.GET.get("date") and not asked.is_valid():
        messages.warning(request, _("That date was not understood, so today is shown. Use the date picker."))
    form = ScheduleDayForm(initial={"date": day})
    providers = selectors.providers_on_day(clinic=clinic, day=day)
    picked = ScheduleProvidersForm(request.GET)
    chosen = next((item for item in providers if item.provider_id == picked.provider_id()), None)
    _shown, provider_page, appointments = schedule_shown(
        clinic, day=day, providers=providers, chosen=chosen, page_number=picked.page_number()
    )
    services.schedule_viewed(clinic=clinic, day=day, appointments=appointments, actor=request.user)
    return render(
        request,
        "staff/schedule_day.html",
        {
            "form": form,
            "provider_choices": [(item.provider_id, _provider_choice_label(item)) for item in providers],
            "providers_per_page": PROVIDERS_PER_PAGE,
            "day": day,
            "chosen": chosen,
            "provider_page": provider_page,
            "appointments": appointments,
            "previous_day": day - datetime.timedelta(days=1),
            "next_day": day + datetime.timedelta(days=1),
            **day_desk_context(request, day=day, chosen=chosen, appointments=appointments),
        },
    )


def _provider_choice_label(item: selectors.ProviderDay) -> str:
    # Formatted here, not with {% blocktranslate %} in the template: a clinic's hundred providers
    # cost a hundred template translation blocks, the larger part of the page's time.
    if item.not_booked:
        return _("%(name)s: %(booked)s booked, %(cancelled)s cancelled or no-show") % {
            "name": item.display_name,
            "booked": item.booked,
            "cancelled": item.not_booked,
        }
    return _("%(name)s: %(booked)s booked") % {"name": item.display_name, "booked": item.booked}


def _record_url(appointment_or_patient: Appointment | Patient) -> str:
    patient = (
        appointment_or_patient.patient if isinstance(appointment_or_patient, Appointment) else appointment_or_patient
    )
    return reverse("staff:patient_detail", args=[patient.clinic.slug, patient.pk]) + "#appointments"


def _book_or_update(
    request: StaffRequest, form: AppointmentForm, *, patient: Patient, appointment: Appointment | None
) -> Appointment | None:
    values = {
        name: form.cleaned_data[name]
        for name in ("provider", "appointment_type", "location", "patient_notes", "internal_notes")
    }
    values["starts_at"] = form.cleaned_data["starts_at"]
    duration = form.cleaned_data["duration_minutes"] or form.cleaned_data["appointment_type"].duration_minutes
    try:
        if appointment is None:
            return services.appointment_book(patient=patient, actor=request.user, duration_minutes=duration, **values)
        return services.appointment_update(
            appointment=appointment, changes={**values, "duration_minutes": duration}, actor=request.user
        )
    except SchedulingError as error:
        field = {"double_booked": "time", "duration_out_of_range": "duration_minutes"}.get(error.code)
        form.add_error(field, error.message)
        return None


@staff_view()
def patient_appointments(request: StaffRequest, patient_id: int) -> HttpResponse:
    """Every appointment of one patient, latest first, 25 a page."""
    clinic = request.clinic
    patient = patient_selectors.patient_get_for_clinic(clinic=clinic, patient_id=patient_id)
    patient_record_viewed(patient=patient, actor=request.user, what="appointments")
    page = Paginator(selectors.appointments_for_patient_staff(patient=patient), 25).get_page(request.GET.get("page"))
    return render(request, "staff/patient_appointments.html", {"patient": patient, "page": page})


@staff_view()
def appointment_create(request: StaffRequest, patient_id: int) -> HttpResponse:
    clinic = request.clinic
    patient = patient_selectors.patient_get_for_clinic(clinic=clinic, patient_id=patient_id)
    form = AppointmentForm(request.POST or None, clinic=clinic)
    if (
        request.method == "POST"
        and form.is_valid()
        and _book_or_update(request, form, patient=patient, appointment=None)
    ):
        messages.success(request, _("Appointment booked."))
        return redirect(_record_url(patient))
    return render(request, "staff/appointment_form.html", {"form": form, "patient": patient, "appointment": None})


@staff_view()
def appointment_edit(request: StaffRequest, appointment_id: int) -> HttpResponse:
    clinic = request.clinic
    appointment = selectors.appointment_get_for_clinic(clinic=clinic, appointment_id=appointment_id)
    form = AppointmentForm(
        request.POST or None, clinic=clinic, appointment=appointment, initial=AppointmentForm.initial_for(appointment)
    )
    if request.method == "POST" and form.is_valid():
        try:
            updated = _book_or_update(request, form, patient=appointment.patient, appointment=appointment)
        except SchedulingError as error:  # final status
            form.add_error(None, error.message)
            updated = None
        if updated:
            messages.success(request, _("Appointment updated."))
            return redirect(_record_url(appointment))
    return render(
        request,
        "staff/appointment_form.html",
        {
            "form": form,
            "patient": appointment.patient,
            "appointment": appointment,
            "status_form": AppointmentStatusForm(appointment=appointment),
        },
    )


@require_POST
@staff_view()
def appointment_status(request: StaffRequest, appointment_id: int) -> HttpResponse:
    appointment = selectors.appointment_get_for_clinic(clinic=request.clinic, appointment_id=appointment_id)
    form = AppointmentStatusForm(request.POST, appointment=appointment)
    if not form.is_valid():
        messages.error(request, _("That status change is not possible for this appointment."))
        return redirect(_record_url(appointment))
    try:
        updated = services.appointment_set_status(
            appointment=appointment, to=form.cleaned_data["status"], actor=request.user
        )
    except SchedulingError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Status changed to %(status)s.") % {"status": updated.get_status_display()})
    return redirect(_record_url(appointment))


@require_http_methods(["GET", "POST"])
@staff_view()
def appointment_cancel(request: StaffRequest, appointment_id: int) -> HttpResponse:
    appointment = selectors.appointment_get_for_clinic(clinic=request.clinic, appointment_id=appointment_id)
    if request.method == "GET":
        return render(request, "staff/appointment_cancel_confirm.html", {"appointment": appointment})
    try:
        services.appointment_cancel(appointment=appointment, actor=request.user)
    except SchedulingError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Appointment cancelled. The patient sees it as cancelled in the portal."))
    return redirect(_record_url(appointment))


def _setup_kind(kind: str) -> str:
    if kind not in SETUP_FORMS:
        raise Http404
    return kind


@staff_view(roles=SETUP_ROLES)
def setup_list(request: StaffRequest, kind: str) -> HttpResponse:
    clinic = request.clinic
    kind = _setup_kind(kind)
    return render(
        request,
        "staff/setup_list.html",
        {
            "kind": kind,
            "title": SETUP_TITLES[kind],
            "items": selectors.setup_items(clinic=clinic, kind=kind),
            "kinds": SETUP_TITLES,
        },
    )


@staff_view(roles=SETUP_ROLES)
def setup_edit(request: StaffRequest, kind: str, item_id: int | None = None) -> HttpResponse:
    clinic = request.clinic
    kind = _setup_kind(kind)
    form_class = SETUP_FORMS[kind]
    instance = (
        selectors.setup_item_get(clinic=clinic, kind=kind, item_id=item_id)
        if item_id
        else selectors.SETUP_MODELS[kind](clinic=clinic)
    )
    # The form validates a copy, so the service sees what actually changed.
    form = form_class(request.POST or None, instance=copy.copy(instance))
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in form.fields}
        services.setup_item_save(instance=instance, values=values, actor=request.user)
        messages.success(request, _("Saved."))
        return redirect("staff:setup_list", clinic_slug=clinic.slug, kind=kind)
    return render(
        request,
        "staff/setup_form.html",
        {"form": form, "kind": kind, "title": SETUP_TITLES[kind], "item": instance if item_id else None},
    )
