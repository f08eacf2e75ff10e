"""The one email normalisation of the project.

Email addresses are compared after: trimming surrounding white space, Unicode
NFC composition, and lower-casing the ASCII letters A-Z only. Every other
character must be identical. Full Unicode case-folding is deliberately not
used: it maps some characters onto ASCII look-alikes (the Kelvin sign "K"
lower-cases to "k"), so "a Cyrillic а" or "a dotless ı" would never match a
Latin "a" or "i" here, and no database collation is involved, so SQLite and
PostgreSQL agree.
"""

import unicodedata

_ASCII_UPPER_TO_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def normalize_email(address: str) -> str:
    return unicodedata.normalize("NFC", address.strip()).translate(_ASCII_UPPER_TO_LOWER)


def emails_match(first: str, second: str) -> bool:
    return normalize_email(first) == normalize_email(second)
