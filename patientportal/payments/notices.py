"""What a patient is told about a refund, as data: the order, the lines given back, the tax and
the total. The refund notice email renders it; a formal receipt can build on the same content."""

import datetime
from dataclasses import dataclass

from patientportal.payments.choices import RefundKind
from patientportal.payments.models import Refund


@dataclass(frozen=True)
class RefundNoticeLine:
    name: str
    quantity: int
    amount_cents: int  # before tax


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

    @property
    def in_full(self) -> bool:
        return self.refunded_so_far_cents >= self.paid_cents

    @property
    def by_items(self) -> bool:
        return self.kind == RefundKind.ITEMS


def refund_notice(refund: Refund) -> RefundNotice:
    """The content of what the patient is told about this refund."""
    payment = refund.payment
    order = payment.order
    earlier = payment.refunds.filter(pk__lte=refund.pk)
    return RefundNotice(
        clinic_name=order.clinic.name,
        order_id=order.pk,
        order_number=order.number,
        currency=payment.currency,
        refunded_at=refund.created_at,
        kind=refund.kind,
        lines=[
            RefundNoticeLine(name=line.order_item.name, quantity=line.quantity, amount_cents=line.amount_cents)
            for line in refund.items.select_related("order_item")
        ],
        items_cents=refund.items_cents,
        tax_cents=refund.tax_cents,
        amount_cents=refund.amount_cents,
        reason=refund.reason,
        refunded_so_far_cents=sum(earlier.values_list("amount_cents", flat=True)),
        paid_cents=payment.amount_cents,
    )
