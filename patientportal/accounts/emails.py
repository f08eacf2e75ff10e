"""The one email normalisation of the project.

Email addresses are compared after trimming surrounding white space and
lower-casing the ASCII letters A-Z only. Every other character must be
identical, code point for code point. No Unicode normalisation or
case-folding is applied, because both map some characters onto ASCII
look-alikes (NFC turns the Kelvin sign "K" into "K", the Angstrom sign "Å"
into "Å"; lower() turns "K" into "k"). So a Cyrillic "а", a dotless "ı" or a
Kelvin sign never equals a Latin letter here. It runs in Python, so SQLite
and PostgreSQL behave the same.
"""

_ASCII_UPPER_TO_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def normalize_email(address: str) -> str:
    return address.strip().translate(_ASCII_UPPER_TO_LOWER)


def emails_match(first: str, second: str) -> bool:
    return normalize_email(first) == normalize_email(second)
