"""Booking, changing and cancelling a visit emails the patient and every account with access to
the record: HTML and text, the visit in the clinic's time zone (named), what changed, the
clinic's contact, and a valid .ics with an alarm. Nothing else about the patient's health."""

import datetime

import pytest
from django.core import mail
from icalendar import Calendar

from patientportal.audit.models import AuditEvent
from patientportal.core.models import EmailDelivery
from patientportal.patients.choices import PortalStatus
from patientportal.patients.models import Patient
from patientportal.scheduling.calendar import appointment_uid
from patientportal.scheduling.choices import AppointmentStatus
from patientportal.scheduling.errors import SchedulingError
from patientportal.scheduling.services import (
    appointment_cancel,
    appointment_set_status,
    appointment_update,
    reminder_preference_set,
)
from tests.conftest import client_for
from tests.factories import AppointmentTypeFactory, LocationFactory, PortalAccessFactory, ProviderFactory
from tests.scheduling.helpers import HOUR, book, calendar_of, emails_from, event_of, setup_for, with_contact

pytestmark = pytest.mark.django_db

# Monday, March 4, 2030, 9:00 AM in New York (EST), Alpha Clinic's time zone.
NINE = datetime.datetime(2030, 3, 4, 14, 0, tzinfo=datetime.UTC)
WHEN = "Monday, March 4, 2030 at 9:00 AM EST (America/New_York)"


@pytest.fixture
def setup(world):
    with_contact(world.clinic_a)
    return setup_for(world.clinic_a)


@pytest.fixture
def booked(world, setup, django_capture_on_commit_callbacks):
    """Paula's visit, booked with `patient_notes` and internal notes; the emails it sent."""
    appointment = None

    def action():
        nonlocal appointment
        appointment = book(
            world.staff_a,
            world.p1,
            setup,
            NINE,
            patient_notes="Please come fasting.",
            internal_notes="Anxious about needles.",
        )

    messages = emails_from(django_capture_on_commit_callbacks, action)
    return appointment, messages


def test_booking_emails_the_records_address_and_every_account_with_access_once_each(
    world, setup, django_capture_on_commit_callbacks
):
    guardian = PortalAccessFactory(patient=world.p1, user__email="guardian@example.com").user
    PortalAccessFactory(patient=world.p1, user__email=world.p1.email.upper())  # the record's own address
    messages = emails_from(django_capture_on_commit_callbacks, lambda: book(world.staff_a, world.p1, setup, NINE))
    assert sorted(message.to[0].lower() for message in messages) == sorted(
        ["paula@example.com", guardian.email, world.p1.email]
    )
    assert all(len(message.to) == 1 for message in messages)  # one email each: no one sees the others' addresses


def test_the_booked_email_names_the_visit_in_the_clinics_time_zone_and_ends_with_the_contact(booked):
    _appointment, messages = booked
    message = next(message for message in messages if message.to == ["paula@example.com"])
    assert message.subject == "[Patient Portal] Appointment booked: Mon, Mar 4, 9:00 AM EST at Alpha Clinic"
    html = message.alternatives[0][0]
    for part in (message.body, html):
        for expected in ("Alpha Clinic has booked an appointment for Paula One.", "Check-up (30 minutes)", WHEN):
            assert expected in part, expected
        assert "Dr. Ana Ruiz, MD" in part and "Main Street Clinic, 120 Main Street" in part
        assert "Need to change or cancel it? Contact the clinic:" in part
        # The clinic's notes and internal notes stay out of email (health details): the portal shows them.
        assert "fasting" not in part and "needles" not in part.lower()
    assert 'href="tel:+16175550142"' in html and 'href="mailto:desk@alpha.example"' in html
    for line in ("Alpha Clinic", "Phone: +1 617-555-0142", "Email: desk@alpha.example", "Boston, MA 02110"):
        assert f"\n{line}" in message.body, line
    assert "<" not in message.body


def test_an_account_gets_a_link_that_opens_the_record_and_the_records_own_address_gets_none(world, booked):
    _appointment, messages = booked
    by_address = {message.to[0]: message for message in messages}
    assert set(by_address) == {"paula@example.com", world.p1.email}
    account = by_address["paula@example.com"]
    assert "/portal/appointments/?record=" in account.body
    record_address = by_address[world.p1.email]
    assert "/portal/" not in record_address.body and "/portal/" not in record_address.alternatives[0][0]


