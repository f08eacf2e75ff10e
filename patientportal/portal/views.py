from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from patientportal.patients.services import patient_record_viewed
from patientportal.portal.access import SESSION_ACTIVE_ACCESS, PortalRequest, portal_view
from patientportal.portal.navigation import dashboard_cards_for


@portal_view()
def dashboard(request: PortalRequest) -> HttpResponse:
    portal = request.portal
    patient_record_viewed(patient=portal.patient, actor=request.user, what="portal.dashboard")
    return render(request, "portal/dashboard.html", {"cards": dashboard_cards_for(portal)})


@require_POST
@portal_view()
def switch_record(request: PortalRequest) -> HttpResponse:
    """Make another of the account's records the active one."""
    portal = request.portal
    try:
        wanted = int(request.POST.get("access", ""))
    except ValueError:
        raise Http404 from None
    if wanted not in {access.pk for access in portal.accesses}:
        raise Http404
    request.session[SESSION_ACTIVE_ACCESS] = wanted
    return redirect("portal:dashboard")
