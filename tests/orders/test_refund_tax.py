"""Tax given back with a partial refund (orders.tax): in proportion to what the order charged, in
whole cents rounded half-up, and never a cent more than was charged however the refunds are split."""

import itertools

import pytest

from patientportal.orders.tax import amount_refund_tax_cents, item_refund_tax_cents, refund_tax_cents, tax_cents


def items_tax(order_tax, taxable_subtotal, before, now):
    return item_refund_tax_cents(
        order_tax_cents=order_tax,
        taxable_subtotal_cents=taxable_subtotal,
        taxable_refunded_before_cents=before,
        taxable_cents=now,
    )


def test_an_item_gives_back_its_share_of_the_orders_tax_rounded_half_up():
    # Three taxable items of 10.00 at 7.25%: the order charged 2.18 (2.175 rounded half-up, once).
    order_tax = tax_cents(taxable_subtotal_cents=3000, rate_bp=725)
    assert order_tax == 218
    assert items_tax(order_tax, 3000, 0, 1000) == 73  # 218 / 3 = 72.67
    assert items_tax(order_tax, 3000, 1000, 1000) == 72  # 145.33 → 145, less the 73 given back
    assert items_tax(order_tax, 3000, 2000, 1000) == 73  # the last one brings the total to 218 exactly


@pytest.mark.parametrize("rate_bp", [725, 1000, 825, 1])
@pytest.mark.parametrize("prices", [(1000, 1000, 1000), (333, 333, 334), (1, 2, 999_97), (1999, 5, 1)])
def test_refunding_every_item_in_any_order_gives_back_exactly_the_tax_charged(rate_bp, prices):
    subtotal = sum(prices)
    order_tax = tax_cents(taxable_subtotal_cents=subtotal, rate_bp=rate_bp)
    for order in itertools.permutations(prices):
        before, given = 0, 0
        for price in order:
            given += items_tax(order_tax, subtotal, before, price)
            before += price
        assert given == order_tax, order


def test_an_amount_gives_back_its_share_of_the_order_total_as_tax():
    # An order of 30.00 + 2.18 tax = 32.18: 5.00 back carries 500 × 218 / 3218 = 33.87 → 0.34 of tax.
    assert amount_refund_tax_cents(amount_cents=500, order_tax_cents=218, order_total_cents=3218) == 34
    assert amount_refund_tax_cents(amount_cents=3218, order_tax_cents=218, order_total_cents=3218) == 218
    assert amount_refund_tax_cents(amount_cents=500, order_tax_cents=0, order_total_cents=3000) == 0
    assert amount_refund_tax_cents(amount_cents=500, order_tax_cents=0, order_total_cents=0) == 0


def test_the_tax_recorded_is_never_more_than_is_left_nor_more_than_the_refund():
    assert refund_tax_cents(computed_cents=73, tax_left_cents=10, amount_cents=1000) == 10
    assert refund_tax_cents(computed_cents=73, tax_left_cents=218, amount_cents=50) == 50
    assert refund_tax_cents(computed_cents=73, tax_left_cents=0, amount_cents=1000) == 0
