"""The clinic's audit trail (issue 16, part 2), for owners and admins: every event of their
clinic, never another's, narrowed by patient, staff member, kind of action and dates, page by
page, and downloadable as CSV. How a clinic answers a patient's access request or looks into
a complaint. Reading it and downloading it are audited."""

from dataclasses import dataclass, replace

from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from patientportal.activity.export import trail_csv_lines
from patientportal.activity.selectors import EntryPage, TrailFilter, clinic_trail_page, days_range, trail_actor_name
from patientportal.activity.services import audit_trail_exported, audit_trail_viewed
from patientportal.activity.words import KINDS_BY_KEY
from patientportal.clinics.choices import AUDIT_TRAIL_ROLES
from patientportal.clinics.selectors import team_for_clinic
from patientportal.patients.models import Patient
from patientportal.patients.selectors import patient_get_for_clinic, patient_page, patient_query
from patientportal.staff.access import StaffRequest, staff_view
from patientportal.staff.audit_forms import AuditTrailForm
from patientportal.staff.forms import ListPageForm

TRAIL_PER_PAGE = 50
SEARCH_PATIENTS_UP_TO = 50  # a patient search narrows the trail to the first 50 patients it finds, by name


@dataclass(frozen=True)
class _Looking:
    """What the trail is narrowed to, read from a valid form."""

    filters: TrailFilter
    kind: str = ""
    patient: Patient | None = None  # one patient (the record's link, a name in the list)
    searched: str = ""  # what a patient search was read as ("name", "phone"…), never its text
    more_patients: bool = False


def _form(request: StaffRequest) -> AuditTrailForm:
    """The filters; someone chosen by a link who is no longer on the team (or an operator) is
    offered by name if they acted in this clinic."""
    team = team_for_clinic(clinic=request.clinic)
    wanted = request.GET.get("staff_member", "")
    also = None
    if wanted.isdigit() and int(wanted) < 2**63 and int(wanted) not in {member.user_id for member in team}:
        name = trail_actor_name(clinic=request.clinic, actor_id=int(wanted))
        also = (int(wanted), name) if name is not None else None
    return AuditTrailForm(request.GET, team=team, also=also)


def _looking(request: StaffRequest, form: AuditTrailForm) -> _Looking:
    """The filter of a valid form. A typed patient search replaces the one-patient filter; that
    patient is loaded in the clinic (another clinic's patient is a 404, as everywhere)."""
    clinic, data = request.clinic, form.cleaned_data
    since, until = days_range(data["since"], data["until"], clinic.zone)
    kind = data["kind"] or ""
    base = TrailFilter(
        actor_id=data["staff_member"],
        codes=KINDS_BY_KEY[kind].codes if kind else None,
        since=since,
        until=until,
    )
    text = form.search_text()
    if text:
        query = patient_query(text)
        found = patient_page(clinic=clinic, query=query, size=SEARCH_PATIENTS_UP_TO)
        ids = [patient.pk for patient in found.patients]
        return _Looking(
            replace(base, patient_ids=ids),
            kind=kind,
            searched=str(query.kind),
            more_patients=found.has_next,
        )
    if data["patient"]:
        patient = patient_get_for_clinic(clinic=clinic, patient_id=data["patient"])
        return _Looking(replace(base, patient_ids=[patient.pk]), kind=kind, patient=patient)
    return _Looking(base, kind=kind)


@require_GET
@staff_view(roles=AUDIT_TRAIL_ROLES)
def audit_trail(request: StaffRequest) -> HttpResponse:
    clinic = request.clinic
    form = _form(request)
    looking = _looking(request, form) if form.is_valid() else None
    page = EntryPage([], has_previous=False, has_next=False)
    if looking is not None:
        after, before = ListPageForm(request.GET).place()
        page = clinic_trail_page(
            clinic=clinic, filters=looking.filters, size=TRAIL_PER_PAGE, after=after, before=before
        )
        if not page.entries and (after or before):
            # The event the link went on from is not one of this clinic's: from the top.
            page = clinic_trail_page(clinic=clinic, filters=looking.filters, size=TRAIL_PER_PAGE)
        audit_trail_viewed(
            clinic=clinic,
            filters=looking.filters,
            kind=looking.kind,
            searched=bool(looking.searched),
            patient=looking.patient,
            shown=len(page.entries),
            actor=request.user,
        )
    return render(
        request,
        "staff/audit/trail.html",
        {"form": form, "looking": looking, "page": page, "search_up_to": SEARCH_PATIENTS_UP_TO},
    )


@require_GET
@staff_view(roles=AUDIT_TRAIL_ROLES)
def audit_trail_export(request: StaffRequest) -> HttpResponse | StreamingHttpResponse:
    """The trail as filtered, as CSV, written while it is read (activity.export). The download
    is audited before its first line is sent."""
    clinic = request.clinic
    form = _form(request)
    if not form.is_valid():
        return render(
            request,
            "staff/audit/trail.html",
            {"form": form, "looking": None, "page": EntryPage([], False, False), "search_up_to": SEARCH_PATIENTS_UP_TO},
            status=400,
        )
    looking = _looking(request, form)
    audit_trail_exported(
        clinic=clinic,
        filters=looking.filters,
        kind=looking.kind,
        searched=bool(looking.searched),
        patient=looking.patient,
        actor=request.user,
    )
    response = StreamingHttpResponse(
        trail_csv_lines(clinic=clinic, filters=looking.filters), content_type="text/csv; charset=utf-8"
    )
    day = timezone.localdate(timezone.now(), clinic.zone).isoformat()
    response["Content-Disposition"] = f'attachment; filename="audit-trail-{clinic.slug}-{day}.csv"'
    return response
