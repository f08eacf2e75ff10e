""" "Who viewed my record" (issue 16, part 1): every read and change of the record by the
clinic's staff and the portal's operators, and apart from them the patient's own and their
family's. On every plan: it is the patient's right to know."""

import datetime

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from patientportal.activity.selectors import EntryPage, Side, access_history_page, month_range
from patientportal.clinics.features import Feature
from patientportal.patients.services import patient_record_viewed
from patientportal.portal.access import PortalRequest, portal_view

HISTORY_PER_PAGE = 25
SIDES = {"staff": Side.STAFF, "own": Side.OWN}
MOST_MONTHS = 120  # the month filter offers ten years at most


def month_choices(since: datetime.datetime, now: datetime.datetime, zone: datetime.tzinfo) -> list[datetime.date]:
    """First days of the months from the record's creation to now, in the clinic's time zone, newest first."""
    month = now.astimezone(zone).date().replace(day=1)
    first = since.astimezone(zone).date().replace(day=1)
    months: list[datetime.date] = []
    while month >= first and len(months) < MOST_MONTHS:
        months.append(month)
        month = (month - datetime.timedelta(days=1)).replace(day=1)
    return months


def _place(request: PortalRequest) -> tuple[int | None, int | None]:
    """(after, before) from the Older and Newer links; anything else starts at the top."""
    for name in ("before", "after"):
        value = request.GET.get(name, "")
        if value.isdigit() and 0 < int(value) < 2**63:
            return (None, int(value)) if name == "before" else (int(value), None)
    return None, None


@require_GET
# Not for a proxy with limited access: the record's history names its orders and everything else.
@portal_view(Feature.DASHBOARD, full_access_only=True)
def access_history(request: PortalRequest) -> HttpResponse:
    portal = request.portal
    patient, zone = portal.patient, portal.clinic.zone
    side_key = request.GET.get("side", "")
    side_key = side_key if side_key in SIDES else "staff"
    months = month_choices(patient.created_at, timezone.now(), zone)
    month = next((choice for choice in months if choice.strftime("%Y-%m") == request.GET.get("month")), None)
    since, until = month_range(month, zone) if month else (None, None)
    after, before = _place(request)

    def page_from(after: int | None, before: int | None) -> EntryPage:
        return access_history_page(
            patient=patient,
            side=SIDES[side_key],
            viewer=request.user,
            size=HISTORY_PER_PAGE,
            since=since,
            until=until,
            after=after,
            before=before,
        )

    page = page_from(after, before)
    if not page.entries and (after or before):
        page = page_from(None, None)  # the event the link went on from is not this record's: from the top
    patient_record_viewed(patient=patient, actor=request.user, what="portal.access_history")
    return render(
        request,
        "portal/access_history.html",
        {
            "page": page,
            "side": side_key,
            "months": months,
            "month": month.strftime("%Y-%m") if month else "",
            "month_date": month,
        },
    )
