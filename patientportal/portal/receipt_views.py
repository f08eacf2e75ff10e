"""The patient's receipts: the payment receipt of a paid order and a receipt for each of its refunds,
as a printable page and as a PDF (for HSA/FSA claims). Scoped like the order page: another patient's
or clinic's order, or a refund of another order, is 404."""

from django.http import FileResponse, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from patientportal.clinics.features import Feature
from patientportal.orders import selectors
from patientportal.orders.models import Order
from patientportal.patients.services import patient_record_viewed
from patientportal.payments import receipts
from patientportal.payments.notices import payment_receipt as payment_receipt_content
from patientportal.payments.notices import refund_notice
from patientportal.portal.access import PortalRequest, portal_view


def _order(request: PortalRequest, order_id: int) -> Order:
    return selectors.order_get_for_patient(patient=request.portal.patient, order_id=order_id)


@require_GET
@portal_view(Feature.ORDERS)
def payment_receipt(request: PortalRequest, order_id: int) -> HttpResponse:
    order = _order(request, order_id)
    receipt = payment_receipt_content(receipts.receipt_payment_or_404(order=order))
    patient_record_viewed(patient=request.portal.patient, actor=request.user, what="portal.receipt")
    return render(request, "portal/orders/payment_receipt.html", {"order": order, "receipt": receipt})


@require_GET
@portal_view(Feature.ORDERS)
def payment_receipt_pdf(request: PortalRequest, order_id: int) -> FileResponse:
    order = _order(request, order_id)
    receipt = payment_receipt_content(receipts.receipt_payment_or_404(order=order))
    patient_record_viewed(patient=request.portal.patient, actor=request.user, what="portal.receipt_pdf")
    return receipts.receipt_download(receipts.payment_receipt_pdf(receipt), title=f"Receipt {receipt.receipt_number}")


@require_GET
@portal_view(Feature.ORDERS)
def refund_receipt(request: PortalRequest, order_id: int, refund_id: int) -> HttpResponse:
    order = _order(request, order_id)
    notice = refund_notice(receipts.receipt_refund_or_404(order=order, refund_id=refund_id))
    patient_record_viewed(patient=request.portal.patient, actor=request.user, what="portal.receipt")
    return render(request, "portal/orders/refund_receipt.html", {"order": order, "notice": notice})


@require_GET
@portal_view(Feature.ORDERS)
def refund_receipt_pdf(request: PortalRequest, order_id: int, refund_id: int) -> FileResponse:
    order = _order(request, order_id)
    notice = refund_notice(receipts.receipt_refund_or_404(order=order, refund_id=refund_id))
    patient_record_viewed(patient=request.portal.patient, actor=request.user, what="portal.receipt_pdf")
    content = receipts.refund_receipt_pdf(notice, clinic=order.clinic, patient_name=order.patient.full_name)
    return receipts.receipt_download(content, title=f"Refund receipt {notice.receipt_number}")
