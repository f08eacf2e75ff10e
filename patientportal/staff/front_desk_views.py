"""The front desk: check-in, no-show and complete from the day's schedule, booking from a free
time of the schedule (the patient picked there), a provider's week, and the day's list to print."""

import datetime
from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from patientportal.audit import services as audit
from patientportal.clinics.models import Clinic
from patientportal.patients import selectors as patient_selectors
from patientportal.patients.models import Patient
from patientportal.scheduling import front_desk, selectors, services, slots
from patientportal.scheduling.clock import NonexistentLocalTime, local_to_aware
from patientportal.scheduling.errors import SchedulingError
from patientportal.scheduling.models import Appointment, Location, Provider
from patientportal.staff.access import StaffRequest, staff_view
from patientportal.staff.forms import PatientSearchForm
from patientportal.staff.front_desk_forms import DeskMoveForm, SchedulePlaceForm, SlotForm, WeekForm
from patientportal.staff.scheduling_forms import AppointmentForm, ScheduleDayForm

# Patients a search on the booking page shows: enough to tell namesakes apart, few enough to read.
PATIENTS_TO_PICK_FROM = 10
# The day's schedule (and its printed list) without a chosen provider shows this many providers a page.
PROVIDERS_PER_PAGE = 5

DESK_MOVE_DONE = {
    front_desk.DeskMove.CHECK_IN: _("%(name)s is checked in."),
    front_desk.DeskMove.NO_SHOW: _("%(name)s is marked as a no-show."),
    front_desk.DeskMove.COMPLETE: _("%(name)s's visit is completed."),
}
DESK_MOVE_ALREADY = {
    front_desk.DeskMove.CHECK_IN: _("%(name)s was already checked in. Nothing changed."),
    front_desk.DeskMove.NO_SHOW: _("%(name)s was already marked as a no-show. Nothing changed."),
    front_desk.DeskMove.COMPLETE: _("%(name)s's visit was already completed. Nothing changed."),
}


def schedule_url(clinic: Clinic, view: str = "staff:schedule_day", /, **query: object) -> str:
    """A schedule page's address with the query given (empty values left out)."""
    shown = {name: value for name, value in query.items() if value not in (None, "")}
    return reverse(view, args=[clinic.slug]) + (f"?{urlencode(shown)}" if shown else "")


@dataclass(frozen=True)
class DeskRow:
    """An appointment on the day's schedule with the buttons it gets."""

    appointment: Appointment
    moves: list[front_desk.DeskMove]


@dataclass(frozen=True)
class OpenTimeLink:
    open_time: front_desk.OpenTime
    label: str
    url: str


def schedule_shown(
    clinic: Clinic,
    *,
    day: datetime.date,
    providers: list[selectors.ProviderDay],
    chosen: selectors.ProviderDay | None,
    page_number: int | str | None,
) -> tuple[list[selectors.ProviderDay], Page[selectors.ProviderDay] | None, list[Appointment]]:
    """What the day's schedule and its printed list show: the chosen provider, or a page of the
    providers who have appointments that day (with the page), and their appointments."""
    provider_page = None
    if chosen is not None:
        shown = [chosen]
    else:
        busy = [item for item in providers if item.total]
        provider_page = Paginator(busy, PROVIDERS_PER_PAGE).get_page(page_number)
        shown = list(provider_page.object_list)
    appointments = (
        list(selectors.appointments_for_day(clinic=clinic, day=day, provider_ids=[item.provider_id for item in shown]))
        if any(item.total for item in shown)
        else []
    )
    return shown, provider_page, appointments


def day_desk_context(
    request: StaffRequest,
    *,
    day: datetime.date,
    chosen: selectors.ProviderDay | None,
    appointments: list[Appointment],
) -> dict[str, object]:
    """What the front desk adds to the day's schedule: each appointment's buttons, and with one
    provider chosen the free times of their day, each a link to book it. No query."""
    clinic, now = request.clinic, timezone.now()
    rows = [DeskRow(item, front_desk.desk_moves(item, clinic=clinic, now=now)) for item in appointments]
    links = []
    if chosen is not None:
        stretches = slots.provider_stretches(clinic=clinic, provider_id=chosen.provider_id, day=day)
        for free in front_desk.open_times(
            clinic=clinic, day=day, appointments=appointments, now=now, stretches=stretches
        ):
            local = timezone.localtime(free.starts_at, clinic.zone)
            url = schedule_url(
                clinic,
                "staff:schedule_book",
                date=local.date().isoformat(),
                time=local.strftime("%H:%M"),
                provider=chosen.provider_id,
                location=free.location_id,
            )
            label = f"{front_desk.clock(free.starts_at, clinic)} – {front_desk.clock(free.ends_at, clinic)}"
            links.append(OpenTimeLink(open_time=free, label=label, url=url))
    return {
        "desk_rows": rows,
        "open_times": links,
        "book_url": schedule_url(
            clinic, "staff:schedule_book", date=day.isoformat(), provider=chosen.provider_id if chosen else None
        ),
        "week_url": schedule_url(
            clinic, "staff:schedule_week", date=day.isoformat(), provider=chosen.provider_id if chosen else None
        ),
    }


