"""When appointment reminders go: at the clinic's times (48 and 2 hours before by default) in real
elapsed time, across the clocks changing in New York and London; caught up after an outage while
still useful; one at a time; never for cancelled or past visits, nor twice for what a booking or
change email said."""

import datetime
import zoneinfo

import pytest

from patientportal.audit.models import AuditEvent
from patientportal.scheduling.choices import AppointmentStatus, ReminderOutcome
from patientportal.scheduling.clock import local_to_aware
from patientportal.scheduling.models import AppointmentReminder
from patientportal.scheduling.reminders import appointment_reminders_send
from patientportal.scheduling.services import appointment_update, reminder_preference_set
from tests.factories import AppointmentFactory, ClinicFactory, PatientFactory, PortalAccessFactory
from tests.scheduling.helpers import HOUR, book, emails_from, event_of, setup_for, with_contact

pytestmark = pytest.mark.django_db

SECOND = datetime.timedelta(seconds=1)
START = datetime.datetime(2030, 5, 6, 14, 0, tzinfo=datetime.UTC)  # Monday 10:00 AM EDT in New York


def visit(patient, starts_at=START, **fields):
    """A visit booked long ago (no booking email covers any reminder)."""
    return AppointmentFactory(patient=patient, starts_at=starts_at, **fields)


def remind(callbacks, now) -> list:
    return emails_from(callbacks, lambda: appointment_reminders_send(now=now))


def outcomes(appointment) -> list[tuple[int, str]]:
    return list(AppointmentReminder.objects.filter(appointment=appointment).values_list("hours_before", "outcome"))


@pytest.mark.parametrize(
    ("before_start", "sent"),
    [
        (48 * HOUR + SECOND, None),  # not due yet
        (48 * HOUR, 48),  # due
        (24 * HOUR, 48),  # late (the runner was away), still half the lead time ahead: sent
        (24 * HOUR - SECOND, None),  # too late to be useful; the 2-hour one will go
        (2 * HOUR + SECOND, None),
        (2 * HOUR, 2),
        (1 * HOUR, 2),
        (1 * HOUR - SECOND, None),  # too late: not sent at all
        (-1 * HOUR, None),  # the visit is over
    ],
)
def test_each_reminder_is_due_at_its_time_and_useful_for_half_its_lead_time(
    world, django_capture_on_commit_callbacks, before_start, sent
):
    appointment = visit(world.p1)
    messages = remind(django_capture_on_commit_callbacks, START - before_start)
    if sent is None:
        assert messages == [] and outcomes(appointment) == []
    else:
        assert sorted(message.to[0] for message in messages) == sorted([world.p1.email, "paula@example.com"])
        assert outcomes(appointment) == [(sent, ReminderOutcome.SENT)]


def test_each_reminder_goes_once_over_many_rounds(world, django_capture_on_commit_callbacks):
    appointment = visit(world.p1)
    sent = []
    for before in (49, 48, 47.5, 30, 24, 3, 2, 1.5, 1, 0.5):
        sent += remind(django_capture_on_commit_callbacks, START - before * HOUR)
    assert len(sent) == 4  # two reminders, two addresses each
    assert outcomes(appointment) == [(48, ReminderOutcome.SENT), (2, ReminderOutcome.SENT)]
    reminders = AppointmentReminder.objects.filter(appointment=appointment)
    assert sorted(reminders.values_list("due_at", flat=True)) == [START - 48 * HOUR, START - 2 * HOUR]


def test_after_an_outage_only_the_reminder_closest_to_the_visit_goes(world, django_capture_on_commit_callbacks):
    world.clinic_a.appointment_reminder_hours = [3, 2]
    world.clinic_a.save()
    appointment = visit(world.p1)
    # The runner was away from 3 h before until 1 h 45 min before: both are due and still useful.
    messages = remind(django_capture_on_commit_callbacks, START - 105 * datetime.timedelta(minutes=1))
    assert len(messages) == 2
    assert outcomes(appointment) == [(3, ReminderOutcome.SUPERSEDED), (2, ReminderOutcome.SENT)]
    event = AuditEvent.objects.get(action="scheduling.appointment.reminder_sent")
    assert (event.patient_id, event.actor_id, event.metadata) == (
        world.p1.pk,
        None,
        {"hours_before": 2, "emails": 2, "superseded": [3]},
    )


@pytest.mark.parametrize(
    "status",
    [AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW, AppointmentStatus.CHECKED_IN, AppointmentStatus.COMPLETED],
)
def test_no_reminder_for_a_visit_that_is_cancelled_or_otherwise_not_expected(
    world, django_capture_on_commit_callbacks, status
):
    appointment = visit(world.p1, status=status)
    assert remind(django_capture_on_commit_callbacks, START - 2 * HOUR) == []
    assert outcomes(appointment) == []


def test_no_reminder_for_a_past_visit_however_long_the_runner_was_away(world, django_capture_on_commit_callbacks):
    past = visit(world.p1, starts_at=START - 3 * HOUR)
    starting_now = visit(world.p2, starts_at=START)
    assert remind(django_capture_on_commit_callbacks, START) == []
    assert outcomes(past) == [] and outcomes(starting_now) == []