def test_every_email_carries_a_valid_calendar_file_with_an_alarm_and_the_same_uid(
    world, setup, booked, django_capture_on_commit_callbacks, settings
):
    appointment, messages = booked
    event = event_of(messages[0])
    assert str(event["uid"]) == appointment_uid(appointment)
    assert event.decoded("dtstart") == NINE and event.decoded("dtend") == NINE + datetime.timedelta(minutes=30)
    assert str(event["summary"]) == "Check-up — Alpha Clinic"
    assert str(event["location"]) == "Main Street Clinic, 120 Main Street"
    assert "fasting" not in str(event["description"])  # the downloadable file keeps them; the emailed one does not
    [alarm] = event.walk("VALARM")
    # At the clinic's last email reminder (2 hours before, by default).
    assert (str(alarm["action"]), alarm.decoded("trigger")) == ("DISPLAY", -2 * HOUR)
    assert calendar_of(messages[0])["method"] == "PUBLISH"

    later = NINE + 3 * HOUR
    changed = emails_from(
        django_capture_on_commit_callbacks,
        lambda: appointment_update(appointment=appointment, changes={"starts_at": later}, actor=world.staff_a),
    )
    moved = event_of(changed[0])
    assert str(moved["uid"]) == str(event["uid"]) and moved.decoded("dtstart") == later
    assert int(moved["sequence"]) >= int(event["sequence"])
    assert len(moved.walk("VALARM")) == 1


def test_the_calendar_files_alarm_follows_the_clinics_last_reminder(world, setup, django_capture_on_commit_callbacks):
    world.clinic_a.appointment_reminder_hours = [72, 24]
    world.clinic_a.save()
    [message, *_] = emails_from(django_capture_on_commit_callbacks, lambda: book(world.staff_a, world.p1, setup, NINE))
    assert event_of(message).walk("VALARM")[0].decoded("trigger") == -24 * HOUR
    world.clinic_a.appointment_reminder_hours = []  # no email reminders: the calendar still rings 2 hours before
    world.clinic_a.save()
    [message, *_] = emails_from(
        django_capture_on_commit_callbacks, lambda: book(world.staff_a, world.p2, setup, NINE + 2 * HOUR)
    )
    assert event_of(message).walk("VALARM")[0].decoded("trigger") == -2 * HOUR


def test_a_change_says_what_changed_and_nothing_else(world, setup, booked, django_capture_on_commit_callbacks):
    appointment, _messages = booked
    other = ProviderFactory(clinic=world.clinic_a, name="Sam Lee", credentials="NP")
    messages = emails_from(
        django_capture_on_commit_callbacks,
        lambda: appointment_update(
            appointment=appointment,
            changes={"starts_at": NINE + 26 * HOUR, "provider": other, "internal_notes": "changed"},
            actor=world.staff_a,
        ),
    )
    assert len(messages) == 2
    message = next(message for message in messages if message.to == ["paula@example.com"])
    assert message.subject == "[Patient Portal] Appointment changed: now Tue, Mar 5, 11:00 AM EST at Alpha Clinic"
    assert "Alpha Clinic has changed the appointment of Paula One." in message.body
    assert (
        f"- Time: now Tuesday, March 5, 2030 at 11:00 AM EST (America/New_York), 30 minutes (was {WHEN}, 30 minutes)"
    ) in message.body
    assert "- Provider: now Sam Lee, NP (was Dr. Ana Ruiz, MD)" in message.body
    assert "Location:" not in message.body and "Appointment type:" not in message.body
    assert "Provider: now <strong>Sam Lee, NP</strong> (was Dr. Ana Ruiz, MD)" in message.alternatives[0][0]
    assert "Questions? Contact the clinic:" in message.body and "Phone: +1 617-555-0142" in message.body
    assert event_of(message).decoded("dtstart") == NINE + 26 * HOUR


def test_a_location_taken_off_and_a_new_type_are_named(world, setup, booked, django_capture_on_commit_callbacks):
    appointment, _messages = booked
    new_type = AppointmentTypeFactory(clinic=world.clinic_a, name="Follow-up", duration_minutes=30)
    [message, *_] = emails_from(
        django_capture_on_commit_callbacks,
        lambda: appointment_update(
            appointment=appointment, changes={"location": None, "appointment_type": new_type}, actor=world.staff_a
        ),
    )
    assert "- Location: now not given (was Main Street Clinic, 120 Main Street)" in message.body
    assert "- Appointment type: now Follow-up (was Check-up)" in message.body
    assert "Time:" not in message.body


def test_notes_and_status_moves_other_than_cancelling_send_nothing(
    world, setup, booked, django_capture_on_commit_callbacks
):
    appointment, _messages = booked
    assert (
        emails_from(
            django_capture_on_commit_callbacks,
            lambda: appointment_update(
                appointment=appointment, changes={"patient_notes": "Bring your inhaler."}, actor=world.staff_a
            ),
        )
        == []
    )
    confirmed = AppointmentStatus.CONFIRMED
    assert (
        emails_from(
            django_capture_on_commit_callbacks,
            lambda: appointment_set_status(appointment=appointment, to=confirmed, actor=world.staff_a),
        )
        == []
    )


