"""What a patient is told about a payment and a refund, as data: the payment receipt (the order's
items, the tax, the total, the card) and the refund receipt (the lines given back, the tax, the
amount, the payment it came from). The receipt emails, the printable pages and the PDFs
(`payments.receipts`) all render the same content, so they cannot disagree."""

import datetime
from dataclasses import dataclass

from patientportal.clinics.models import Clinic
from patientportal.orders.models import OrderItem
from patientportal.payments.choices import PaymentAttemptStatus, RefundKind
from patientportal.payments.models import Payment, Refund


def restricted_kind(item: OrderItem) -> str:
    """ "prescription" or "consultation" for an item that needs one, else "". An email names such an
    item only by this word (what a patient is prescribed is health information; an email can be read
    by whoever else opens the mailbox); the signed-in page and the PDF name it in full."""
    if item.requires_prescription:
        return "prescription"
    if item.requires_consultation:
        return "consultation"
    return ""


@dataclass(frozen=True)
class RefundNoticeLine:
    name: str
    quantity: int
    amount_cents: int  # before tax
    restricted: str = ""  # restricted_kind(): how an email names the item


@dataclass(frozen=True)
class OriginalPayment:
    """The payment a refund gives back from, as its refund receipt names it."""

    paid_at: datetime.datetime
    amount_cents: int
    card: str  # "Visa ending in 4242", or "" when the provider did not say


@dataclass(frozen=True)
class RefundNotice:
    clinic_name: str
    order_id: int
    order_number: str
    currency: str
    refunded_at: datetime.datetime
    kind: str
    lines: list[RefundNoticeLine]
    items_cents: int  # the refund less its tax
    tax_cents: int
    amount_cents: int  # what was given back, tax included
    reason: str
    refunded_so_far_cents: int  # this refund and the earlier ones of the same payment
    paid_cents: int  # what the payment took
    refund_id: int = 0
    sequence: int = 1  # the first, second, ... refund of its payment
    payment: OriginalPayment | None = None

    @property
    def in_full(self) -> bool:
        return self.refunded_so_far_cents >= self.paid_cents

    @property
    def by_items(self) -> bool:
        return self.kind == RefundKind.ITEMS

    @property
    def receipt_number(self) -> str:
        return f"{self.order_number}-R{self.sequence}"


def _original_payment(payment: Payment) -> OriginalPayment:
    order = payment.order
    # When the order was paid; a payment that never paid its order (given back at once because the order
    # could not take it) has no such time: when it last changed stands in.
    return OriginalPayment(
        paid_at=order.paid_at or payment.updated_at, amount_cents=payment.amount_cents, card=payment.card_label
    )


def refund_notice(refund: Refund) -> RefundNotice:
    """The content of what the patient is told about this refund (its email, page and PDF)."""
    payment = refund.payment
    order = payment.order
    earlier = list(payment.refunds.filter(pk__lte=refund.pk).values_list("amount_cents", flat=True))
    return RefundNotice(
        clinic_name=order.clinic.name,
        order_id=order.pk,
        order_number=order.number,
        currency=payment.currency,
        refunded_at=refund.created_at,
        kind=refund.kind,
        lines=[
            RefundNoticeLine(
                name=line.order_item.name,
                quantity=line.quantity,
                amount_cents=line.amount_cents,
                restricted=restricted_kind(line.order_item),
            )
            for line in refund.items.select_related("order_item")
        ],
        items_cents=refund.items_cents,
        tax_cents=refund.tax_cents,
        amount_cents=refund.amount_cents,
        reason=refund.reason,
        refunded_so_far_cents=sum(earlier),
        paid_cents=payment.amount_cents,
        refund_id=refund.pk,
        sequence=len(earlier),
        payment=_original_payment(payment),
    )


@dataclass(frozen=True)
class ReceiptLine:
    name: str
    quantity: int
    unit_price_cents: int
    amount_cents: int  # quantity × unit price, before tax
    taxable: bool
    restricted: str = ""  # restricted_kind(): how an email names the item


@dataclass(frozen=True)
class PaymentReceipt:
    """What a payment receipt says: who was paid (the clinic, with its address and contact), for
    what (the order's items, taxable or not), the tax, the total, when, and with which card."""

    clinic: Clinic
    order_id: int
    order_number: str
    patient_name: str  # the page and the PDF name the patient (an HSA/FSA claim needs it); the email does not
    currency: str
    paid_at: datetime.datetime
    lines: list[ReceiptLine]
    subtotal_cents: int
    taxable_subtotal_cents: int
    tax_rate_percent: float
    tax_cents: int
    total_cents: int
    card: str  # "Visa ending in 4242", or "" when the provider did not say
    refunded_cents: int  # given back since (each refund has a receipt of its own)

    @property
    def receipt_number(self) -> str:
        return f"{self.order_number}-P"


# A payment that paid its order: succeeded, or refunded since (its receipt still stands).
RECEIPTED = (PaymentAttemptStatus.SUCCEEDED, PaymentAttemptStatus.REFUNDED)


def payment_receipt(payment: Payment) -> PaymentReceipt:
    """The content of the receipt for a payment that paid its order."""
    order = payment.order
    return PaymentReceipt(
        clinic=order.clinic,
        order_id=order.pk,
        order_number=order.number,
        patient_name=order.patient.full_name,
        currency=payment.currency,
        paid_at=order.paid_at or payment.updated_at,
        lines=[
            ReceiptLine(
                name=item.name,
                quantity=item.quantity,
                unit_price_cents=item.unit_price_cents,
                amount_cents=item.line_total_cents,
                taxable=item.taxable,
                restricted=restricted_kind(item),
            )
            for item in order.items.all()
        ],
        subtotal_cents=order.subtotal_cents,
        taxable_subtotal_cents=order.taxable_subtotal_cents,
        tax_rate_percent=order.tax_rate_percent,
        tax_cents=order.tax_cents,
        total_cents=payment.amount_cents,
        card=payment.card_label,
        refunded_cents=sum(refund.amount_cents for refund in payment.refunds.all()),
    )