def test_a_cancelled_visit_gets_no_more_reminders(world, django_capture_on_commit_callbacks):
    appointment = visit(world.p1)
    assert len(remind(django_capture_on_commit_callbacks, START - 48 * HOUR)) == 2
    appointment.status = AppointmentStatus.CANCELLED
    appointment.save()
    assert remind(django_capture_on_commit_callbacks, START - 2 * HOUR) == []


def test_the_clinics_own_times_are_used_and_none_means_none(world, django_capture_on_commit_callbacks):
    world.clinic_a.appointment_reminder_hours = [24]
    world.clinic_a.save()
    alpha = visit(world.p1)
    beta = visit(world.pb)  # Beta Clinic keeps the defaults
    remind(django_capture_on_commit_callbacks, START - 48 * HOUR)
    assert (outcomes(alpha), outcomes(beta)) == ([], [(48, ReminderOutcome.SENT)])
    remind(django_capture_on_commit_callbacks, START - 24 * HOUR)
    assert outcomes(alpha) == [(24, ReminderOutcome.SENT)]
    world.clinic_b.appointment_reminder_hours = []
    world.clinic_b.save()
    assert remind(django_capture_on_commit_callbacks, START - 2 * HOUR) == []
    assert outcomes(beta) == [(48, ReminderOutcome.SENT)]


def test_reminders_already_due_when_a_visit_is_booked_are_covered_by_the_booking_email(
    world, django_capture_on_commit_callbacks
):
    setup = setup_for(world.clinic_a)
    now = datetime.datetime.now(datetime.UTC)
    appointment = book(world.staff_a, world.p1, setup, now + 30 * HOUR)
    assert outcomes(appointment) == [(48, ReminderOutcome.COVERED)]
    assert remind(django_capture_on_commit_callbacks, now + SECOND) == []
    assert len(remind(django_capture_on_commit_callbacks, appointment.starts_at - 2 * HOUR)) == 2
    soon = book(world.staff_a, world.p2, setup, now + 90 * datetime.timedelta(minutes=1))
    assert outcomes(soon) == [(48, ReminderOutcome.COVERED), (2, ReminderOutcome.COVERED)]
    assert remind(django_capture_on_commit_callbacks, now + 30 * datetime.timedelta(minutes=1)) == []


def test_a_visit_moved_to_another_time_is_reminded_again_unless_the_change_email_said_it(
    world, django_capture_on_commit_callbacks
):
    now = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    first = now + 48 * HOUR
    appointment = visit(world.p1, starts_at=first)
    assert len(remind(django_capture_on_commit_callbacks, now)) == 2
    later = first + 7 * 24 * HOUR
    appointment_update(appointment=appointment, changes={"starts_at": later}, actor=world.staff_a)
    assert remind(django_capture_on_commit_callbacks, now + SECOND) == []
    assert len(remind(django_capture_on_commit_callbacks, later - 48 * HOUR)) == 2
    # Moved to 30 hours from now: the change email gives the new time, so no 48-hour reminder for it.
    appointment_update(appointment=appointment, changes={"starts_at": now + 30 * HOUR}, actor=world.staff_a)
    assert remind(django_capture_on_commit_callbacks, now + SECOND) == []
    assert AppointmentReminder.objects.filter(appointment=appointment, outcome=ReminderOutcome.COVERED).count() == 1


def test_an_account_that_turned_reminders_off_gets_none_and_the_others_still_do(
    world, django_capture_on_commit_callbacks
):
    guardian = PortalAccessFactory(patient=world.p1, user__email="guardian@example.com").user
    reminder_preference_set(patient=world.p1, user=world.patient_user_1, reminders=False)
    visit(world.p1)
    messages = remind(django_capture_on_commit_callbacks, START - 2 * HOUR)
    assert sorted(message.to[0] for message in messages) == sorted([guardian.email, world.p1.email])
    # The choice is per account and record: Paula's other record still reminds her.
    other_record = PortalAccessFactory(user=world.patient_user_1, patient__clinic=world.clinic_a).patient
    visit(other_record, starts_at=START + HOUR)
    messages = remind(django_capture_on_commit_callbacks, START - HOUR)
    assert sorted(message.to[0] for message in messages) == sorted(["paula@example.com", other_record.email])


def test_with_everyone_off_the_reminder_is_recorded_as_having_nobody_to_tell(world, django_capture_on_commit_callbacks):
    patient = PatientFactory(clinic=world.clinic_a, email="solo@example.com")
    account = PortalAccessFactory(patient=patient, user__email="Solo@example.com").user  # the record's own address
    reminder_preference_set(patient=patient, user=account, reminders=False)
    appointment = visit(patient)
    assert remind(django_capture_on_commit_callbacks, START - 2 * HOUR) == []
    assert outcomes(appointment) == [(2, ReminderOutcome.NOBODY)]
    event = AuditEvent.objects.get(action="scheduling.appointment.reminder_not_sent")
    assert event.metadata == {"hours_before": 2, "emails": 0, "superseded": []}


