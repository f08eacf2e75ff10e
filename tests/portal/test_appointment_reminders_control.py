"""The Appointments page's email reminder control: each account turns reminders on or off for the
record it is using (a parent may keep a child's and drop their own); audited; the page says when
reminders come, or that the clinic sends none."""

import pytest
from django.test import Client

from patientportal.audit.models import AuditEvent
from patientportal.scheduling.models import ReminderPreference
from tests.conftest import client_for
from tests.factories import PortalAccessFactory

pytestmark = pytest.mark.django_db

URL = "/portal/appointments/reminders/"
PAGE = "/portal/appointments/"


def choices() -> set[tuple[int, int, bool]]:
    return set(ReminderPreference.objects.values_list("user_id", "patient_id", "reminders"))


def test_the_choice_is_the_accounts_own_for_the_record_in_use_and_nobody_elses(world):
    anonymous = Client().post(URL, {"reminders": "off"})
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")
    guardian = PortalAccessFactory(patient=world.p1, user__email="guardian@example.com").user
    client = client_for(world.patient_user_1)
    response = client.post(URL, {"reminders": "off"}, follow=True)
    assert response.redirect_chain == [(PAGE + "#reminders", 302)]
    assert "Email reminders are off. You are still emailed when the clinic books, changes or cancels a visit." in (
        response.text
    )
    assert choices() == {(world.patient_user_1.pk, world.p1.pk, False)}  # not Peter's, not the guardian's
    assert "Turn reminders on" in response.text and "Turn reminders off" not in response.text
    assert "Turn reminders off" in client_for(guardian).get(PAGE).text
    event = AuditEvent.objects.get(action="scheduling.reminders.turned_off")
    assert (event.actor_id, event.patient_id) == (world.patient_user_1.pk, world.p1.pk)
    assert event.clinic_id == world.clinic_a.pk
    client.post(URL, {"reminders": "off"})  # again: nothing changes, nothing more is audited
    client.post(URL, {"reminders": "on"})
    assert choices() == {(world.patient_user_1.pk, world.p1.pk, True)}
    assert AuditEvent.objects.filter(action__startswith="scheduling.reminders.").count() == 2
    assert client.get(URL).status_code == 405


def test_anything_but_on_or_off_changes_nothing(world):
    client = client_for(world.patient_user_1)
    for value in ("", "maybe", "OFF"):
        assert client.post(URL, {"reminders": value}).status_code == 302
    assert choices() == set()


def test_a_parent_turns_off_their_own_reminders_and_keeps_the_childs(world):
    child = PortalAccessFactory(user=world.patient_user_1, patient__clinic=world.clinic_b).patient
    client = client_for(world.patient_user_1)
    client.post(URL, {"reminders": "off"})  # the record in use: Paula's own, linked first
    client.post("/portal/switch/", {"access": world.patient_user_1.portal_accesses.get(patient=child).pk})
    page = client.get(PAGE)
    assert f"reminder of {child.full_name}’s appointments 48 hours and 2 hours before each one" in page.text
    assert choices() == {(world.patient_user_1.pk, world.p1.pk, False)}


def test_the_page_says_when_reminders_come_or_that_the_clinic_sends_none(world):
    client = client_for(world.patient_user_1)
    page = client.get(PAGE)
    assert "You are emailed a reminder of Paula One’s appointments 48 hours and 2 hours before each one" in page.text
    assert "Emails about a booking, a change or a cancellation are always sent." in page.text
    assert 'id="reminders"' not in client.get(PAGE + "?tab=past").text  # only with the upcoming visits
    world.clinic_a.appointment_reminder_hours = [24]
    world.clinic_a.save()
    assert "appointments 24 hours before each one" in client.get(PAGE).text
    world.clinic_a.appointment_reminder_hours = []
    world.clinic_a.save()
    page = client.get(PAGE)
    assert "Alpha Clinic does not send email reminders." in page.text
    assert "Turn reminders" not in page.text
