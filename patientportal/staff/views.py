from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from patientportal.accounts.http import SignedInRequest
from patientportal.audit import services as audit
from patientportal.catalog.selectors import low_stock_count
from patientportal.clinics import selectors as clinic_selectors
from patientportal.clinics import services as clinic_services
from patientportal.clinics.choices import TEAM_MANAGER_ROLES
from patientportal.clinics.errors import ClinicError
from patientportal.documents.selectors import documents_for_patient_staff
from patientportal.orders.selectors import orders_for_patient, queue_counts
from patientportal.patients import selectors as patient_selectors
from patientportal.patients import services as patient_services
from patientportal.patients.choices import InvitationStatus
from patientportal.patients.models import Patient
from patientportal.payments.issues import ISSUE_ROLES
from patientportal.payments.selectors import payment_issue_count
from patientportal.scheduling.selectors import (
    appointments_for_patient_staff,
    booked_count_for_day,
    pending_request_count,
)
from patientportal.staff.access import StaffRequest, staff_view
from patientportal.staff.forms import (
    InvitationSendForm,
    ListPageForm,
    PatientForm,
    PatientSearchForm,
    PortalEnableForm,
    ProxyInviteForm,
    StaffMemberAddForm,
)
from patientportal.staff.order_views import ORDER_ROLES

PATIENTS_PER_PAGE = 25
# The home page counts no further than these (shown as "10,000+"): exact counts of a clinic
# of 100,000 patients and thousands of appointments a day would be read on every load.
HOME_PATIENTS_UP_TO = 10_000
HOME_COUNTS_UP_TO = 1_000
RECORD_APPOINTMENTS = 25
RECORD_DOCUMENTS = 10  # the newest on the record; all of them on the patient's documents page
RECORD_ORDERS = 10  # the latest on the record; all of them in the order queue, filtered to the patient


@login_required
def choose_clinic(request: SignedInRequest) -> HttpResponse:
    memberships = clinic_selectors.memberships_for_user(user=request.user)
    if len(memberships) == 1:
        return redirect("staff:home", clinic_slug=memberships[0].clinic.slug)
    return render(request, "staff/choose_clinic.html", {"memberships": memberships})


@staff_view()
def home(request: StaffRequest) -> HttpResponse:
    clinic = request.clinic
    today = timezone.localtime(timezone.now(), clinic.zone).date()
    return render(
        request,
        "staff/home.html",
        {
            "patient_count": patient_selectors.patient_count(clinic=clinic, up_to=HOME_PATIENTS_UP_TO),
            "patients_up_to": HOME_PATIENTS_UP_TO,
            "today_count": booked_count_for_day(clinic=clinic, day=today, up_to=HOME_COUNTS_UP_TO),
            "low_stock_count": low_stock_count(clinic=clinic),
            "request_count": pending_request_count(clinic=clinic, up_to=HOME_COUNTS_UP_TO),
            "order_counts": queue_counts(clinic=clinic, up_to=HOME_COUNTS_UP_TO),
            "counts_up_to": HOME_COUNTS_UP_TO,
            "attention_count": attention_count(request),
        },
    )


def attention_count(request: StaffRequest) -> int | None:
    """For the clinic's owners and admins, how many payments need attention (None for other roles)."""
    if request.membership.role not in ISSUE_ROLES:
        return None
    return payment_issue_count(clinic=request.clinic, up_to=HOME_COUNTS_UP_TO)


@staff_view()
def patient_list(request: StaffRequest) -> HttpResponse:
    """The clinic's patients by name, or those a search finds, a page at a time (Next and
    Previous; no total, which would count a whole clinic on every page)."""
    clinic = request.clinic
    form = PatientSearchForm(request.GET)
    text = form.cleaned_data["q"] if form.is_valid() else ""
    query = patient_selectors.patient_query(text)
    after, before = ListPageForm(request.GET).place()
    page = patient_selectors.patient_page(
        clinic=clinic, query=query, size=PATIENTS_PER_PAGE, after=after, before=before
    )
    if not page.patients and (after or before):
        # The patient the link went on from is not one of this clinic's (any more): from the top.
        after = before = None
        page = patient_selectors.patient_page(clinic=clinic, query=query, size=PATIENTS_PER_PAGE)
    audit.record(
        action="patients.patient_list.viewed",
        actor=request.user,
        clinic=clinic,
        metadata={
            "first_page": after is None and before is None,
            "searched": bool(query.kind),
            "search_kind": str(query.kind),
            "shown": len(page.patients),
        },
    )
    return render(
        request, "staff/patient_list.html", {"form": form, "page": page, "query": text, "search_kind": query.kind}
    )