def test_the_reminder_email_names_the_visit_gives_the_contact_and_the_calendar_file(
    world, django_capture_on_commit_callbacks
):
    with_contact(world.clinic_a)
    setup = setup_for(world.clinic_a)
    visit(world.p1, provider=setup["provider"], appointment_type=setup["type"], location=setup["location"])
    messages = {message.to[0]: message for message in remind(django_capture_on_commit_callbacks, START - 2 * HOUR)}
    message = messages["paula@example.com"]
    assert message.subject == "[Patient Portal] Reminder: appointment Mon, May 6, 10:00 AM EDT at Alpha Clinic"
    for part in (message.body, message.alternatives[0][0]):
        assert "A reminder from Alpha Clinic: Paula One has an appointment soon." in part
        assert "Monday, May 6, 2030 at 10:00 AM EDT (America/New_York)" in part
        assert "Check-up (30 minutes)" in part and "Dr. Ana Ruiz, MD" in part
        assert "Cannot come? Please tell the clinic:" in part and "+1 617-555-0142" in part
        assert "You can turn these reminders off on the Appointments page of the portal." in part
    assert "/portal/appointments/?record=" in message.body
    event = event_of(message)
    assert event.decoded("dtstart") == START and len(event.walk("VALARM")) == 1
    # The record's own address cannot sign in from the email: no link, no word of the portal's switch.
    assert "turn these reminders off" not in messages[world.p1.email].body


# (zone, visit's local day and time, fold, hours of the reminder, UTC instant it is due, how the email names the time)
DST_CASES = [
    # New York, clocks forward on Sunday March 10, 2030: Saturday 8:00 AM EST is 48 hours before Monday 9:00 AM EDT.
    (
        "America/New_York",
        (2030, 3, 11, 9, 0),
        0,
        48,
        datetime.datetime(2030, 3, 9, 13, 0, tzinfo=datetime.UTC),
        "Monday, March 11, 2030 at 9:00 AM EDT (America/New_York)",
    ),
    # New York, clocks back on Sunday November 3, 2030: the first 1:30 AM (EDT) and the second (EST).
    (
        "America/New_York",
        (2030, 11, 3, 1, 30),
        0,
        2,
        datetime.datetime(2030, 11, 3, 3, 30, tzinfo=datetime.UTC),
        "Sunday, November 3, 2030 at 1:30 AM EDT (America/New_York)",
    ),
    (
        "America/New_York",
        (2030, 11, 3, 1, 30),
        1,
        2,
        datetime.datetime(2030, 11, 3, 4, 30, tzinfo=datetime.UTC),
        "Sunday, November 3, 2030 at 1:30 AM EST (America/New_York)",
    ),
    # London, clocks forward on Sunday March 31, 2030 at 1:00 GMT.
    (
        "Europe/London",
        (2030, 3, 31, 10, 0),
        0,
        2,
        datetime.datetime(2030, 3, 31, 7, 0, tzinfo=datetime.UTC),
        "Sunday, March 31, 2030 at 10:00 AM BST (Europe/London)",
    ),
    (
        "Europe/London",
        (2030, 4, 1, 9, 0),
        0,
        48,
        datetime.datetime(2030, 3, 30, 8, 0, tzinfo=datetime.UTC),
        "Monday, April 1, 2030 at 9:00 AM BST (Europe/London)",
    ),
    # London, clocks back on Sunday October 27, 2030: Saturday 10:00 AM BST is 48 hours before Monday 9:00 AM GMT.
    (
        "Europe/London",
        (2030, 10, 28, 9, 0),
        0,
        48,
        datetime.datetime(2030, 10, 26, 9, 0, tzinfo=datetime.UTC),
        "Monday, October 28, 2030 at 9:00 AM GMT (Europe/London)",
    ),
]


@pytest.mark.parametrize(("zone", "local", "fold", "hours", "due_at", "named"), DST_CASES)
def test_reminders_across_a_change_of_the_clocks_count_real_hours_and_name_the_zone(
    django_capture_on_commit_callbacks, zone, local, fold, hours, due_at, named
):
    clinic = ClinicFactory(time_zone=zone, appointment_reminder_hours=[hours])
    year, month, day, hour, minute = local
    starts_at = datetime.datetime(year, month, day, hour, minute, fold=fold, tzinfo=zoneinfo.ZoneInfo(zone))
    if not fold:
        assert local_to_aware(datetime.date(year, month, day), datetime.time(hour, minute), clinic.zone) == starts_at
    assert starts_at - due_at == datetime.timedelta(hours=hours)  # real hours, whatever the wall clock did
    patient = PatientFactory(clinic=clinic)
    appointment = visit(patient, starts_at=starts_at.astimezone(datetime.UTC))
    assert remind(django_capture_on_commit_callbacks, due_at - SECOND) == []
    [message] = remind(django_capture_on_commit_callbacks, due_at)
    assert named in message.body
    # Compared in UTC: Python never finds a time in the repeated hour equal to one in another zone.
    assert event_of(message).decoded("dtstart") == starts_at.astimezone(datetime.UTC)
    assert AppointmentReminder.objects.get(appointment=appointment).due_at == due_at
