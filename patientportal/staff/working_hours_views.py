"""Scheduling setup: one provider's working hours and exceptions, the times patients may book
online (scheduling.slots) and the front desk's free times are taken from."""

import datetime
from collections.abc import Sequence

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from patientportal.scheduling.models import Provider, WorkingHours, WorkingHoursException
from patientportal.scheduling.working_hours import (
    working_exception_add,
    working_exception_remove,
    working_hours_add,
    working_hours_remove,
)
from patientportal.staff.access import StaffRequest, staff_view
from patientportal.staff.scheduling_views import SETUP_ROLES
from patientportal.staff.working_hours_forms import WorkingExceptionForm, WorkingHoursForm


def _week(hours: Sequence[WorkingHours]) -> list[tuple[str, list[WorkingHours]]]:
    return [(str(WEEKDAYS[day]), [item for item in hours if item.weekday == day]) for day in range(7)]


@require_http_methods(["GET", "POST"])
@staff_view(roles=SETUP_ROLES)
def provider_hours(request: StaffRequest, provider_id: int) -> HttpResponse:
    clinic = request.clinic
    provider = get_object_or_404(Provider.objects.for_clinic(clinic), pk=provider_id)
    provider.clinic = clinic
    action = request.POST.get("action") if request.method == "POST" else None
    hours_form = WorkingHoursForm(request.POST if action == "add_hours" else None, clinic=clinic, prefix="hours")
    exception_form = WorkingExceptionForm(
        request.POST if action == "add_exception" else None, clinic=clinic, prefix="exception"
    )
    if action == "add_hours" and hours_form.is_valid():
        working_hours_add(provider=provider, actor=request.user, **hours_form.cleaned_data)
        messages.success(request, _("Working hours added."))
        return redirect("staff:provider_hours", clinic_slug=clinic.slug, provider_id=provider.pk)
    if action == "add_exception" and exception_form.is_valid():
        working_exception_add(provider=provider, actor=request.user, **exception_form.cleaned_data)
        messages.success(request, _("Exception added."))
        return redirect("staff:provider_hours", clinic_slug=clinic.slug, provider_id=provider.pk)
    if action in ("remove_hours", "remove_exception"):
        try:
            item_id = int(request.POST.get("item", ""))
        except ValueError:
            raise Http404 from None
        if action == "remove_hours":
            working_hours_remove(
                hours=get_object_or_404(WorkingHours, pk=item_id, provider=provider), actor=request.user
            )
        else:
            exception = get_object_or_404(WorkingHoursException, pk=item_id, provider=provider)
            working_exception_remove(exception=exception, actor=request.user)
        messages.success(request, _("Removed."))
        return redirect("staff:provider_hours", clinic_slug=clinic.slug, provider_id=provider.pk)
    if action and action not in ("add_hours", "add_exception"):
        raise Http404
    today = timezone.localtime(timezone.now(), clinic.zone).date()
    hours = list(WorkingHours.objects.filter(provider=provider).select_related("location"))
    exceptions = list(
        WorkingHoursException.objects.filter(provider=provider, last_day__gte=today - datetime.timedelta(days=1))
        .select_related("location")
        .order_by("first_day", "starts", "id")
    )
    return render(
        request,
        "staff/provider_hours.html",
        {
            "provider": provider,
            "week": _week(hours),
            "exceptions": exceptions,
            "hours_form": hours_form,
            "exception_form": exception_form,
            "zone_name": clinic.time_zone.replace("_", " "),
        },
    )
