"""Appointment reminders in the browser, on a phone and a desktop, checked with axe: the owner sets
the clinic's reminder times on Clinic settings; the patient sees when reminders come on the
Appointments page and turns them off and on again."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from patientportal.scheduling.models import ReminderPreference
from tests.browser.conftest import check_page
from tests.browser.test_journeys import WIDTHS, sign_in
from tests.factories import AppointmentFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", WIDTHS)
def test_the_owner_sets_reminder_times_and_the_patient_turns_reminders_off_and_on(world, new_page, width):
    AppointmentFactory(patient=world.p1, starts_at=timezone.now() + datetime.timedelta(days=3))
    owner = new_page(width)
    sign_in(owner, "owner@alpha.example")
    owner.goto("/staff/alpha/settings/")
    reminders = owner.get_by_role("group", name="Appointment reminders")
    expect(reminders.get_by_label("First reminder")).to_have_value("48")
    reminders.get_by_label("First reminder").fill("24")
    reminders.get_by_label("Third reminder").fill("2")  # the same as the second: refused beside it
    owner.get_by_role("button", name="Save settings").click()
    expect(owner.get_by_text("Another reminder is already 2 hours before.")).to_be_visible()
    expect(owner.get_by_label("First reminder")).to_have_value("24")
    check_page(owner, "staff-clinic-settings-reminders-error")
    owner.get_by_label("Third reminder").fill("")
    owner.get_by_role("button", name="Save settings").click()
    expect(owner.get_by_text("Clinic settings saved.")).to_be_visible()
    expect(owner.get_by_label("First reminder")).to_have_value("24")

    patient = new_page(width)
    sign_in(patient, "paula@example.com")
    patient.get_by_role("navigation", name="Portal").get_by_role("link", name="Appointments").click()
    section = patient.get_by_role("region", name="Email reminders")
    expect(section).to_contain_text("24 hours and 2 hours before each one")
    check_page(patient, "portal-appointments-reminders-on")
    section.get_by_role("button", name="Turn reminders off").click()
    expect(patient.get_by_text("Email reminders are off.")).to_be_visible()
    expect(patient.get_by_role("region", name="Email reminders")).to_contain_text("Off.")
    check_page(patient, "portal-appointments-reminders-off")
    assert ReminderPreference.objects.get(user=world.patient_user_1, patient=world.p1).reminders is False
    patient.get_by_role("button", name="Turn reminders on").click()
    expect(patient.get_by_text("Email reminders are on.")).to_be_visible()
    assert ReminderPreference.objects.get(user=world.patient_user_1, patient=world.p1).reminders is True
