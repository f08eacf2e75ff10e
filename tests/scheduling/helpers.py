"""Shared by the appointment email and reminder tests: a clinic with contact details and a visit
type, provider and location, booking through the service, and reading what was emailed."""

import datetime

from django.core import mail
from icalendar import Calendar

from patientportal.scheduling.services import appointment_book
from tests.factories import AppointmentTypeFactory, LocationFactory, ProviderFactory

HOUR = datetime.timedelta(hours=1)
MINUTE = datetime.timedelta(minutes=1)


def with_contact(clinic, **changes):
    clinic.phone, clinic.email = "+1 617-555-0142", "desk@alpha.example"
    clinic.street, clinic.city, clinic.region, clinic.postal_code = "1 Harbor Way", "Boston", "MA", "02110"
    for name, value in changes.items():
        setattr(clinic, name, value)
    clinic.save()
    return clinic


def setup_for(clinic) -> dict:
    return {
        "provider": ProviderFactory(clinic=clinic, name="Dr. Ana Ruiz", credentials="MD"),
        "type": AppointmentTypeFactory(clinic=clinic, name="Check-up", duration_minutes=30),
        "location": LocationFactory(clinic=clinic, name="Main Street Clinic", address="120 Main Street"),
    }


def book(actor, patient, setup, starts_at, **extra):
    return appointment_book(
        patient=patient,
        provider=setup["provider"],
        appointment_type=setup["type"],
        location=setup["location"],
        starts_at=starts_at,
        actor=actor,
        **extra,
    )


def emails_from(django_capture_on_commit_callbacks, action) -> list:
    """The emails an action sends (the test task backend sends them when the transaction commits)."""
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        action()
    return list(mail.outbox)


def calendar_of(message) -> Calendar:
    """The one .ics attached to an email, parsed (which fails on a malformed file)."""
    [attachment] = [item for item in message.attachments if item[0].endswith(".ics")]
    _filename, content, mimetype = attachment
    assert mimetype == "text/calendar"
    return Calendar.from_ical(content)


def event_of(message):
    [event] = calendar_of(message).walk("VEVENT")
    return event
