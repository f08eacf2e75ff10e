"""Sending again an email the mail server refused, from where staff see it:
an invitation from the record's Patient Portal Access section (a fresh link),
an order's or a signature request's email from the order or document page.
Each needs the role that may act on what the email is about."""

from collections.abc import Callable
from functools import partial

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from patientportal.core.errors import EmailDeliveryError
from patientportal.core.models import EmailDelivery
from patientportal.core.selectors import delivery_get
from patientportal.documents.services import signature_email_resend, signature_request_get_for_clinic
from patientportal.orders.selectors import order_get_for_clinic
from patientportal.orders.services import order_email_resend
from patientportal.patients import selectors as patient_selectors
from patientportal.patients.errors import PatientError
from patientportal.patients.invitations import invitation_resend
from patientportal.staff.access import StaffRequest, staff_view
from patientportal.staff.order_views import ORDER_ROLES


@require_POST
@staff_view()  # whoever may send an invitation (portal_access_views.invitation_send_view) may resend it
def invitation_resend_view(request: StaffRequest, patient_id: int, invitation_id: int) -> HttpResponse:
    patient = patient_selectors.patient_get_for_clinic(clinic=request.clinic, patient_id=patient_id)
    invitation = patient_selectors.invitation_get_for_patient(patient=patient, invitation_id=invitation_id)
    try:
        new, _token = invitation_resend(invitation=invitation, actor=request.user)
    except PatientError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Invitation sent again to %(email)s with a new link; the link in the undelivered email no longer works.")
            % {"email": new.email},
        )
    return redirect(reverse("staff:patient_detail", args=[request.clinic.slug, patient.pk]) + "#portal-access")


def _resender(request: StaffRequest, delivery: EmailDelivery) -> tuple[Callable[[], object], str]:
    """How to resend this email, through the service of the app it is about, and the page to go
    back to; 404 unless that thing is this clinic's, 403 unless the role may act on it (as on
    its page). Invitations have their own resend (a fresh link); account emails are not the clinic's."""
    if not delivery.about_id.isdigit():
        raise Http404
    about_id = int(delivery.about_id)
    if delivery.about_type == "orders.order":
        order = order_get_for_clinic(clinic=request.clinic, order_id=about_id)
        if request.membership.role not in ORDER_ROLES:
            raise PermissionDenied
        return (
            partial(order_email_resend, order=order, delivery=delivery, actor=request.user),
            reverse("staff:order_detail", args=[request.clinic.slug, order.pk]),
        )
    if delivery.about_type == "documents.signaturerequest":  # the document pages are open to every role
        signature_request = signature_request_get_for_clinic(clinic=request.clinic, request_id=about_id)
        return (
            partial(signature_email_resend, signature_request=signature_request, delivery=delivery, actor=request.user),
            reverse("staff:document_detail", args=[request.clinic.slug, signature_request.document_id]),
        )
    raise Http404


@require_POST
@staff_view()  # the role is checked against what the email is about (_resender)
def email_resend_view(request: StaffRequest, delivery_id: int) -> HttpResponse:
    delivery = delivery_get(delivery_id=delivery_id)
    if delivery is None:
        raise Http404
    resend, page = _resender(request, delivery)
    try:
        resend()
    except EmailDeliveryError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The email will be sent again; its state shows here."))
    back = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(back)
    return redirect(page)
