"""Tax, written once. The clinic's rate (basis points) applies to the sum of
the order's taxable lines, rounded half-up to the cent once per order:
one rounding, so the tax shown equals the rate applied to what is taxed."""


def tax_cents(*, taxable_subtotal_cents: int, rate_bp: int) -> int:
    return (taxable_subtotal_cents * rate_bp + 5_000) // 10_000
