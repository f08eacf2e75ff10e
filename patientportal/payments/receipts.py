"""Receipts for patients (HSA/FSA claims): a payment receipt when an order is paid and a refund
receipt for each refund, in full or in part. Each is emailed once, from the one place where the
payment moves to Paid or the refund is recorded (`payments.handlers`, inside the event path that
applies every provider event once), so a webhook delivered twice sends nothing twice. The same
content (`payments.notices`) is a printable page and a PDF from the order page, for the patient
and for the clinic's staff.

Who is emailed: every account that can use the record in the portal (the patient, a parent), and
the record's own address when none of them has it, as the appointment emails do. The emails say
what a receipt must (items, tax, total, card) and no more: no prescription marks, no notes, no
patient name (the page and the PDF, behind sign-in, name the patient)."""

import datetime
import io

from django.conf import settings
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.translation import gettext as _
from fpdf import FPDF

from patientportal.accounts.emails import normalize_email
from patientportal.clinics.models import Clinic
from patientportal.core.emails import queue_templated_email
from patientportal.core.money import format_money
from patientportal.documents.responses import file_response
from patientportal.orders.models import Order
from patientportal.patients.links import record_link_query
from patientportal.patients.models import Patient
from patientportal.patients.selectors import portal_users_for_patient, record_address_for_orders
from patientportal.payments.models import Payment, Refund
from patientportal.payments.notices import (
    RECEIPTED,
    PaymentReceipt,
    RefundNotice,
    payment_receipt,
    refund_notice,
)

# --- Who gets them, and sending --------------------------------------------------------------------


def receipt_recipients(patient: Patient) -> list[str]:
    """The addresses a receipt goes to: each account that can use the record now with full access
    (a proxy limited to appointments and documents sees no orders), then the record's own address
    if none of them has it; each address once."""
    seen: set[str] = set()
    addresses: list[str] = []
    for user in portal_users_for_patient(patient=patient, full_access_only=True):
        address = normalize_email(user.email)
        if address and address not in seen:
            seen.add(address)
            addresses.append(user.email)
    record_address = record_address_for_orders(patient)
    if record_address and normalize_email(record_address) not in seen:
        addresses.append(record_address)
    return addresses


def _portal_url(name: str, order: Order, *args: int) -> str:
    return settings.SITE_URL + reverse(name, args=[order.pk, *args]) + record_link_query(order.patient_id)


def payment_receipt_send(payment: Payment) -> None:
    """Email the receipt of a payment that has just paid its order (locked, in the event path)."""
    order = payment.order
    receipt = payment_receipt(payment)
    context = {"receipt": receipt, "clinic": order.clinic, "url": _portal_url("portal:payment_receipt", order)}
    for address in receipt_recipients(order.patient):
        queue_templated_email(
            template_prefix="payments/email/payment_receipt", to=address, about=order, context=context
        )


def refund_receipt_send(refund: Refund) -> None:
    """Email the receipt of a refund that has just been recorded (in the event path)."""
    order = refund.payment.order
    notice = refund_notice(refund)
    context = {
        "notice": notice,
        "clinic": order.clinic,
        "url": _portal_url("portal:refund_receipt", order, refund.pk),
    }
    for address in receipt_recipients(order.patient):
        queue_templated_email(template_prefix="payments/email/refund_receipt", to=address, about=order, context=context)


# --- Finding them for the pages --------------------------------------------------------------------


def receipt_payment_or_404(*, order: Order) -> Payment:
    """The payment that paid the order (refunded since or not: its receipt stands); a 404 for an
    order never paid. For the receipt pages of the portal and the staff area alike."""
    payment = None
    if order.paid_at is not None:
        payment = (
            Payment.objects.filter(order=order, status__in=RECEIPTED)
            .select_related("order__clinic", "order__patient")
            .order_by("created_at", "id")
            .first()
        )
    if payment is None:
        raise Http404
    return payment


def receipt_refund_or_404(*, order: Order, refund_id: int) -> Refund:
    """One refund of this order; a 404 for any other."""
    return get_object_or_404(
        Refund.objects.select_related("payment__order__clinic", "payment__order__patient"),
        pk=refund_id,
        payment__order=order,
    )


# --- The PDF ---------------------------------------------------------------------------------------


def local_time(moment: datetime.datetime, clinic: Clinic) -> str:
    """ "March 4, 2030, 9:00 AM EST (America/New_York)": the clinic's time, named."""
    local = timezone.localtime(moment, clinic.zone)
    return f"{dateformat.format(local, 'F j, Y, g:i A')} {local.tzname()} ({clinic.time_zone})"


class _ReceiptPDF:
    """A one-column Letter page in the portal's document font (DejaVu: any patient's name prints)."""

    def __init__(self, title: str) -> None:
        self.pdf = FPDF(format="Letter")
        self.pdf.set_title(title)
        self.pdf.set_creator("Patient Portal")
        self.pdf.add_font("Portal", "", str(settings.DOCUMENT_FONT_PATH))
        self.pdf.set_auto_page_break(auto=True, margin=15)
        self.pdf.add_page()

    def text(self, value: str, *, size: float = 10, gap: float = 0) -> None:
        self.pdf.set_font("Portal", size=size)
        self.pdf.multi_cell(0, size * 0.5, value, align="L", new_x="LMARGIN", new_y="NEXT")
        if gap:
            self.pdf.ln(gap)

    def row(self, label: str, amount: str, *, size: float = 10) -> None:
        """A label on the left and an amount on the right, on one line (the label wraps if long)."""
        self.pdf.set_font("Portal", size=size)
        width = self.pdf.epw - 40
        y = self.pdf.get_y()
        self.pdf.multi_cell(width, size * 0.5, label, align="L", new_x="RIGHT", new_y="TOP")
        self.pdf.cell(40, size * 0.5, amount, align="R", new_x="LMARGIN", new_y="NEXT")
        self.pdf.set_y(max(self.pdf.get_y(), y + size * 0.5))

    def rule(self) -> None:
        self.pdf.ln(1)
        y = self.pdf.get_y()
        self.pdf.line(self.pdf.l_margin, y, self.pdf.l_margin + self.pdf.epw, y)
        self.pdf.ln(2)

    def clinic(self, clinic: Clinic) -> None:
        self.text(clinic.name, size=14)
        lines = list(clinic.address_lines)
        if clinic.phone:
            lines.append(_("Phone: %(phone)s") % {"phone": clinic.phone})
        if clinic.email:
            lines.append(_("Email: %(email)s") % {"email": clinic.email})
        if clinic.website:
            lines.append(clinic.website)
        for line in lines:
            self.text(line, size=9)
        self.pdf.ln(4)

    def output(self) -> bytes:
        return bytes(self.pdf.output())


