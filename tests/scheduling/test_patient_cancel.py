"""A patient cancels a visit in the portal within the clinic's policy: up to the cancellation window
(24 hours by default, elapsed hours, exactly 24 hours still allowed, across the clocks changing in
two zones), never a type the clinic keeps off online cancelling. A cancellation is a move of the
appointment's machine, in its history and the audit log with who and when, frees the provider's
time, and is confirmed by email with the clinic's contact and a .ics that cancels the event."""

import datetime
import zoneinfo

import pytest
from django.utils import timezone

from patientportal.audit.models import AuditEvent, StateChange
from patientportal.scheduling.calendar import appointment_uid
from patientportal.scheduling.choices import AppointmentRequestStatus, AppointmentStatus, CancelledBy
from patientportal.scheduling.errors import SchedulingError
from patientportal.scheduling.models import Appointment
from patientportal.scheduling.policy import cancel_deadline
from patientportal.scheduling.services import appointment_cancel, appointment_cancel_by_patient
from tests.factories import AppointmentRequestFactory
from tests.scheduling.helpers import HOUR, book, emails_from, event_of, setup_for, with_contact

pytestmark = pytest.mark.django_db

SECOND = datetime.timedelta(seconds=1)
# Monday, March 4, 2030, 9:00 AM in New York (EST), Alpha Clinic's time zone.
NINE = datetime.datetime(2030, 3, 4, 14, 0, tzinfo=datetime.UTC)


@pytest.fixture
def setup(world):
    with_contact(world.clinic_a)
    return setup_for(world.clinic_a)


def at(monkeypatch, moment: datetime.datetime) -> None:
    """The clock reads `moment` (for the service's "now" and everything it stamps)."""
    monkeypatch.setattr(timezone, "now", lambda: moment)


def booked_visit(world, setup, starts_at=NINE, **type_fields):
    for name, value in type_fields.items():
        setattr(setup["type"], name, value)
    setup["type"].save()
    return book(world.staff_a, world.p1, setup, starts_at)


@pytest.mark.parametrize(
    ("before_start", "allowed"),
    [
        (48 * HOUR, True),
        (24 * HOUR + SECOND, True),
        (24 * HOUR, True),  # "up to 24 hours before": exactly 24 hours is still in time
        (24 * HOUR - SECOND, False),
        (1 * HOUR, False),
    ],
)
def test_cancelling_is_allowed_up_to_exactly_the_window(world, setup, monkeypatch, before_start, allowed):
    appointment = booked_visit(world, setup)
    at(monkeypatch, NINE - before_start)
    if allowed:
        appointment_cancel_by_patient(appointment=appointment, actor=world.patient_user_1)
        assert Appointment.objects.get(pk=appointment.pk).status == AppointmentStatus.CANCELLED
    else:
        with pytest.raises(SchedulingError) as refused:
            appointment_cancel_by_patient(appointment=appointment, actor=world.patient_user_1)
        assert refused.value.code == "cancel_too_late"
        assert "up to 24 hours before" in str(refused.value.message)
        assert Appointment.objects.get(pk=appointment.pk).status == AppointmentStatus.SCHEDULED


@pytest.mark.parametrize(
    ("zone", "local_start", "local_deadline"),
    [
        # The clocks go forward at 2 AM on March 10, 2030 in New York and at 2 AM on March 31 in
        # Berlin: 24 elapsed hours before 9 AM that day is 8 AM the day before.
        ("America/New_York", datetime.datetime(2030, 3, 10, 9, 0), datetime.datetime(2030, 3, 9, 8, 0)),
        ("Europe/Berlin", datetime.datetime(2030, 3, 31, 9, 0), datetime.datetime(2030, 3, 30, 8, 0)),
        # And back (November 3 in New York, October 27 in Berlin): 10 AM the day before.
        ("America/New_York", datetime.datetime(2030, 11, 3, 9, 0), datetime.datetime(2030, 11, 2, 10, 0)),
        ("Europe/Berlin", datetime.datetime(2030, 10, 27, 9, 0), datetime.datetime(2030, 10, 26, 10, 0)),
    ],
)
def test_the_window_is_elapsed_hours_across_the_clocks_changing(
    world, setup, monkeypatch, zone, local_start, local_deadline
):
    world.clinic_a.time_zone = zone
    world.clinic_a.save()
    tz = zoneinfo.ZoneInfo(zone)
    appointment = booked_visit(world, setup, starts_at=local_start.replace(tzinfo=tz))
    deadline = cancel_deadline(appointment, world.clinic_a)
    assert deadline.astimezone(tz).replace(tzinfo=None) == local_deadline
    assert appointment.starts_at - deadline == 24 * HOUR
    at(monkeypatch, deadline + SECOND)
    with pytest.raises(SchedulingError):
        appointment_cancel_by_patient(appointment=appointment, actor=world.patient_user_1)
    at(monkeypatch, deadline)
    appointment_cancel_by_patient(appointment=appointment, actor=world.patient_user_1)
    assert Appointment.objects.get(pk=appointment.pk).cancelled_by == CancelledBy.PATIENT


