"""The "Proxies" section of a patient's record (issue 16, part 3): staff add a proxy (an invitation
to the person's own address, with their relationship and access) and end a proxy's access.
Each is a POST that redirects back to the record; bad input shows the record again."""

import datetime

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from patientportal.patients import selectors as patient_selectors
from patientportal.patients.errors import PatientError
from patientportal.patients.invitations import Proxy, invitation_send
from patientportal.patients.models import Patient
from patientportal.patients.proxies import proxy_revoke
from patientportal.staff.access import StaffRequest, staff_view
from patientportal.staff.forms import ProxyInviteForm
from patientportal.staff.views import render_patient_record

# Where each refusal is shown: beside its field, or above the form.
FIELD_OF_ERROR = {
    "expiry_out_of_range": "expires_in_hours",
    "not_a_minor": "relationship",
    "proxy_name_required": "name",
    "no_email": "email",
}


def _proxies_url(patient: Patient) -> str:
    return reverse("staff:patient_detail", args=[patient.clinic.slug, patient.pk]) + "#proxies"


@require_POST
@staff_view()
def proxy_invite_view(request: StaffRequest, patient_id: int) -> HttpResponse:
    patient = patient_selectors.patient_get_for_clinic(clinic=request.clinic, patient_id=patient_id)
    form = ProxyInviteForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        proxy = Proxy(name=data["name"], email=data["email"], relationship=data["relationship"], level=data["level"])
        try:
            invitation, _token = invitation_send(
                patient=patient,
                expires_in=datetime.timedelta(hours=data["expires_in_hours"]),
                actor=request.user,
                proxy=proxy,
            )
        except PatientError as error:
            form.add_error(FIELD_OF_ERROR.get(error.code), error.message)
        else:
            messages.success(
                request,
                _("Invitation on its way to %(name)s at %(email)s. They sign in with their own account.")
                % {"name": invitation.proxy_name, "email": invitation.email},
            )
            return redirect(_proxies_url(patient))
    return render_patient_record(request, patient, proxy_form=form, status=400)


@require_POST
@staff_view()
def proxy_revoke_view(request: StaffRequest, patient_id: int, access_id: int) -> HttpResponse:
    patient = patient_selectors.patient_get_for_clinic(clinic=request.clinic, patient_id=patient_id)
    access = patient_selectors.proxy_get_for_patient(patient=patient, access_id=access_id)
    try:
        proxy_revoke(access=access, actor=request.user)
    except PatientError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("%(name)s can no longer use this record, from their very next page.")
            % {"name": access.proxy_name or access.user.get_full_name()},
        )
    return redirect(_proxies_url(patient))
