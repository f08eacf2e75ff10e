"""How a clinic (or one of its locations) is reached: the checks on a phone number and a
website, the `tel:` link a phone can tap, and the address and one-line forms the portal
pages and the patients' emails show (templates: clinics/includes/contact.html and .txt)."""

import re
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# What a phone number may hold as typed: digits, spaces, dashes, dots, brackets, a leading
# "+", and an extension ("ext. 12", "x12"). Lenient on layout, strict on content.
PHONE_PATTERN = re.compile(r"^\+?[0-9 ().\-]+(?:\s*(?:ext\.?|x|#)\s*[0-9]{1,6})?$", re.IGNORECASE)
EXTENSION = re.compile(r"(?:ext\.?|x|#)\s*([0-9]{1,6})$", re.IGNORECASE)
# A local number has at least 7 digits; E.164 allows at most 15 with the country code.
PHONE_DIGITS = (7, 15)


def validate_phone(value: str) -> None:
    if not value:
        return
    number, _extension = split_extension(value)
    digits = re.sub(r"\D", "", number)
    if not PHONE_PATTERN.match(value.strip()):
        raise ValidationError(
            gettext_lazy(
                "Enter a phone number with digits, spaces and dashes, e.g. +1 617-555-0142 or (617) 555-0142."
            ),
            code="phone_format",
        )
    low, high = PHONE_DIGITS
    if not low <= len(digits) <= high:
        raise ValidationError(
            gettext_lazy("A phone number has from %(low)s to %(high)s digits (this one has %(count)s)."),
            code="phone_length",
            params={"low": low, "high": high, "count": len(digits)},
        )


def validate_https_url(value: str) -> None:
    """Patients follow this link from the portal and from emails: only https, with a host."""
    if not value:
        return
    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.hostname:
        raise ValidationError(
            gettext_lazy("Enter the full address of the website, starting with https://"), code="https_only"
        )


def split_extension(phone: str) -> tuple[str, str]:
    """("+1 617-555-0142", "12") from "+1 617-555-0142 ext. 12"; the extension is "" when there is none."""
    text = phone.strip()
    match = EXTENSION.search(text)
    if match is None:
        return text, ""
    return text[: match.start()].strip(), match.group(1)


def tel_uri(phone: str) -> str:
    """The `tel:` link for a number as typed (RFC 3966): its digits, the "+" of an international
    number and an extension; "" when there is no number. A number typed without its country code
    stays local, as typed (`tel:6175550142`): phones dial it in their own country."""
    number, extension = split_extension(phone)
    digits = re.sub(r"\D", "", number)
    if not digits:
        return ""
    uri = f"tel:{'+' if number.startswith('+') else ''}{digits}"
    return f"{uri};ext={extension}" if extension else uri


def postal_lines(*, street: str, street_2: str, city: str, region: str, postal_code: str, country: str) -> list[str]:
    """The address as the lines of an envelope: street lines, "City, Region Postal code", country.
    Empty parts are left out; no lines at all when nothing is filled in."""
    place = ", ".join(part for part in (city, " ".join(part for part in (region, postal_code) if part)) if part)
    return [line for line in (street, street_2, place, country) if line]


def contact_sentence(*, phone: str, email: str) -> str:
    """ "Phone: … · Email: …" for plain-text places such as a message at the top of a page."""
    parts = []
    if phone:
        parts.append(_("Phone: %(phone)s") % {"phone": phone})
    if email:
        parts.append(_("Email: %(email)s") % {"email": email})
    return " · ".join(parts)