@require_POST
@staff_view()
def appointment_desk_move(request: StaffRequest, appointment_id: int) -> HttpResponse:
    """A check-in, no-show or complete button of the day's schedule; back to the same day,
    provider and page, at the appointment's row."""
    clinic = request.clinic
    appointment = selectors.appointment_get_for_clinic(clinic=clinic, appointment_id=appointment_id)
    form = DeskMoveForm(request.POST)
    back = schedule_url(
        clinic,
        date=front_desk.local_day(appointment.starts_at, clinic).isoformat(),
        **SchedulePlaceForm(request.POST).back_query(),
    )
    back += f"#appointment-{appointment.pk}"
    if not form.is_valid():
        messages.error(request, _("That is not something the schedule can do to an appointment."))
        return redirect(back)
    move = front_desk.DeskMove(form.cleaned_data["move"])
    name = appointment.patient.full_name
    try:
        result = front_desk.appointment_desk_move(appointment=appointment, move=move, actor=request.user)
    except SchedulingError as error:
        messages.error(request, error.message)
    else:
        done = DESK_MOVE_DONE if result.moved else DESK_MOVE_ALREADY
        (messages.success if result.moved else messages.info)(request, done[move] % {"name": name})
    return redirect(back)


def _slot_items(clinic: Clinic, slot: SlotForm) -> tuple[Provider | None, Location | None]:
    """The provider and location the slot names, of this clinic (another clinic's is a 404)."""
    values = slot.slot()
    provider = location = None
    if "provider" in values:
        provider = Provider.objects.for_clinic(clinic).filter(pk=values["provider"]).first()
        if provider is None:
            raise Http404
    if "location" in values:
        location = Location.objects.for_clinic(clinic).filter(pk=values["location"]).first()
        if location is None:
            raise Http404
    return provider, location


def _slot_when(clinic: Clinic, slot: SlotForm) -> datetime.datetime | None:
    values = slot.slot()
    if "date" not in values or "time" not in values:
        return None
    try:
        return local_to_aware(values["date"], values["time"], clinic.zone)
    except NonexistentLocalTime:
        return None


@staff_view()
def schedule_book(request: StaffRequest) -> HttpResponse:
    """Booking from the schedule, first step: the free time chosen, and a search for the patient
    among the clinic's patients; each one found links to the booking form for that time."""
    clinic = request.clinic
    slot = SlotForm(request.GET)
    provider, location = _slot_items(clinic, slot)
    search = PatientSearchForm(request.GET)
    text = search.cleaned_data["q"] if search.is_valid() else ""
    query = patient_selectors.patient_query(text)
    patients = []
    if query.kind:
        page = patient_selectors.patient_page(clinic=clinic, query=query, size=PATIENTS_TO_PICK_FROM)
        patients = page.patients
        audit.record(
            action="patients.patient_list.viewed",
            actor=request.user,
            clinic=clinic,
            metadata={"first_page": True, "searched": True, "search_kind": str(query.kind), "shown": len(patients)},
        )
    carried = slot.query()
    return render(
        request,
        "staff/schedule_book.html",
        {
            "search": search,
            "query": text,
            "search_kind": query.kind,
            "patients": patients,
            "more": query.kind and len(patients) == PATIENTS_TO_PICK_FROM,
            "slot": carried,
            "starts_at": _slot_when(clinic, slot),
            "provider": provider,
            "location": location,
            "booking_query": urlencode(carried),
            "back_url": schedule_url(clinic, date=carried.get("date"), provider=carried.get("provider")),
        },
    )


@require_http_methods(["GET", "POST"])
@staff_view()
def schedule_book_patient(request: StaffRequest, patient_id: int) -> HttpResponse:
    """Booking from the schedule, second step: the booking form for the patient picked, filled in
    from the free time; once booked, back to that day's schedule of the provider, at the visit."""
    clinic = request.clinic
    patient = patient_selectors.patient_get_for_clinic(clinic=clinic, patient_id=patient_id)
    slot = SlotForm(request.GET)
    _slot_items(clinic, slot)
    form = AppointmentForm(request.POST or None, clinic=clinic, initial=slot.booking_initial())
    if request.method == "POST" and form.is_valid():
        appointment = _book(request, form, patient=patient)
        if appointment is not None:
            messages.success(
                request,
                _("Appointment booked for %(name)s at %(time)s.")
                % {"name": patient.full_name, "time": front_desk.clock(appointment.starts_at, clinic)},
            )
            day = front_desk.local_day(appointment.starts_at, clinic).isoformat()
            return redirect(
                schedule_url(clinic, date=day, provider=appointment.provider_id) + f"#appointment-{appointment.pk}"
            )
    carried = slot.query()
    return render(
        request,
        "staff/schedule_book_form.html",
        {
            "form": form,
            "patient": patient,
            "pick_url": schedule_url(clinic, "staff:schedule_book", **carried),
            "back_url": schedule_url(clinic, date=carried.get("date"), provider=carried.get("provider")),
        },
    )


