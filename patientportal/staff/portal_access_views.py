"""The "Patient Portal Access" section of a patient's record (PRODUCT.md F-2).

Each action is a POST from that section. On success it redirects back to the
record; on bad input it shows the record again with the message next to the
field and the typed value kept.
"""

import datetime

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from patientportal.patients import selectors as patient_selectors
from patientportal.patients.errors import PatientError
from patientportal.patients.invitations import invitation_revoke, invitation_send
from patientportal.patients.models import Patient
from patientportal.patients.services import patient_record_viewed, portal_disable, portal_enable
from patientportal.staff.access import StaffRequest, staff_view
from patientportal.staff.forms import InvitationSendForm, PortalEnableForm
from patientportal.staff.views import render_patient_record


def _record_url(patient: Patient) -> str:
    return reverse("staff:patient_detail", args=[patient.clinic.slug, patient.pk]) + "#portal-access"


def _load(request: StaffRequest, patient_id: int) -> Patient:
    return patient_selectors.patient_get_for_clinic(clinic=request.clinic, patient_id=patient_id)


@require_POST
@staff_view()
def portal_enable_view(request: StaffRequest, patient_id: int) -> HttpResponse:
    patient = _load(request, patient_id)
    form = PortalEnableForm(request.POST)
    if form.is_valid():
        try:
            portal_enable(patient=patient, email=form.cleaned_data["email"], actor=request.user)
        except PatientError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Portal access enabled. You can now send an invitation."))
            return redirect(_record_url(patient))
    return render_patient_record(request, patient, enable_form=form, status=400)


@require_http_methods(["GET", "POST"])
@staff_view()
def portal_disable_view(request: StaffRequest, patient_id: int) -> HttpResponse:
    """GET asks for confirmation; POST disables."""
    patient = _load(request, patient_id)
    if request.method == "GET":
        patient_record_viewed(patient=patient, actor=request.user, what="portal_disable_confirm")
        return render(request, "staff/portal_disable_confirm.html", {"patient": patient})
    try:
        portal_disable(patient=patient, actor=request.user)
    except PatientError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Portal access disabled. Pending invitations were revoked."))
    return redirect(_record_url(patient))


@require_POST
@staff_view()
def invitation_send_view(request: StaffRequest, patient_id: int) -> HttpResponse:
    patient = _load(request, patient_id)
    form = InvitationSendForm(request.POST)
    if form.is_valid():
        hours = form.cleaned_data["expires_in_hours"]
        try:
            invitation, _token = invitation_send(
                patient=patient, expires_in=datetime.timedelta(hours=hours), actor=request.user
            )
        except PatientError as error:
            form.add_error("expires_in_hours" if error.code == "expiry_out_of_range" else None, error.message)
        else:
            messages.success(
                request,
                _("Invitation on its way to %(email)s. Whether it arrived shows in the invitation history.")
                % {"email": invitation.email},
            )
            return redirect(_record_url(patient))
    return render_patient_record(request, patient, invite_form=form, status=400)


@require_POST
@staff_view()
def invitation_revoke_view(request: StaffRequest, patient_id: int, invitation_id: int) -> HttpResponse:
    patient = _load(request, patient_id)
    invitation = patient_selectors.invitation_get_for_patient(patient=patient, invitation_id=invitation_id)
    try:
        invitation_revoke(invitation=invitation, actor=request.user)
    except PatientError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Invitation revoked: its link no longer works."))
    return redirect(_record_url(patient))
