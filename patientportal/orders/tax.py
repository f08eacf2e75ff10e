"""Tax, written once. The clinic's rate (basis points) applies to the sum of
the order's taxable lines, rounded half-up to the cent once per order:
one rounding, so the tax shown equals the rate applied to what is taxed.

Refunds give tax back in proportion to what the order charged (never by applying the
rate again, which could give back a cent more than was taken):

- items: the order's tax times the share of its taxable subtotal refunded by items *so far*,
  rounded half-up, minus the tax those earlier item refunds gave back. Refunding every item,
  in any number of steps, gives back exactly the tax charged; no rounding piles up.
- an amount (tax included): the amount times the order's tax over its total, rounded half-up.

Either way, never more than the tax not yet given back (`refund_tax_cents`)."""


def tax_cents(*, taxable_subtotal_cents: int, rate_bp: int) -> int:
    return (taxable_subtotal_cents * rate_bp + 5_000) // 10_000


def _share_half_up(value: int, numerator: int, denominator: int) -> int:
    """value × numerator / denominator, rounded half-up to a whole cent (all non-negative)."""
    if denominator <= 0:
        return 0
    return (2 * value * numerator + denominator) // (2 * denominator)


def item_refund_tax_cents(
    *, order_tax_cents: int, taxable_subtotal_cents: int, taxable_refunded_before_cents: int, taxable_cents: int
) -> int:
    """The tax given back with items whose taxable value is `taxable_cents`, after item refunds
    of `taxable_refunded_before_cents` of taxable value."""
    before = _share_half_up(order_tax_cents, taxable_refunded_before_cents, taxable_subtotal_cents)
    after = _share_half_up(order_tax_cents, taxable_refunded_before_cents + taxable_cents, taxable_subtotal_cents)
    return after - before


def amount_refund_tax_cents(*, amount_cents: int, order_tax_cents: int, order_total_cents: int) -> int:
    """The part of a refund of `amount_cents` (tax included) that is tax."""
    return _share_half_up(amount_cents, order_tax_cents, order_total_cents)


def refund_tax_cents(*, computed_cents: int, tax_left_cents: int, amount_cents: int) -> int:
    """The tax part actually recorded: never more than the tax not yet refunded, nor than the refund itself."""
    return max(0, min(computed_cents, tax_left_cents, amount_cents))
