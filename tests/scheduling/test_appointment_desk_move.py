"""The front desk's moves from the schedule (check in, no-show, complete): only where the
appointment machine allows them, never ahead of the visit's day or time, each in the history and
the audit log, and a second click changes nothing."""

import datetime

import pytest
from django.utils import timezone

from patientportal.audit.models import AuditEvent, StateChange
from patientportal.scheduling.choices import APPOINTMENT_TRANSITIONS, AppointmentStatus
from patientportal.scheduling.errors import SchedulingError
from patientportal.scheduling.front_desk import DeskMove, appointment_desk_move, desk_moves
from patientportal.scheduling.models import Appointment
from tests.factories import AppointmentFactory

pytestmark = pytest.mark.django_db

MINUTES = datetime.timedelta(minutes=1)


def visit(world, *, status=AppointmentStatus.SCHEDULED, starts_in=-10 * MINUTES):
    return AppointmentFactory(patient=world.p1, status=status, starts_at=timezone.now() + starts_in)


@pytest.mark.parametrize("status", list(AppointmentStatus))
@pytest.mark.parametrize("move", list(DeskMove))
def test_each_move_is_made_only_from_the_states_the_machine_allows(world, status, move):
    appointment = visit(world, status=status)
    allowed = move.status in APPOINTMENT_TRANSITIONS[status]
    already = status == move.status
    assert (move in desk_moves(appointment, clinic=world.clinic_a, now=timezone.now())) is allowed
    if allowed or already:
        result = appointment_desk_move(appointment=appointment, move=move, actor=world.staff_a)
        assert result.moved is allowed
    else:
        with pytest.raises(SchedulingError) as refused:
            appointment_desk_move(appointment=appointment, move=move, actor=world.staff_a)
        assert refused.value.code == "invalid_transition"
        assert str(AppointmentStatus(status).label).lower() in refused.value.message
    stored = Appointment.objects.get(pk=appointment.pk)
    assert stored.status == (move.status if allowed else status)
    assert StateChange.objects.filter(object_id=appointment.pk).count() == (1 if allowed else 0)


def test_a_check_in_is_in_the_history_and_the_audit_log(world):
    appointment = visit(world)
    appointment_desk_move(appointment=appointment, move=DeskMove.CHECK_IN, actor=world.staff_a)
    change = StateChange.objects.get(machine="scheduling.appointment.status", object_id=appointment.pk)
    assert (change.from_state, change.to_state, change.actor) == ("scheduled", "checked_in", world.staff_a)
    event = AuditEvent.objects.get(action="scheduling.appointment.status_changed")
    assert (event.actor_id, event.clinic_id, event.patient_id) == (world.staff_a.pk, world.clinic_a.pk, world.p1.pk)
    stored = Appointment.objects.get(pk=appointment.pk)
    assert (stored.status_changed_by, stored.status_changed_at is not None) == (world.staff_a, True)


def test_a_second_click_changes_nothing_and_records_nothing(world):
    appointment = visit(world)
    first = appointment_desk_move(appointment=appointment, move=DeskMove.CHECK_IN, actor=world.staff_a)
    # The second click comes with the page's stale copy, still "scheduled".
    second = appointment_desk_move(appointment=appointment, move=DeskMove.CHECK_IN, actor=world.owner_a)
    assert (first.moved, second.moved) == (True, False)
    assert StateChange.objects.filter(object_id=appointment.pk).count() == 1
    assert AuditEvent.objects.filter(action="scheduling.appointment.status_changed").count() == 1
    assert Appointment.objects.get(pk=appointment.pk).status_changed_by == world.staff_a


def test_a_visit_of_a_later_day_cannot_be_checked_in_yet(world):
    appointment = visit(world, starts_in=datetime.timedelta(days=3))
    assert desk_moves(appointment, clinic=world.clinic_a, now=timezone.now()) == []
    with pytest.raises(SchedulingError) as refused:
        appointment_desk_move(appointment=appointment, move=DeskMove.CHECK_IN, actor=world.staff_a)
    assert refused.value.code == "check_in_before_the_day"
    assert "patients are checked in on the day of their visit" in refused.value.message
    assert Appointment.objects.get(pk=appointment.pk).status == AppointmentStatus.SCHEDULED


def test_a_no_show_waits_for_the_visits_time(world):
    appointment = visit(world, starts_in=60 * MINUTES)
    with pytest.raises(SchedulingError) as refused:
        appointment_desk_move(appointment=appointment, move=DeskMove.NO_SHOW, actor=world.staff_a)
    assert refused.value.code == "no_show_before_the_time"
    assert "once that time has passed" in refused.value.message
    assert DeskMove.NO_SHOW not in desk_moves(appointment, clinic=world.clinic_a, now=timezone.now())
    # An hour on, it is offered.
    later = timezone.now() + 61 * MINUTES
    assert DeskMove.NO_SHOW in desk_moves(appointment, clinic=world.clinic_a, now=later)


def test_the_day_of_the_visit_is_the_clinics_day(world):
    """11:30 PM in New York on March 4 is March 5 in UTC: checking in at 10 PM New York time on
    March 4 is on the visit's day; at 11 PM on March 3 it is not."""
    appointment = AppointmentFactory(
        patient=world.p1, starts_at=datetime.datetime(2030, 3, 5, 4, 30, tzinfo=datetime.UTC)
    )
    on_the_day = datetime.datetime(2030, 3, 5, 3, 0, tzinfo=datetime.UTC)  # 10 PM EST, March 4
    day_before = datetime.datetime(2030, 3, 4, 4, 0, tzinfo=datetime.UTC)  # 11 PM EST, March 3
    assert DeskMove.CHECK_IN in desk_moves(appointment, clinic=world.clinic_a, now=on_the_day)
    assert DeskMove.CHECK_IN not in desk_moves(appointment, clinic=world.clinic_a, now=day_before)
