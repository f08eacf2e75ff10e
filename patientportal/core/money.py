"""Money is an integer number of minor units (cents) plus the clinic's
currency code. This module turns it into text and back; nothing else
formats or parses amounts."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

SYMBOLS = {"USD": "$", "CAD": "CA$", "AUD": "A$", "NZD": "NZ$", "EUR": "€", "GBP": "£", "CHF": "CHF "}


def format_money(cents: int, currency: str) -> str:
    """1250, "USD" → "$12.50"; negative amounts get a leading minus."""
    sign = "-" if cents < 0 else ""
    whole, minor = divmod(abs(cents), 100)
    return f"{sign}{SYMBOLS.get(currency, currency + ' ')}{whole:,}.{minor:02d}"


def parse_money(text: str) -> int:
    """ "12.5" or "1,234.50" → cents. Raises ValueError for anything else,
    including more than two decimals."""
    cleaned = text.strip().replace(",", "")
    for symbol in SYMBOLS.values():
        cleaned = cleaned.removeprefix(symbol.strip())
    try:
        amount = Decimal(cleaned.strip())
    except InvalidOperation:
        raise ValueError(f"not an amount: {text!r}") from None
    exponent = amount.as_tuple().exponent  # a letter ("n", "N", "F") only for NaN and infinity
    if not amount.is_finite() or not isinstance(exponent, int) or exponent < -2:
        raise ValueError(f"not an amount: {text!r}")
    return int((amount * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