@staff_view()
def patient_create(request: StaffRequest) -> HttpResponse:
    clinic = request.clinic
    form = PatientForm(request.POST or None, clinic=clinic)
    if request.method == "POST" and form.is_valid():
        patient = patient_services.patient_create(clinic=clinic, actor=request.user, **form.cleaned_data)
        messages.success(request, _("Patient record created."))
        return redirect("staff:patient_detail", clinic_slug=clinic.slug, patient_id=patient.pk)
    return render(request, "staff/patient_form.html", {"form": form, "patient": None})


@staff_view()
def patient_detail(request: StaffRequest, patient_id: int) -> HttpResponse:
    clinic = request.clinic
    patient = patient_selectors.patient_get_for_clinic(clinic=clinic, patient_id=patient_id)
    return render_patient_record(request, patient)


def render_patient_record(
    request: StaffRequest,
    patient: Patient,
    *,
    enable_form: PortalEnableForm | None = None,
    invite_form: InvitationSendForm | None = None,
    proxy_form: ProxyInviteForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """The record's Overview, also shown again with errors by the portal-access actions."""
    patient_services.patient_record_viewed(patient=patient, actor=request.user)
    invitations = patient_selectors.invitations_for_patient(patient=patient)
    accesses = patient_selectors.portal_accesses_for_patient(patient=patient)
    context = {
        "patient": patient,
        "portal_accesses": [access for access in accesses if not access.is_proxy],
        # Read with the links above (no query of their own): active first, then by when linked.
        "proxies": sorted(
            (access for access in accesses if access.is_proxy), key=lambda access: access.status != "active"
        ),
        "invitations": invitations,
        "pending_count": sum(
            1 for item in invitations if not item.is_proxy and item.display_status() == InvitationStatus.PENDING
        ),
        "proxy_invitations": [
            item for item in invitations if item.is_proxy and item.display_status() == InvitationStatus.PENDING
        ],
        "enable_form": enable_form or PortalEnableForm(initial={"email": patient.email}),
        "invite_form": invite_form or InvitationSendForm(),
        "proxy_form": proxy_form or ProxyInviteForm(),
        "appointments": list(appointments_for_patient_staff(patient=patient)[:RECORD_APPOINTMENTS]),
        "documents": list(documents_for_patient_staff(patient=patient)[:RECORD_DOCUMENTS]),
        # Only for the roles that may open orders (a provider may not): one query, the
        # index on (patient, created_at) read from the newest, one more row to know there are more.
        "orders": (
            list(orders_for_patient(patient=patient)[: RECORD_ORDERS + 1])
            if request.membership.role in ORDER_ROLES
            else None
        ),
        "record_orders": RECORD_ORDERS,
    }
    return render(request, "staff/patient_detail.html", context, status=status)


@staff_view()
def patient_edit(request: StaffRequest, patient_id: int) -> HttpResponse:
    clinic = request.clinic
    patient = patient_selectors.patient_get_for_clinic(clinic=clinic, patient_id=patient_id)
    initial = {field: getattr(patient, field) for field in patient_services.PATIENT_EDITABLE_FIELDS}
    form = PatientForm(request.POST or None, initial=initial, clinic=clinic)
    if request.method == "POST" and form.is_valid():
        patient_services.patient_update(patient=patient, changes=form.cleaned_data, actor=request.user)
        messages.success(request, _("Patient details saved."))
        return redirect("staff:patient_detail", clinic_slug=clinic.slug, patient_id=patient.pk)
    # The form shows the record's details (also when shown again with errors).
    patient_services.patient_record_viewed(patient=patient, actor=request.user, what="edit_form")
    return render(request, "staff/patient_form.html", {"form": form, "patient": patient})


@staff_view()
def team(request: StaffRequest) -> HttpResponse:
    clinic = request.clinic
    can_manage = request.membership.role in TEAM_MANAGER_ROLES
    form = StaffMemberAddForm(request.POST or None)
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        if form.is_valid():
            try:
                clinic_services.staff_member_add(clinic=clinic, actor=request.user, **form.cleaned_data)
            except ClinicError as error:
                form.add_error("email", error.message)
            else:
                messages.success(request, _("Team member added. They have been sent an email."))
                return redirect("staff:team", clinic_slug=clinic.slug)
    return render(
        request,
        "staff/team.html",
        {"members": clinic_selectors.team_for_clinic(clinic=clinic), "form": form, "can_manage": can_manage},
    )


@require_POST
@staff_view(roles=TEAM_MANAGER_ROLES)
def team_remove(request: StaffRequest, membership_id: int) -> HttpResponse:
    clinic = request.clinic
    membership = clinic_selectors.membership_get_in_clinic(clinic=clinic, membership_id=membership_id)
    try:
        clinic_services.staff_member_remove(membership=membership, actor=request.user)
    except ClinicError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Team member removed."))
    return redirect("staff:team", clinic_slug=clinic.slug)
