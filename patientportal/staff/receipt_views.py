"""The receipts of an order for the clinic's team, to print or download for a patient (the same pages
and PDFs the patient has). Scoped like the order page: another clinic's order is 404; opening one is
audited as viewing the order."""

from django.http import FileResponse, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from patientportal.orders import selectors
from patientportal.orders.models import Order
from patientportal.orders.services import order_viewed
from patientportal.payments import receipts
from patientportal.payments.notices import payment_receipt as payment_receipt_content
from patientportal.payments.notices import refund_notice
from patientportal.staff.access import StaffRequest, staff_view
from patientportal.staff.order_views import ORDER_ROLES


def _order(request: StaffRequest, order_id: int) -> Order:
    order = selectors.order_get_for_clinic(clinic=request.clinic, order_id=order_id)
    order_viewed(order=order, actor=request.user)
    return order


@require_GET
@staff_view(roles=ORDER_ROLES)
def payment_receipt(request: StaffRequest, order_id: int) -> HttpResponse:
    order = _order(request, order_id)
    receipt = payment_receipt_content(receipts.receipt_payment_or_404(order=order))
    return render(request, "staff/orders/payment_receipt.html", {"order": order, "receipt": receipt})


@require_GET
@staff_view(roles=ORDER_ROLES)
def payment_receipt_pdf(request: StaffRequest, order_id: int) -> FileResponse:
    order = _order(request, order_id)
    receipt = payment_receipt_content(receipts.receipt_payment_or_404(order=order))
    return receipts.receipt_download(receipts.payment_receipt_pdf(receipt), title=f"Receipt {receipt.receipt_number}")


@require_GET
@staff_view(roles=ORDER_ROLES)
def refund_receipt(request: StaffRequest, order_id: int, refund_id: int) -> HttpResponse:
    order = _order(request, order_id)
    notice = refund_notice(receipts.receipt_refund_or_404(order=order, refund_id=refund_id))
    return render(request, "staff/orders/refund_receipt.html", {"order": order, "notice": notice})


@require_GET
@staff_view(roles=ORDER_ROLES)
def refund_receipt_pdf(request: StaffRequest, order_id: int, refund_id: int) -> FileResponse:
    order = _order(request, order_id)
    notice = refund_notice(receipts.receipt_refund_or_404(order=order, refund_id=refund_id))
    content = receipts.refund_receipt_pdf(notice, clinic=order.clinic, patient_name=order.patient.full_name)
    return receipts.receipt_download(content, title=f"Refund receipt {notice.receipt_number}")
