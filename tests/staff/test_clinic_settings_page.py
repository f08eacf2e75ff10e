"""The clinic settings page: the clinic's owners and admins edit its contact details, time zone,
tax rate and unpaid-order delay; everyone else is refused the way the staff area refuses."""

import pytest
from django.test import Client

from patientportal.audit.models import AuditEvent
from patientportal.clinics.choices import Role
from patientportal.clinics.features import Plan
from patientportal.clinics.models import Clinic
from patientportal.scheduling.models import Location
from tests.conftest import client_for
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

URL = "/staff/alpha/settings/"


def settings_form(**overrides) -> dict:
    data = {
        "phone": "+1 617-555-0142",
        "email": "desk@alpha.example",
        "website": "https://alpha.example",
        "street": "1 Harbor Way",
        "street_2": "",
        "city": "Boston",
        "region": "MA",
        "postal_code": "02110",
        "country": "United States",
        "time_zone": "America/Chicago",
        "tax_rate": "8.25",
        "unpaid_order_hours": "48",
        # The reminder times as they are (the defaults): tests/staff/test_clinic_reminder_settings.py
        "first_reminder": "48",
        "second_reminder": "2",
        "third_reminder": "",
        # The appointment policy as it is (the defaults): tests/staff/test_clinic_appointment_policy.py
        "cancellation_window_hours": "24",
        "booking_horizon_weeks": "4",
    }
    return {**data, **overrides}


def test_anonymous_visitors_patients_and_other_clinics_staff_never_reach_the_page(world):
    anonymous = Client().get(URL)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/?next=")
    for outsider in (world.patient_user_1, world.owner_b):  # 404: they cannot tell the clinic exists
        assert client_for(outsider).get(URL).status_code == 404
        assert client_for(outsider).post(URL, settings_form()).status_code == 404
    assert Client().post(URL, settings_form()).status_code == 302
    assert Clinic.objects.get(pk=world.clinic_a.pk).phone == ""


@pytest.mark.parametrize("role", [Role.STAFF, Role.PROVIDER])
def test_staff_members_who_are_not_owners_or_admins_get_403_and_change_nothing(world, role):
    member = MembershipFactory(clinic=world.clinic_a, role=role).user
    client = client_for(member)
    assert client.get(URL).status_code == 403
    assert client.post(URL, settings_form()).status_code == 403
    assert Clinic.objects.get(pk=world.clinic_a.pk).phone == ""
    assert "Clinic settings" not in client.get("/staff/alpha/").text  # no link to a page they cannot open
    assert not AuditEvent.objects.filter(action="clinics.clinic.settings_changed").exists()


@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN])
def test_owners_and_admins_edit_contact_time_zone_tax_and_unpaid_delay(world, role):
    member = MembershipFactory(clinic=world.clinic_a, role=role).user
    client = client_for(member)
    home = client.get("/staff/alpha/")
    assert f'href="{URL}"' in home.text  # in the navigation and on the home page
    page = client.get(URL)
    assert page.status_code == 200
    assert 'value="0"' in page.text  # the tax rate in percent
    response = client.post(URL, settings_form(), follow=True)
    assert response.redirect_chain == [(URL, 302)]
    assert "Clinic settings saved." in response.text
    clinic = Clinic.objects.get(pk=world.clinic_a.pk)
    assert (clinic.phone, clinic.email, clinic.website, clinic.address_lines) == (
        "+1 617-555-0142",
        "desk@alpha.example",
        "https://alpha.example",
        ["1 Harbor Way", "Boston, MA 02110", "United States"],
    )
    assert (clinic.time_zone, clinic.tax_rate_bp, clinic.unpaid_order_hours) == ("America/Chicago", 825, 48)
    # The plan and add-ons stay the operator's, whatever is posted.
    client.post(URL, settings_form(plan=Plan.PROFESSIONAL, add_ons="[]", currency="EUR", name="Renamed"))
    clinic.refresh_from_db()
    assert (clinic.plan, clinic.add_ons, clinic.currency, clinic.name) == (
        Plan.PREMIUM,
        ["portal"],
        "USD",
        "Alpha Clinic",
    )
    # The page shows what patients see.
    assert 'href="tel:+16175550142"' in client.get(URL).text