def test_a_cancellation_is_emailed_with_a_calendar_file_that_cancels_the_event(
    world, setup, booked, django_capture_on_commit_callbacks
):
    appointment, _messages = booked
    messages = emails_from(
        django_capture_on_commit_callbacks, lambda: appointment_cancel(appointment=appointment, actor=world.staff_a)
    )
    assert len(messages) == 2
    message = next(message for message in messages if message.to == ["paula@example.com"])
    assert message.subject == "[Patient Portal] Appointment cancelled: Mon, Mar 4, 9:00 AM EST at Alpha Clinic"
    assert "Alpha Clinic has cancelled this appointment of Paula One." in message.body
    assert WHEN in message.body and "To book another time, contact the clinic:" in message.body
    assert 'href="tel:+16175550142"' in message.alternatives[0][0]
    event = event_of(message)
    assert (str(event["uid"]), str(event["status"])) == (appointment_uid(appointment), "CANCELLED")
    # A calendar that keeps the cancelled event must not ring for it.
    assert event.walk("VALARM") == []
    assert AuditEvent.objects.get(action="scheduling.appointment.cancellation_emailed").metadata == {"emails": 2}


def test_a_visit_entered_after_the_fact_is_not_emailed(world, setup, django_capture_on_commit_callbacks):
    def past_visit():
        appointment = book(world.staff_a, world.p1, setup, datetime.datetime(2020, 1, 6, 15, 0, tzinfo=datetime.UTC))
        appointment_cancel(appointment=appointment, actor=world.staff_a)

    assert emails_from(django_capture_on_commit_callbacks, past_visit) == []
    assert AuditEvent.objects.get(action="scheduling.appointment.booked").metadata == {"emails": 0}


def test_a_refused_booking_sends_nothing_and_keeps_no_delivery(
    world, setup, booked, django_capture_on_commit_callbacks
):
    def clash():
        with pytest.raises(SchedulingError):
            book(world.staff_a, world.p2, setup, NINE)

    assert emails_from(django_capture_on_commit_callbacks, clash) == []
    assert EmailDelivery.objects.count() == 2  # the first booking's two


def test_emails_are_deliveries_about_the_appointment_and_the_booking_audit_counts_them(booked):
    appointment, _messages = booked
    deliveries = EmailDelivery.objects.filter(about_type="scheduling.appointment", about_id=str(appointment.pk))
    assert sorted(deliveries.values_list("kind", "status")) == [
        ("scheduling/email/appointment_booked", "sent"),
        ("scheduling/email/appointment_booked", "sent"),
    ]
    assert AuditEvent.objects.get(action="scheduling.appointment.booked").metadata == {"emails": 2}


def test_turning_reminders_off_never_stops_booking_change_or_cancellation_emails(
    world, setup, django_capture_on_commit_callbacks
):
    reminder_preference_set(patient=world.p1, user=world.patient_user_1, reminders=False)
    Patient.objects.filter(pk=world.p1.pk).update(email="")
    world.p1.email = ""
    booked = emails_from(django_capture_on_commit_callbacks, lambda: book(world.staff_a, world.p1, setup, NINE))
    appointment = world.p1.appointments.get()
    changed = emails_from(
        django_capture_on_commit_callbacks,
        lambda: appointment_update(
            appointment=appointment, changes={"location": LocationFactory(clinic=world.clinic_a)}, actor=world.staff_a
        ),
    )
    cancelled = emails_from(
        django_capture_on_commit_callbacks, lambda: appointment_cancel(appointment=appointment, actor=world.staff_a)
    )
    assert [message.to for message in (*booked, *changed, *cancelled)] == [["paula@example.com"]] * 3


def test_a_record_whose_portal_is_off_is_emailed_at_its_own_address_only(
    world, setup, django_capture_on_commit_callbacks
):
    Patient.objects.filter(pk=world.p1.pk).update(portal_status=PortalStatus.DISABLED)
    world.p1.refresh_from_db()
    messages = emails_from(django_capture_on_commit_callbacks, lambda: book(world.staff_a, world.p1, setup, NINE))
    assert [message.to for message in messages] == [[world.p1.email]]
    assert mail.outbox[0].attachments


def test_the_downloaded_calendar_file_has_the_alarm_too(world, booked):
    appointment, _messages = booked
    response = client_for(world.patient_user_1).get(f"/portal/appointments/{appointment.pk}/calendar.ics")
    [event] = Calendar.from_ical(response.content).walk("VEVENT")
    assert event.walk("VALARM")[0].decoded("trigger") == -2 * HOUR
    assert "Please come fasting." in str(event["description"])  # behind sign-in, the notes are shown


def test_a_change_to_a_visit_the_patient_is_checked_in_for_is_not_emailed(
    world, setup, booked, django_capture_on_commit_callbacks
):
    appointment, _messages = booked
    appointment_set_status(appointment=appointment, to=AppointmentStatus.CHECKED_IN, actor=world.staff_a)
    other = ProviderFactory(clinic=world.clinic_a)
    assert (
        emails_from(
            django_capture_on_commit_callbacks,
            lambda: appointment_update(appointment=appointment, changes={"provider": other}, actor=world.staff_a),
        )
        == []
    )