def test_a_window_of_zero_hours_allows_cancelling_until_the_visit_starts(world, setup, monkeypatch):
    world.clinic_a.cancellation_window_hours = 0
    world.clinic_a.save()
    appointment = booked_visit(world, setup)
    at(monkeypatch, NINE - SECOND)
    appointment_cancel_by_patient(appointment=appointment, actor=world.patient_user_1)
    assert Appointment.objects.get(pk=appointment.pk).status == AppointmentStatus.CANCELLED


def test_a_type_the_clinic_keeps_off_online_cancelling_is_refused_and_nothing_changes(world, setup):
    appointment = booked_visit(world, setup, patients_may_cancel=False)
    with pytest.raises(SchedulingError) as refused:
        appointment_cancel_by_patient(appointment=appointment, actor=world.patient_user_1)
    assert refused.value.code == "cancel_not_online"
    assert Appointment.objects.get(pk=appointment.pk).status == AppointmentStatus.SCHEDULED
    assert not StateChange.objects.filter(object_id=appointment.pk).exists()


def test_a_visit_already_over_or_cancelled_cannot_be_cancelled_again(world, setup):
    appointment = booked_visit(world, setup)
    appointment_cancel_by_patient(appointment=appointment, actor=world.patient_user_1)
    with pytest.raises(SchedulingError) as refused:
        appointment_cancel_by_patient(appointment=appointment, actor=world.patient_user_1)
    assert refused.value.code == "cancel_not_upcoming"
    assert StateChange.objects.filter(object_id=appointment.pk, to_state="cancelled").count() == 1


def test_the_cancellation_is_in_the_history_and_the_audit_log_with_who_and_when(world, setup, monkeypatch):
    appointment = booked_visit(world, setup)
    moment = NINE - 30 * HOUR
    at(monkeypatch, moment)
    appointment_cancel_by_patient(appointment=appointment, actor=world.patient_user_1)
    stored = Appointment.objects.get(pk=appointment.pk)
    assert (stored.status, stored.cancelled_by, stored.status_changed_by, stored.status_changed_at) == (
        AppointmentStatus.CANCELLED,
        CancelledBy.PATIENT,
        world.patient_user_1,
        moment,
    )
    change = StateChange.objects.get(machine="scheduling.appointment.status", object_id=appointment.pk)
    assert (change.from_state, change.to_state, change.actor_id) == ("scheduled", "cancelled", world.patient_user_1.pk)
    event = AuditEvent.objects.get(action="scheduling.appointment.cancelled_by_patient")
    assert (event.actor_id, event.patient_id, event.metadata["to"]) == (
        world.patient_user_1.pk,
        world.p1.pk,
        "cancelled",
    )


def test_the_freed_time_can_be_booked_again(world, setup):
    appointment = booked_visit(world, setup)
    with pytest.raises(SchedulingError):
        book(world.staff_a, world.p2, setup, NINE)
    appointment_cancel_by_patient(appointment=appointment, actor=world.patient_user_1)
    assert book(world.staff_a, world.p2, setup, NINE).provider == setup["provider"]


def test_the_confirmation_says_the_patient_cancelled_with_the_contact_and_a_cancelling_ics(
    world, setup, django_capture_on_commit_callbacks
):
    appointment = booked_visit(world, setup)
    messages = emails_from(
        django_capture_on_commit_callbacks,
        lambda: appointment_cancel_by_patient(appointment=appointment, actor=world.patient_user_1),
    )
    to_patient = [message for message in messages if message.to != [world.staff_a.email]]
    assert len(to_patient) == 2  # the record's address and the account's (the front desk is told apart)
    message = next(message for message in messages if message.to == ["paula@example.com"])
    assert message.subject == "[Patient Portal] You cancelled your appointment: Mon, Mar 4, 9:00 AM EST at Alpha Clinic"
    assert "was cancelled in the patient portal, as asked" in message.body
    assert "has cancelled" not in message.body
    assert "+1 617-555-0142" in message.body and "desk@alpha.example" in message.body
    assert 'href="tel:+16175550142"' in message.alternatives[0][0]
    event = event_of(message)
    assert (str(event["uid"]), str(event["status"])) == (appointment_uid(appointment), "CANCELLED")


def test_a_cancellation_by_staff_still_says_the_clinic_cancelled(world, setup, django_capture_on_commit_callbacks):
    appointment = booked_visit(world, setup)
    messages = emails_from(
        django_capture_on_commit_callbacks, lambda: appointment_cancel(appointment=appointment, actor=world.staff_a)
    )
    assert "Alpha Clinic has cancelled this appointment of Paula One." in messages[0].body
    assert Appointment.objects.get(pk=appointment.pk).cancelled_by == CancelledBy.CLINIC


def test_cancelling_withdraws_a_waiting_request_for_a_new_time(world, setup):
    appointment = booked_visit(world, setup)
    waiting = AppointmentRequestFactory(patient=world.p1, reschedule_of=appointment)
    appointment_cancel_by_patient(appointment=appointment, actor=world.patient_user_1)
    waiting.refresh_from_db()
    assert (waiting.status, waiting.status_changed_by) == (AppointmentRequestStatus.WITHDRAWN, world.patient_user_1)
