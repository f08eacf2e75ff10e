"""The clinic settings page (owners and admins): contact details, time zone, tax rate,
unpaid-order delay, appointment reminder times and appointment policy. The plan and add-ons stay the operator's."""

import copy

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from patientportal.clinics.choices import CLINIC_SETTINGS_ROLES
from patientportal.clinics.errors import ClinicError
from patientportal.clinics.services import clinic_settings_update
from patientportal.staff.access import StaffRequest, staff_view
from patientportal.staff.clinic_forms import ClinicContactForm, ClinicPolicyForm, ClinicRemindersForm, ClinicRulesForm


@require_http_methods(["GET", "POST"])
@staff_view(roles=CLINIC_SETTINGS_ROLES)
def clinic_settings(request: StaffRequest) -> HttpResponse:
    clinic = request.clinic
    data = request.POST if request.method == "POST" else None
    # Each form checks a copy, so the service sees what actually changed.
    contact = ClinicContactForm(data, instance=copy.copy(clinic))
    rules = ClinicRulesForm(data, instance=copy.copy(clinic))
    reminders = ClinicRemindersForm(data, instance=clinic)
    policy = ClinicPolicyForm(data, instance=copy.copy(clinic))
    if data is not None and all([contact.is_valid(), rules.is_valid(), reminders.is_valid(), policy.is_valid()]):
        try:
            clinic_settings_update(
                clinic=clinic,
                changes={**contact.changes(), **rules.changes(), **reminders.changes(), **policy.changes()},
                actor=request.user,
            )
        except ClinicError:  # the role was taken away since the page checked it
            raise PermissionDenied from None
        messages.success(request, _("Clinic settings saved."))
        return redirect("staff:clinic_settings", clinic_slug=clinic.slug)
    return render(
        request,
        "staff/clinic_settings.html",
        {"contact_form": contact, "rules_form": rules, "reminders_form": reminders, "policy_form": policy},
    )
