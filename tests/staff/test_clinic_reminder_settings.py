"""A clinic's appointment reminder times, set by its owners and admins on the Clinic settings page:
48 and 2 hours before by default, up to three, none at all if the clinic wants; checked beside
each field and in the service; audited with the old and new times."""

import pytest
from django.core.exceptions import ValidationError

from patientportal.audit.models import AuditEvent
from patientportal.clinics.models import Clinic
from patientportal.clinics.services import clinic_settings_update
from tests.conftest import client_for
from tests.factories import ClinicFactory
from tests.staff.test_clinic_settings_page import URL, settings_form

pytestmark = pytest.mark.django_db


def reminder_hours(world) -> list[int]:
    return Clinic.objects.get(pk=world.clinic_a.pk).appointment_reminder_hours


def test_a_new_clinic_reminds_48_and_2_hours_before():
    assert ClinicFactory().appointment_reminder_hours == [48, 2]


def test_owners_set_up_to_three_times_kept_most_hours_first_and_audited(world):
    client = client_for(world.owner_a)
    page = client.get(URL)
    assert "Appointment reminders" in page.text
    assert 'name="first_reminder" value="48"' in page.text and 'name="second_reminder" value="2"' in page.text
    response = client.post(URL, settings_form(first_reminder="2", second_reminder="72", third_reminder="24"))
    assert response.status_code == 302
    assert reminder_hours(world) == [72, 24, 2]
    event = AuditEvent.objects.get(action="clinics.clinic.settings_changed", actor=world.owner_a)
    assert event.metadata["changes"]["appointment_reminder_hours"] == {"old": [48, 2], "new": [72, 24, 2]}
    assert 'name="first_reminder" value="72"' in client.get(URL).text


def test_leaving_every_box_empty_sends_no_reminders(world):
    client_for(world.owner_a).post(URL, settings_form(first_reminder="", second_reminder="", third_reminder=""))
    assert reminder_hours(world) == []


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"first_reminder": "0"}, "Ensure this value is greater than or equal to 1."),
        ({"second_reminder": "337"}, "Ensure this value is less than or equal to 336."),
        ({"second_reminder": "48"}, "Another reminder is already 48 hours before."),
        ({"third_reminder": "1.5"}, "Enter a whole number."),
    ],
)
def test_bad_times_are_refused_beside_the_field_and_nothing_is_saved(world, fields, message):
    response = client_for(world.owner_a).post(URL, settings_form(phone="+1 617-555-0199", **fields))
    assert response.status_code == 200
    assert "Nothing was saved. Please correct the fields marked below." in response.text
    assert message in response.text
    assert reminder_hours(world) == [48, 2]
    assert Clinic.objects.get(pk=world.clinic_a.pk).phone == ""


def test_the_service_checks_the_times_itself(world):
    for refused in ([1, 2, 3, 4], [0], [337], [2, 2], ["48"], [True]):
        with pytest.raises(ValidationError):
            clinic_settings_update(
                clinic=world.clinic_a, changes={"appointment_reminder_hours": refused}, actor=world.owner_a
            )
    # The same times in another order are no change at all.
    clinic_settings_update(clinic=world.clinic_a, changes={"appointment_reminder_hours": [2, 48]}, actor=world.owner_a)
    assert reminder_hours(world) == [48, 2]
    assert not AuditEvent.objects.filter(action="clinics.clinic.settings_changed").exists()
