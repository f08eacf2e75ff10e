"""Appointment requests: a patient asks for a visit (where the clinic takes requests) or for a new
time for a booked one; staff book it through the ordinary booking rules (the patient gets the
"booked" email, or the "changed" one for a new time) or decline it with a message (emailed with the
clinic's contact); the patient may withdraw it while it waits. A request is answered once."""

import datetime

import pytest

from patientportal.audit.models import AuditEvent, StateChange
from patientportal.scheduling.choices import AppointmentRequestStatus, AppointmentStatus
from patientportal.scheduling.errors import SchedulingError
from patientportal.scheduling.models import Appointment, AppointmentRequest
from patientportal.scheduling.policy import MAX_PENDING_REQUESTS
from patientportal.scheduling.requests import (
    appointment_request_book,
    appointment_request_create,
    appointment_request_decline,
    appointment_request_withdraw,
)
from patientportal.scheduling.services import appointment_cancel
from patientportal.scheduling.windows import Window
from tests.factories import AppointmentTypeFactory, ProviderFactory
from tests.scheduling.helpers import HOUR, book, emails_from, event_of, setup_for, with_contact

pytestmark = pytest.mark.django_db

NINE = datetime.datetime(2030, 3, 4, 14, 0, tzinfo=datetime.UTC)  # Monday, March 4, 2030, 9 AM EST
WINDOWS = [Window(datetime.date(2030, 3, 4), "morning"), Window(datetime.date(2030, 3, 5), "afternoon")]


@pytest.fixture
def setup(world):
    with_contact(world.clinic_a, accepts_appointment_requests=True)
    return setup_for(world.clinic_a)


def ask(world, setup, **extra):
    values = {
        "patient": world.p1,
        "appointment_type": setup["type"],
        "windows": WINDOWS,
        "reason": "  Knee pain when running  ",
        "actor": world.patient_user_1,
        **extra,
    }
    return appointment_request_create(**values)


def book_request(world, setup, found, starts_at=NINE, provider=None):
    return appointment_request_book(
        appointment_request=found,
        provider=provider or setup["provider"],
        appointment_type=setup["type"],
        location=setup["location"],
        starts_at=starts_at,
        actor=world.staff_a,
    )


def test_a_request_keeps_what_was_asked_and_is_audited(world, setup):
    found = ask(world, setup, provider=setup["provider"])
    stored = AppointmentRequest.objects.get()
    assert (stored.patient, stored.clinic, stored.provider, stored.location, stored.reason) == (
        world.p1,
        world.clinic_a,
        setup["provider"],
        None,
        "Knee pain when running",
    )
    assert stored.status == AppointmentRequestStatus.PENDING and stored.window_list == WINDOWS
    event = AuditEvent.objects.get(action="scheduling.appointment_request.created")
    assert (event.actor_id, event.patient_id, event.object_id) == (world.patient_user_1.pk, world.p1.pk, str(found.pk))
    assert "Knee" not in str(event.metadata)  # the reason is health information: never in the log


def test_a_clinic_that_takes_no_requests_refuses_them(world, setup):
    world.clinic_a.accepts_appointment_requests = False
    world.clinic_a.save()
    with pytest.raises(SchedulingError) as refused:
        ask(world, setup)
    assert refused.value.code == "requests_closed" and not AppointmentRequest.objects.exists()


def test_choices_of_another_clinic_or_inactive_ones_are_refused(world, setup):
    with pytest.raises(SchedulingError):
        ask(world, setup, appointment_type=AppointmentTypeFactory(clinic=world.clinic_b))
    with pytest.raises(SchedulingError):
        ask(world, setup, provider=ProviderFactory(clinic=world.clinic_a, active=False))
    assert not AppointmentRequest.objects.exists()


def test_at_most_three_requests_wait_per_record(world, setup):
    for _ in range(MAX_PENDING_REQUESTS):
        ask(world, setup)
    with pytest.raises(SchedulingError) as refused:
        ask(world, setup)
    assert refused.value.code == "too_many_requests"
    appointment_request_withdraw(appointment_request=AppointmentRequest.objects.first(), actor=world.patient_user_1)
    ask(world, setup)  # room again
    assert AppointmentRequest.objects.filter(status=AppointmentRequestStatus.PENDING).count() == MAX_PENDING_REQUESTS


def test_request_then_booking_links_the_visit_closes_the_request_and_emails_the_booking(
    world, setup, django_capture_on_commit_callbacks
):
    found = ask(world, setup)
    appointment = None

    def action():
        nonlocal appointment
        appointment = book_request(world, setup, found)

    messages = emails_from(django_capture_on_commit_callbacks, action)
    found.refresh_from_db()
    assert (found.status, found.appointment, found.status_changed_by) == (
        AppointmentRequestStatus.BOOKED,
        appointment,
        world.staff_a,
    )
    assert (appointment.patient, appointment.starts_at, appointment.status) == (
        world.p1,
        NINE,
        AppointmentStatus.SCHEDULED,
    )
    message = next(message for message in messages if message.to == ["paula@example.com"])
    assert message.subject == "[Patient Portal] Appointment booked: Mon, Mar 4, 9:00 AM EST at Alpha Clinic"
    assert "+1 617-555-0142" in message.body and 'href="tel:+16175550142"' in message.alternatives[0][0]
    assert str(event_of(message)["status"]) == "TENTATIVE"
    change = StateChange.objects.get(machine="scheduling.appointment_request.status", object_id=found.pk)
    assert (change.from_state, change.to_state) == ("pending", "booked")


