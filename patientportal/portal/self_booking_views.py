"""Self-booking: the patient picks an open time of an appointment type the clinic lets patients book
online (scheduling.slots), week by week up to the clinic's horizon, then confirms it. Where the
clinic does not offer it, or the type is not bookable online, the pages do not exist (404)."""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import groupby
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from patientportal.clinics.features import Feature
from patientportal.clinics.models import Clinic
from patientportal.portal.access import PortalRequest, portal_view
from patientportal.scheduling.errors import SchedulingError
from patientportal.scheduling.models import AppointmentType, Location, Provider
from patientportal.scheduling.slots import Slot, appointment_self_book, booking_days, open_slots, week_days

# After "that time was just taken", the page offers this many of the next open times.
NEXT_SLOTS_OFFERED = 6


def _bookable_types(clinic: Clinic) -> list[AppointmentType]:
    if not clinic.patients_may_book_online:
        raise Http404
    return list(AppointmentType.objects.for_clinic(clinic).active().filter(bookable_online=True))


@portal_view(Feature.APPOINTMENTS)
def appointment_book_start(request: PortalRequest) -> HttpResponse:
    """Which kind of visit to book (the types bookable online)."""
    clinic = request.portal.clinic
    return render(request, "portal/appointment_book_start.html", {"types": _bookable_types(clinic), "clinic": clinic})


@dataclass(frozen=True)
class ChosenSlot:
    provider: Provider
    location: Location | None
    starts_at: datetime.datetime


def _parse_slot(value: str, providers: dict[int, Provider], locations: dict[int, Location]) -> ChosenSlot | None:
    try:
        provider_id, location_id, stamp = (int(part) for part in value.split("."))
        starts_at = datetime.datetime.fromtimestamp(stamp, tz=datetime.UTC)
    except (ValueError, OverflowError, OSError):
        return None
    if provider_id not in providers or (location_id and location_id not in locations):
        return None
    return ChosenSlot(providers[provider_id], locations.get(location_id) if location_id else None, starts_at)


@dataclass(frozen=True)
class SlotGroup:
    """The open times of one provider at one place on one day."""

    provider: Provider
    location: Location | None
    slots: list[Slot]


@dataclass(frozen=True)
class SlotDay:
    day: datetime.date
    zone_abbreviation: str
    groups: list[SlotGroup]


def _by_day(slots: Sequence[Slot], days: Sequence[datetime.date], clinic: Clinic) -> list[SlotDay]:
    zone = clinic.zone
    found = []
    for day in days:
        todays = [slot for slot in slots if timezone.localtime(slot.starts_at, zone).date() == day]
        todays.sort(key=lambda slot: (slot.provider.name, slot.provider.pk, slot.location_id or 0, slot.starts_at))
        groups = [
            SlotGroup(provider=items[0].provider, location=items[0].location, slots=items)
            for _key, group in groupby(todays, key=lambda slot: (slot.provider.pk, slot.location_id))
            if (items := list(group))
        ]
        noon = datetime.datetime.combine(day, datetime.time(12), tzinfo=zone)
        found.append(SlotDay(day=day, zone_abbreviation=noon.tzname() or "", groups=groups))
    return found


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


@require_http_methods(["GET", "POST"])
@portal_view(Feature.APPOINTMENTS)
def appointment_slots(request: PortalRequest, type_id: int) -> HttpResponse:
    """The open times of one bookable type, a week a page, for any or one provider and location.
    A slot's button asks to confirm (POST without `confirm`); confirming books it."""
    portal = request.portal
    clinic = portal.clinic
    if not clinic.patients_may_book_online:
        raise Http404
    appointment_type = get_object_or_404(
        AppointmentType.objects.for_clinic(clinic).active().filter(bookable_online=True), pk=type_id
    )
    providers = {item.pk: item for item in Provider.objects.for_clinic(clinic).active()}
    locations = {item.pk: item for item in Location.objects.for_clinic(clinic).active()}
    query = request.POST if request.method == "POST" else request.GET
    provider = providers.get(_int(query.get("provider")) or 0)
    location = locations.get(_int(query.get("location")) or 0)
    now = timezone.now()
    first_day, last_day = booking_days(clinic=clinic, now=now)
    weeks = (last_day - first_day).days // 7 + 1
    week = min(max(_int(query.get("week")) or 0, 0), weeks - 1)
    chosen: ChosenSlot | None = None
    refused = ""
    if request.method == "POST":
        chosen = _parse_slot(request.POST.get("slot", ""), providers, locations)
        if chosen is None:
            raise Http404
        if request.POST.get("confirm"):
            try:
                appointment_self_book(
                    patient=portal.patient,
                    appointment_type=appointment_type,
                    provider=chosen.provider,
                    location=chosen.location,
                    starts_at=chosen.starts_at,
                    actor=request.user,
                )
            except SchedulingError as error:
                refused = str(error.message)
            else:
                messages.success(request, _("Your visit is booked. A confirmation is on its way by email."))
                return redirect(reverse("portal:appointments") + "?tab=upcoming")
    slot_filter = [provider] if provider else list(providers.values())
    days = week_days(clinic=clinic, now=now, week=week)
    if refused and chosen is not None:
        # The next open times after the one taken, from its day on, whatever the page's week.
        refused_day = timezone.localtime(chosen.starts_at, clinic.zone).date()
        days = [refused_day + datetime.timedelta(days=offset) for offset in range(7)]
    slots = open_slots(
        clinic=clinic,
        appointment_type=appointment_type,
        providers=slot_filter,
        days=days,
        now=now,
        location=location,
        locations=locations,
    )
    next_slots = [slot for slot in slots if chosen and slot.starts_at >= chosen.starts_at][:NEXT_SLOTS_OFFERED]
    filters = {"provider": provider.pk if provider else "", "location": location.pk if location else ""}

    def week_url(number: int) -> str:
        shown = {name: value for name, value in {**filters, "week": number}.items() if value not in ("", 0)}
        return reverse("portal:appointment_slots", args=[appointment_type.pk]) + (
            f"?{urlencode(shown)}" if shown else ""
        )

    return render(
        request,
        "portal/appointment_slots.html",
        {
            "clinic": clinic,
            "appointment_type": appointment_type,
            "providers": providers.values(),
            "locations": locations.values(),
            "provider": provider,
            "location": location,
            "week": week,
            "week_days": days,
            "slot_days": [] if refused else _by_day(slots, days, clinic),
            "earlier_url": week_url(week - 1) if week > 0 else "",
            "later_url": week_url(week + 1) if week < weeks - 1 else "",
            "chosen": None if refused else chosen,
            "chosen_value": request.POST.get("slot", ""),
            "refused": refused,
            "next_slots": next_slots if refused else [],
            "zone_name": clinic.time_zone.replace("_", " "),
        },
        status=409 if refused else 200,
    )
