"""Refunding some of an order's items: what the chosen items are worth with their share of the
tax (`orders.tax`), and marking them refunded, back in stock when staff say so. The money itself
moves in `payments.refunds`, which calls these with the order locked."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.db.models import F

from patientportal.accounts.models import User
from patientportal.catalog.choices import StockReason
from patientportal.catalog.services import stock_adjust
from patientportal.orders.errors import OrderError
from patientportal.orders.models import Order, OrderItem
from patientportal.orders.tax import item_refund_tax_cents


@dataclass(frozen=True)
class RefundLine:
    item: OrderItem
    quantity: int

    @property
    def amount_cents(self) -> int:
        return self.quantity * self.item.unit_price_cents


@dataclass(frozen=True)
class ItemsQuote:
    """What refunding `lines` gives back: the items' prices and their share of the order's tax."""

    lines: list[RefundLine]
    items_cents: int
    tax_cents: int

    @property
    def total_cents(self) -> int:
        return self.items_cents + self.tax_cents


def order_items_quote(*, order: Order, quantities: Mapping[int, int]) -> ItemsQuote:
    """The refund of these quantities of the order's items (item id → quantity; zeros are left out).
    Refused (OrderError) for an item of another order or more than is left to refund of one."""
    items = {item.pk: item for item in order.items.all()}
    lines: list[RefundLine] = []
    for item_id, quantity in sorted(quantities.items()):
        if quantity <= 0:
            continue
        item = items.get(item_id)
        if item is None:
            raise OrderError("refund_unknown_item")
        if quantity > item.refundable_quantity:
            raise OrderError("refund_too_many", left=item.refundable_quantity, item=item.name)
        lines.append(RefundLine(item=item, quantity=quantity))
    taxable_before = sum(item.refunded_quantity * item.unit_price_cents for item in items.values() if item.taxable)
    tax = item_refund_tax_cents(
        order_tax_cents=order.tax_cents,
        taxable_subtotal_cents=order.taxable_subtotal_cents,
        taxable_refunded_before_cents=taxable_before,
        taxable_cents=sum(line.amount_cents for line in lines if line.item.taxable),
    )
    return ItemsQuote(lines=lines, items_cents=sum(line.amount_cents for line in lines), tax_cents=tax)


def order_items_refund(*, order: Order, lines: Sequence[RefundLine], restock: bool, actor: User) -> None:
    """Mark the lines refunded on a locked order, each with a conditional update (never more than
    was ordered, whatever races), and put them back in stock if staff say so."""
    for line in lines:
        moved = OrderItem.objects.filter(
            pk=line.item.pk, order=order, refunded_quantity__lte=F("quantity") - line.quantity
        ).update(refunded_quantity=F("refunded_quantity") + line.quantity)
        if not moved:
            raise OrderError("refund_too_many", left=line.item.refundable_quantity, item=line.item.name)
        if restock and line.item.stock_tracked and line.item.product is not None:
            stock_adjust(
                product=line.item.product,
                change=line.quantity,
                reason=StockReason.RETURN,
                actor=actor,
                order_id=order.pk,
                note=f"Order {order.number}: refunded and put back",
            )