def test_a_request_is_booked_once(world, setup):
    found = ask(world, setup)
    book_request(world, setup, found)
    with pytest.raises(SchedulingError) as refused:
        book_request(world, setup, found, starts_at=NINE + 2 * HOUR)
    assert refused.value.code == "request_invalid_transition"
    assert Appointment.objects.count() == 1


def test_a_double_booking_books_nothing_and_the_request_keeps_waiting(world, setup):
    book(world.staff_a, world.p2, setup, NINE)
    found = ask(world, setup)
    with pytest.raises(SchedulingError) as refused:
        book_request(world, setup, found)
    assert refused.value.code == "double_booked"
    found.refresh_from_db()
    assert found.status == AppointmentRequestStatus.PENDING and Appointment.objects.count() == 1


def test_declining_emails_the_message_and_the_contact_without_a_calendar_file(
    world, setup, django_capture_on_commit_callbacks
):
    found = ask(world, setup)
    messages = emails_from(
        django_capture_on_commit_callbacks,
        lambda: appointment_request_decline(
            appointment_request=found, message="Dr. Ruiz is away that week; please call us.", actor=world.staff_a
        ),
    )
    found.refresh_from_db()
    assert (found.status, found.decline_message) == (
        AppointmentRequestStatus.DECLINED,
        "Dr. Ruiz is away that week; please call us.",
    )
    assert len(messages) == 2
    message = next(message for message in messages if message.to == ["paula@example.com"])
    assert message.subject == "[Patient Portal] Your appointment request was declined by Alpha Clinic"
    assert "Dr. Ruiz is away that week; please call us." in message.body
    assert "Monday, March 4, 2030, Morning (8 AM – 12 PM)" in message.body
    assert "+1 617-555-0142" in message.body and 'href="tel:+16175550142"' in message.alternatives[0][0]
    assert message.attachments == []
    assert AuditEvent.objects.get(action="scheduling.appointment_request.decline_emailed").metadata == {"emails": 2}
    with pytest.raises(SchedulingError):
        book_request(world, setup, found)


def test_a_new_time_moves_the_booked_visit_and_says_what_changed(world, setup, django_capture_on_commit_callbacks):
    original = book(world.staff_a, world.p1, setup, NINE)
    found = ask(world, setup, reschedule_of=original, reason="")
    with pytest.raises(SchedulingError) as again:
        ask(world, setup, reschedule_of=original)
    assert again.value.code == "reschedule_pending"
    later = NINE + 26 * HOUR
    messages = emails_from(
        django_capture_on_commit_callbacks, lambda: book_request(world, setup, found, starts_at=later)
    )
    original.refresh_from_db()
    found.refresh_from_db()
    assert (original.starts_at, original.status) == (later, AppointmentStatus.SCHEDULED)
    assert found.appointment == original and found.status == AppointmentRequestStatus.BOOKED
    assert Appointment.objects.count() == 1
    message = next(message for message in messages if message.to == ["paula@example.com"])
    assert message.subject.startswith("[Patient Portal] Appointment changed")
    assert "Tuesday, March 5, 2030 at 11:00 AM EST" in message.body


def test_a_new_time_for_a_visit_cancelled_meanwhile_books_a_new_one(world, setup):
    original = book(world.staff_a, world.p1, setup, NINE)
    found = ask(world, setup, reschedule_of=original)
    appointment_cancel(appointment=original, actor=world.staff_a)
    booked = book_request(world, setup, found, starts_at=NINE + HOUR)
    assert booked.pk != original.pk and booked.status == AppointmentStatus.SCHEDULED
    original.refresh_from_db()
    assert original.status == AppointmentStatus.CANCELLED


def test_no_new_time_for_a_visit_that_is_over_or_cancelled_or_of_another_record(world, setup):
    original = book(world.staff_a, world.p1, setup, NINE)
    appointment_cancel(appointment=original, actor=world.staff_a)
    with pytest.raises(SchedulingError) as refused:
        ask(world, setup, reschedule_of=original)
    assert refused.value.code == "reschedule_not_upcoming"
    peters = book(world.staff_a, world.p2, setup, NINE + 3 * HOUR)
    with pytest.raises(ValueError):
        ask(world, setup, reschedule_of=peters)


def test_a_withdrawn_request_cannot_be_booked_or_declined(world, setup):
    found = ask(world, setup)
    appointment_request_withdraw(appointment_request=found, actor=world.patient_user_1)
    with pytest.raises(SchedulingError):
        book_request(world, setup, found)
    with pytest.raises(SchedulingError):
        appointment_request_decline(appointment_request=found, message="No", actor=world.staff_a)
    found.refresh_from_db()
    assert found.status == AppointmentRequestStatus.WITHDRAWN and not Appointment.objects.exists()