def test_saving_records_one_audit_event_with_the_changes(world):
    client_for(world.owner_a).post(
        URL, settings_form(website="", street="", city="", region="", postal_code="", country="")
    )
    event = AuditEvent.objects.get(action="clinics.clinic.settings_changed")
    assert (event.actor_id, event.clinic_id) == (world.owner_a.pk, world.clinic_a.pk)
    assert event.metadata["fields"] == ["phone", "email", "time_zone", "tax_rate_bp", "unpaid_order_hours"]
    assert event.metadata["changes"]["unpaid_order_hours"] == {"old": 72, "new": 48}


def test_bad_values_get_a_message_beside_each_field_and_keep_what_was_typed(world):
    response = client_for(world.owner_a).post(
        URL,
        settings_form(
            phone="call us maybe",
            email="desk at alpha",
            website="http://alpha.example",
            tax_rate="101",
            unpaid_order_hours="0",
            city="Somerville",
        ),
    )
    assert response.status_code == 200
    text = response.text
    assert "Nothing was saved. Please correct the fields marked below." in text
    assert "Enter a phone number with digits, spaces and dashes" in text
    assert "Enter a valid email address." in text
    assert "starting with https://" in text
    assert "Ensure this value is less than or equal to 100." in text
    assert "Ensure this value is greater than or equal to 1." in text
    for typed in ("call us maybe", "desk at alpha", "http://alpha.example", "Somerville", 'value="101"'):
        assert typed in text
    assert '<option value="America/Chicago" selected>' in text
    clinic = Clinic.objects.get(pk=world.clinic_a.pk)
    assert (clinic.phone, clinic.city, clinic.tax_rate_bp) == ("", "", 0)
    assert not AuditEvent.objects.filter(action="clinics.clinic.settings_changed").exists()


def test_a_website_without_its_scheme_is_taken_as_https_and_a_tax_rate_has_two_decimals_at_most(world):
    client = client_for(world.owner_a)
    refused = client.post(URL, settings_form(tax_rate="8.255"))
    assert "Ensure that there are no more than 2 decimal places." in refused.text
    client.post(URL, settings_form(website="alpha.example", tax_rate="7"))
    clinic = Clinic.objects.get(pk=world.clinic_a.pk)
    assert (clinic.website, clinic.tax_rate_bp) == ("https://alpha.example", 700)


def test_a_location_gets_a_phone_checked_like_the_clinics(world):
    client = client_for(world.owner_a)
    refused = client.post(
        "/staff/alpha/setup/locations/new/", {"name": "North", "phone": "ask at desk", "active": "on"}
    )
    assert "Enter a phone number with digits, spaces and dashes" in refused.text
    assert "ask at desk" in refused.text
    client.post(
        "/staff/alpha/setup/locations/new/",
        {"name": "North", "address": "48 Oak Avenue", "phone": "+1 617-555-0143", "active": "on"},
    )
    location = Location.objects.get(name="North")
    assert (location.clinic, location.phone, location.phone_uri) == (
        world.clinic_a,
        "+1 617-555-0143",
        "tel:+16175550143",
    )
    assert "+1 617-555-0143" in client.get("/staff/alpha/setup/locations/").text


def test_owners_turn_self_booking_on_with_a_horizon_and_it_is_off_by_default(world):
    assert not world.clinic_a.patients_may_book_online and world.clinic_a.booking_horizon_weeks == 4
    client = client_for(world.owner_a)
    assert "Patients may book open times online" in client.get(URL).text
    client.post(URL, settings_form(patients_may_book_online="on", booking_horizon_weeks="6"))
    clinic = Clinic.objects.get(pk=world.clinic_a.pk)
    assert clinic.patients_may_book_online and clinic.booking_horizon_weeks == 6
    event = AuditEvent.objects.filter(action="clinics.clinic.settings_changed").latest("id")
    assert event.metadata["changes"]["booking_horizon_weeks"] == {"old": 4, "new": 6}
    refused = client.post(URL, settings_form(booking_horizon_weeks="27"))
    assert refused.status_code == 200 and Clinic.objects.get(pk=world.clinic_a.pk).booking_horizon_weeks == 6
