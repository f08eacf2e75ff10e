"""clinics.contact: which phone numbers and websites are accepted, the tel: link a phone taps,
and the address as envelope lines."""

import pytest
from django.core.exceptions import ValidationError

from patientportal.clinics.contact import postal_lines, tel_uri, validate_https_url, validate_phone
from tests.factories import ClinicFactory


@pytest.mark.parametrize(
    "phone",
    ["+1 617-555-0142", "(617) 555-0142", "617.555.0142", "+44 20 7946 0958", "617-555-0142 ext. 12", "5550142x3", ""],
)
def test_phone_numbers_as_people_write_them_are_accepted(phone):
    validate_phone(phone)


@pytest.mark.parametrize(
    ("phone", "code"),
    [
        ("call the desk", "phone_format"),
        ("617-555-0142!", "phone_format"),
        ("1+617 555 0142", "phone_format"),
        ("555-01", "phone_length"),
        ("+1 617 555 0142 0000 0000", "phone_length"),
    ],
)
def test_text_and_too_short_or_long_numbers_are_refused_with_a_reason(phone, code):
    with pytest.raises(ValidationError) as refused:
        validate_phone(phone)
    assert refused.value.code == code


@pytest.mark.parametrize(
    ("phone", "uri"),
    [
        ("+1 617-555-0142", "tel:+16175550142"),
        ("(617) 555-0142", "tel:6175550142"),
        ("+1 (617) 555-0142 ext. 12", "tel:+16175550142;ext=12"),
        ("", ""),
    ],
)
def test_the_tel_link_keeps_the_digits_the_plus_and_the_extension(phone, uri):
    assert tel_uri(phone) == uri


def test_only_https_websites_with_a_host_are_accepted():
    validate_https_url("https://alpha.example/contact")
    for bad in ("http://alpha.example", "https://", "javascript:alert(1)", "ftp://alpha.example"):
        with pytest.raises(ValidationError):
            validate_https_url(bad)


def test_the_address_leaves_out_empty_parts():
    assert postal_lines(
        street="1 Harbor Way", street_2="", city="Boston", region="MA", postal_code="02110", country="United States"
    ) == ["1 Harbor Way", "Boston, MA 02110", "United States"]
    assert postal_lines(street="", street_2="", city="", region="", postal_code="", country="") == []
    assert postal_lines(street="", street_2="", city="London", region="", postal_code="SW1A 1AA", country="") == [
        "London, SW1A 1AA"
    ]


def test_a_clinic_without_details_has_no_contact_to_show():
    clinic = ClinicFactory.build()
    assert not clinic.has_contact and clinic.contact_line == ""
    clinic.phone = "+1 617-555-0142"
    assert clinic.has_contact and clinic.contact_line == "Phone: +1 617-555-0142"
