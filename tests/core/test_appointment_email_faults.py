"""Appointment emails when things fail, on the production path (database task backend, the
worker, a real SMTP server): a reminder to a stopped mail server is delivered when it is back
and is not sent a second time meanwhile; a booking email refused "later" arrives after a retry
with its calendar file; the periodic runner outlives a database restart and sends the reminder
afterwards (PostgreSQL)."""

import datetime
import email
from functools import partial

import pytest
from django.utils import timezone

from patientportal.core.background import run_loop, run_periodic_jobs
from patientportal.core.choices import DeliveryStatus, ProcessRole
from patientportal.core.models import EmailDelivery, PeriodicJob
from patientportal.hub.management.commands.run_periodic_tasks import JOBS
from patientportal.scheduling.models import AppointmentReminder
from tests.conftest import client_for
from tests.core.faults import run_worker_once, time_passes
from tests.core.test_background_faults import Outage
from tests.factories import AppointmentFactory
from tests.scheduling.helpers import setup_for, with_contact

pytestmark = pytest.mark.django_db(transaction=True)

HOUR = datetime.timedelta(hours=1)
EVERY = datetime.timedelta(minutes=1)


def calendar_part(raw: bytes) -> str:
    """The text/calendar attachment of a message as the mail server received it."""
    message = email.message_from_bytes(raw)
    [part] = [part for part in message.walk() if part.get_content_type() == "text/calendar"]
    assert part.get_filename().endswith(".ics")
    return part.get_payload(decode=True).decode()


def due_reminder(world):
    """Peter's visit in two hours, booked long ago: its reminder goes to his account and to the
    record's address."""
    return AppointmentFactory(patient=world.p2, starts_at=timezone.now() + 2 * HOUR - EVERY)


def next_round() -> None:
    """The runner's next round comes at once: every job is due again."""
    PeriodicJob.objects.update(next_run_at=timezone.now())


def test_a_reminder_to_a_stopped_mail_server_is_delivered_when_it_is_back_and_only_once(
    world, database_tasks, smtp_server
):
    appointment = due_reminder(world)
    smtp_server.stop()
    run_periodic_jobs(JOBS, every=EVERY, owner="runner-1")
    run_worker_once()
    deliveries = EmailDelivery.objects.filter(kind="scheduling/email/appointment_reminder")
    assert {(item.about_type, item.about_id) for item in deliveries} == {
        ("scheduling.appointment", str(appointment.pk))
    }
    assert (
        sorted(deliveries.values_list("status", "last_error"))
        == [(DeliveryStatus.RETRYING, "ConnectionRefusedError")] * 2
    )
    # The periodic runner comes round again (another copy, or the same one restarted) meanwhile:
    # the reminder is not made twice.
    for runner in ("runner-2", "runner-1"):
        next_round()
        assert run_periodic_jobs(JOBS, every=EVERY, owner=runner)["appointment_reminders_send"] == "ok"
    assert AppointmentReminder.objects.filter(appointment=appointment).count() == 1
    assert deliveries.count() == 2
    smtp_server.start()
    time_passes()
    run_worker_once()
    assert sorted(deliveries.values_list("status", "attempts")) == [(DeliveryStatus.SENT, 2)] * 2
    received = smtp_server.received
    assert sorted(email.message_from_bytes(raw)["To"] for raw in received) == sorted(
        [world.p2.email, "peter@example.com"]
    )
    for raw in received:
        assert b"Reminder: appointment" in raw
        ics = calendar_part(raw)
        assert "BEGIN:VEVENT" in ics and "BEGIN:VALARM" in ics and "TRIGGER:-PT2H" in ics


def test_a_booking_email_the_mail_server_refuses_for_now_arrives_after_a_retry_with_its_calendar_file(
    world, database_tasks, smtp_server
):
    with_contact(world.clinic_a)
    setup = setup_for(world.clinic_a)
    world.patient_user_1.delete()
    smtp_server.refuse_next("451 4.3.0 Mailbox busy, try again later")
    response = client_for(world.staff_a).post(
        f"/staff/alpha/patients/{world.p1.pk}/appointments/new/",
        {
            "provider": setup["provider"].pk,
            "appointment_type": setup["type"].pk,
            "location": setup["location"].pk,
            "day": "2030-03-04",
            "time": "09:00",
            "duration_minutes": "",
            "patient_notes": "",
            "internal_notes": "",
        },
    )
    assert response.status_code == 302
    run_worker_once()
    delivery = EmailDelivery.objects.get(kind="scheduling/email/appointment_booked")
    assert (delivery.status, delivery.last_error) == (DeliveryStatus.RETRYING, "SMTPRecipientsRefused 451")
    time_passes()
    run_worker_once()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and delivery.sealed_message == ""
    [received] = smtp_server.received
    message = email.message_from_bytes(received)
    assert message["To"] == world.p1.email
    assert "9:00 AM EST (America/New_York)" in received.decode()
    assert "DTSTART:20300304T140000Z" in calendar_part(received)


def test_the_periodic_runner_survives_a_database_restart_and_sends_the_reminder_afterwards(world, db_through_proxy):
    appointment = due_reminder(world)
    db_through_proxy.cut()
    outage = Outage(
        db_through_proxy,
        failures_before_back=2,
        done=lambda: AppointmentReminder.objects.filter(appointment=appointment).exists(),
    )
    run_loop(
        role=ProcessRole.PERIODIC,
        step=partial(run_periodic_jobs, JOBS, every=EVERY),
        idle_seconds=60,
        stop=outage.stop,
        wait=outage,
    )
    assert AppointmentReminder.objects.filter(appointment=appointment).count() == 1
    assert EmailDelivery.objects.filter(kind="scheduling/email/appointment_reminder", status="sent").count() == 2