def receipt_download(content: bytes, *, title: str) -> FileResponse:
    """A receipt's PDF as a download (never cached: it names the patient and what they bought)."""
    response = file_response(io.BytesIO(content), content_type="application/pdf", title=title, inline=False)
    response["Cache-Control"] = "private, no-store"
    return response


def payment_receipt_pdf(receipt: PaymentReceipt) -> bytes:
    def money(cents: int) -> str:
        return format_money(cents, receipt.currency)

    doc = _ReceiptPDF(_("Receipt %(number)s") % {"number": receipt.receipt_number})
    doc.clinic(receipt.clinic)
    doc.text(_("Payment receipt"), size=16, gap=1)
    doc.text(_("Receipt number: %(number)s") % {"number": receipt.receipt_number}, size=9)
    doc.text(_("Order: %(number)s") % {"number": receipt.order_number}, size=9)
    doc.text(_("Patient: %(name)s") % {"name": receipt.patient_name}, size=9)
    doc.text(_("Paid: %(when)s") % {"when": local_time(receipt.paid_at, receipt.clinic)}, size=9)
    if receipt.card:
        doc.text(_("Paid with: %(card)s") % {"card": receipt.card}, size=9)
    doc.pdf.ln(4)
    doc.row(_("Item"), _("Amount"), size=9)
    doc.rule()
    for line in receipt.lines:
        label = f"{line.quantity} × {line.name} ({money(line.unit_price_cents)} " + _("each") + ")"
        if not line.taxable:
            label += " — " + _("no tax")
        doc.row(label, money(line.amount_cents))
    doc.rule()
    doc.row(_("Subtotal"), money(receipt.subtotal_cents))
    tax_label = _("Tax %(rate)s%% on taxable items (%(taxable)s)") % {
        "rate": f"{receipt.tax_rate_percent:g}",
        "taxable": money(receipt.taxable_subtotal_cents),
    }
    doc.row(tax_label, money(receipt.tax_cents))
    doc.row(_("Total paid"), money(receipt.total_cents), size=12)
    if receipt.refunded_cents:
        doc.pdf.ln(3)
        doc.text(
            _("Refunded since: %(amount)s (each refund has a receipt of its own).")
            % {"amount": money(receipt.refunded_cents)},
            size=9,
        )
    return doc.output()


def refund_receipt_pdf(notice: RefundNotice, *, clinic: Clinic, patient_name: str) -> bytes:
    def money(cents: int) -> str:
        return format_money(cents, notice.currency)

    doc = _ReceiptPDF(_("Refund receipt %(number)s") % {"number": notice.receipt_number})
    doc.clinic(clinic)
    doc.text(_("Refund receipt"), size=16, gap=1)
    doc.text(_("Receipt number: %(number)s") % {"number": notice.receipt_number}, size=9)
    doc.text(_("Order: %(number)s") % {"number": notice.order_number}, size=9)
    doc.text(_("Patient: %(name)s") % {"name": patient_name}, size=9)
    doc.text(_("Refunded: %(when)s") % {"when": local_time(notice.refunded_at, clinic)}, size=9)
    doc.pdf.ln(4)
    doc.row(_("What was refunded"), _("Amount"), size=9)
    doc.rule()
    for line in notice.lines:
        doc.row(f"{line.quantity} × {line.name}", money(line.amount_cents))
    if not notice.lines:
        doc.row(_("An amount of the order"), money(notice.items_cents))
    doc.rule()
    doc.row(_("Items") if notice.by_items else _("Amount before tax"), money(notice.items_cents))
    doc.row(_("Tax refunded"), money(notice.tax_cents))
    doc.row(_("Total refunded"), money(notice.amount_cents), size=12)
    if notice.reason:
        doc.pdf.ln(2)
        doc.text(_("Reason: %(reason)s") % {"reason": notice.reason}, size=9)
    if notice.payment is not None:
        doc.pdf.ln(4)
        doc.text(_("Original payment"), size=11)
        doc.text(
            _("%(amount)s paid %(when)s")
            % {
                "amount": money(notice.payment.amount_cents),
                "when": local_time(notice.payment.paid_at, clinic),
            },
            size=9,
        )
        if notice.payment.card:
            doc.text(_("Paid with: %(card)s") % {"card": notice.payment.card}, size=9)
    doc.pdf.ln(2)
    if notice.in_full:
        doc.text(_("The payment has now been refunded in full."), size=9)
    else:
        doc.text(
            _("Refunded so far: %(so_far)s of the %(paid)s paid.")
            % {"so_far": money(notice.refunded_so_far_cents), "paid": money(notice.paid_cents)},
            size=9,
        )
    return doc.output()
