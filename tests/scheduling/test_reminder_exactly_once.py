"""Each reminder is sent exactly once: with two periodic runners working through the same
reminders at the same moment (PostgreSQL, real threads and connections), after a runner dies in
the middle of a round, and when a round is simply run again."""

import datetime
import threading

import pytest
from django.core import mail
from django.db import IntegrityError, connection, connections, transaction
from django.utils import timezone

from patientportal.core.models import EmailDelivery
from patientportal.scheduling import reminders
from patientportal.scheduling.choices import ReminderOutcome
from patientportal.scheduling.models import AppointmentReminder
from patientportal.scheduling.reminders import appointment_reminders_send
from tests.factories import AppointmentFactory, PatientFactory, PortalAccessFactory

pytestmark = pytest.mark.django_db(transaction=True)

HOUR = datetime.timedelta(hours=1)
VISITS = 30


def due_visits(world, count: int = VISITS) -> tuple[datetime.datetime, list]:
    """`count` visits whose 2-hour reminder is due now, each patient with an account too (two
    addresses each)."""
    now = timezone.now()
    visits = []
    for index in range(count):
        patient = PortalAccessFactory(patient=PatientFactory(clinic=world.clinic_a)).patient
        starts_at = now + 2 * HOUR - index * datetime.timedelta(seconds=30)
        visits.append(AppointmentFactory(patient=patient, starts_at=starts_at))
    return now, visits


def sent_pairs() -> list[tuple[str, str]]:
    return sorted((message.to[0], message.subject) for message in mail.outbox)


@pytest.mark.postgres
def test_two_runners_at_once_send_every_reminder_exactly_once(world):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL: run with DATABASE_URL=postgres://…")
    now, visits = due_visits(world)
    mail.outbox.clear()
    start = threading.Barrier(2)
    counts: list[int] = []
    errors: list[BaseException] = []

    def runner() -> None:
        try:
            start.wait()
            counts.append(appointment_reminders_send(now=now))
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=runner) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(counts) == 2 * VISITS  # shared between the two, however the work fell
    assert AppointmentReminder.objects.filter(outcome=ReminderOutcome.SENT).count() == VISITS
    assert sorted(AppointmentReminder.objects.values_list("appointment_id", flat=True)) == sorted(
        visit.pk for visit in visits
    )
    assert EmailDelivery.objects.filter(kind="scheduling/email/appointment_reminder").count() == 2 * VISITS
    assert len(mail.outbox) == 2 * VISITS and len(set(sent_pairs())) == 2 * VISITS  # each address once per visit
    # A third runner, or the first started again, finds nothing left to do.
    assert appointment_reminders_send(now=now) == 0
    assert len(mail.outbox) == 2 * VISITS


def test_a_runner_that_dies_in_the_middle_of_a_round_leaves_the_rest_for_the_next_round(world, monkeypatch):
    now, _visits = due_visits(world, count=5)
    mail.outbox.clear()
    send = reminders.appointment_email_send
    calls = []

    def dies_on_the_third(**kwargs):
        calls.append(kwargs["appointment"].pk)
        if len(calls) == 3:
            raise SystemExit("the runner is killed")
        return send(**kwargs)

    monkeypatch.setattr(reminders, "appointment_email_send", dies_on_the_third)
    with pytest.raises(SystemExit):
        appointment_reminders_send(now=now)
    # The two done are kept with their emails; the third's record and emails rolled back together.
    assert AppointmentReminder.objects.count() == 2 and len(mail.outbox) == 4
    monkeypatch.setattr(reminders, "appointment_email_send", send)
    assert appointment_reminders_send(now=now + datetime.timedelta(minutes=1)) == 6
    assert AppointmentReminder.objects.count() == 5
    assert len(mail.outbox) == 10 and len(set(sent_pairs())) == 10
    assert appointment_reminders_send(now=now + datetime.timedelta(minutes=2)) == 0


def test_the_database_refuses_a_second_record_of_the_same_reminder(world):
    _now, [visit] = due_visits(world, count=1)
    assert appointment_reminders_send() == 2
    duplicate = AppointmentReminder.objects.get()
    duplicate.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()
    assert AppointmentReminder.objects.filter(appointment=visit).count() == 1
