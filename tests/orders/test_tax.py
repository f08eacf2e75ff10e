import pytest

from patientportal.orders.tax import tax_cents


@pytest.mark.parametrize(
    ("taxable", "rate_bp", "expected"),
    [
        (1000, 725, 73),  # 72.5 rounds half up
        (1600, 725, 116),
        (999, 825, 82),  # 82.4175
        (1, 5000, 1),  # 0.5 rounds up
        (1, 4999, 0),
        (0, 725, 0),
        (12345, 0, 0),
        (10000, 10000, 10000),
    ],
)
def test_tax_is_the_rate_on_the_taxable_sum_rounded_half_up_once(taxable, rate_bp, expected):
    assert tax_cents(taxable_subtotal_cents=taxable, rate_bp=rate_bp) == expected