def _book(request: StaffRequest, form: AppointmentForm, *, patient: Patient) -> Appointment | None:
    data = form.cleaned_data
    try:
        return services.appointment_book(
            patient=patient,
            provider=data["provider"],
            appointment_type=data["appointment_type"],
            location=data["location"],
            starts_at=data["starts_at"],
            duration_minutes=data["duration_minutes"] or data["appointment_type"].duration_minutes,
            patient_notes=data["patient_notes"],
            internal_notes=data["internal_notes"],
            actor=request.user,
        )
    except SchedulingError as error:
        field = {"double_booked": "time", "duration_out_of_range": "duration_minutes"}.get(error.code)
        form.add_error(field, error.message)
        return None


@staff_view()
def schedule_week(request: StaffRequest) -> HttpResponse:
    """One provider's week, Monday to Sunday, in the clinic's time zone."""
    clinic = request.clinic
    asked = WeekForm(request.GET)
    picked = asked.cleaned_data if asked.is_valid() else {}
    today = front_desk.local_day(timezone.now(), clinic)
    monday = front_desk.week_of(picked.get("date") or today)
    providers = list(Provider.objects.for_clinic(clinic).order_by("-active", "name", "id"))
    if picked.get("provider"):
        provider = next((item for item in providers if item.pk == picked["provider"]), None)
        if provider is None:
            raise Http404
    elif providers:
        provider = providers[0]
    else:
        provider = None
    days = front_desk.provider_week(clinic=clinic, provider=provider, monday=monday) if provider else []
    if provider is not None:
        front_desk.schedule_week_viewed(clinic=clinic, provider=provider, monday=monday, days=days, actor=request.user)
    return render(
        request,
        "staff/schedule_week.html",
        {
            "form": WeekForm(initial={"date": monday}),
            "providers": providers,
            "provider": provider,
            "monday": monday,
            "sunday": monday + datetime.timedelta(days=6),
            "today": today,
            "days": [(week_day, _week_entries(clinic, week_day)) for week_day in days],
            "previous_week": schedule_url(
                clinic,
                "staff:schedule_week",
                date=(monday - datetime.timedelta(days=7)).isoformat(),
                provider=provider.pk if provider else None,
            ),
            "next_week": schedule_url(
                clinic,
                "staff:schedule_week",
                date=(monday + datetime.timedelta(days=7)).isoformat(),
                provider=provider.pk if provider else None,
            ),
        },
    )


@dataclass(frozen=True)
class WeekEntry:
    appointment: Appointment
    starts: str
    ends: str
    day_url: str


def _week_entries(clinic: Clinic, week_day: front_desk.WeekDay) -> list[WeekEntry]:
    return [
        WeekEntry(
            appointment=appointment,
            starts=front_desk.clock(appointment.starts_at, clinic),
            ends=front_desk.clock(appointment.ends_at, clinic),
            day_url=schedule_url(clinic, date=week_day.day.isoformat(), provider=appointment.provider_id)
            + f"#appointment-{appointment.pk}",
        )
        for appointment in week_day.appointments
    ]


@staff_view()
def schedule_print(request: StaffRequest) -> HttpResponse:
    """The day's list to print: the appointments the day's schedule shows for the same day,
    provider and page, one line each."""
    clinic = request.clinic
    day = ScheduleDayForm(request.GET).day(clinic)
    back = SchedulePlaceForm(request.GET).back_query()
    providers = selectors.providers_on_day(clinic=clinic, day=day)
    chosen = next((item for item in providers if item.provider_id == back.get("provider")), None)
    shown, _provider_page, appointments = schedule_shown(
        clinic, day=day, providers=providers, chosen=chosen, page_number=back.get("page")
    )
    services.schedule_viewed(clinic=clinic, day=day, appointments=appointments, actor=request.user)
    return render(
        request,
        "staff/schedule_print.html",
        {
            "day": day,
            "providers": shown,
            "chosen": chosen,
            "lines": [(item, front_desk.clock(item.starts_at, clinic)) for item in appointments],
            "back_url": schedule_url(
                clinic, date=day.isoformat(), provider=back.get("provider"), page=back.get("page")
            ),
        },
    )
