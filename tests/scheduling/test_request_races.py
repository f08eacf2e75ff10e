"""Racing requests and answers (PostgreSQL, real threads): a record never has more than three
requests waiting, a visit never two waiting requests for a new time, and a request is answered once
(two staff booking it book one visit; booking and declining at once do one of them)."""

import datetime

import pytest
from django.db import connection

from patientportal.scheduling.choices import AppointmentRequestStatus
from patientportal.scheduling.errors import SchedulingError
from patientportal.scheduling.models import Appointment, AppointmentRequest
from patientportal.scheduling.policy import MAX_PENDING_REQUESTS
from patientportal.scheduling.requests import (
    appointment_request_book,
    appointment_request_create,
    appointment_request_decline,
)
from patientportal.scheduling.windows import Window
from tests.races import race
from tests.scheduling.helpers import book, setup_for, with_contact

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

NINE = datetime.datetime(2030, 3, 4, 14, 0, tzinfo=datetime.UTC)
WINDOWS = [Window(datetime.date(2030, 3, 4), "morning"), Window(datetime.date(2030, 3, 5), "morning")]
RACERS = 6


@pytest.fixture
def setup(world):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL: run with DATABASE_URL=postgres://…")
    with_contact(world.clinic_a, accepts_appointment_requests=True)
    return setup_for(world.clinic_a)


def asking(world, setup, **extra):
    def action() -> str:
        appointment_request_create(
            patient=world.p1,
            appointment_type=setup["type"],
            windows=WINDOWS,
            reason="",
            actor=world.patient_user_1,
            **extra,
        )
        return "asked"

    return action


def test_racing_requests_never_leave_more_than_three_waiting(world, setup):
    outcomes = race([asking(world, setup) for _ in range(RACERS)], refused=SchedulingError)
    assert outcomes == ["asked"] * MAX_PENDING_REQUESTS + ["too_many_requests"] * (RACERS - MAX_PENDING_REQUESTS)
    assert AppointmentRequest.objects.filter(patient=world.p1).count() == MAX_PENDING_REQUESTS


def test_racing_requests_for_a_new_time_of_one_visit_make_one(world, setup):
    visit = book(world.staff_a, world.p1, setup, NINE)
    outcomes = race([asking(world, setup, reschedule_of=visit) for _ in range(2)], refused=SchedulingError)
    assert outcomes == ["asked", "reschedule_pending"]
    assert AppointmentRequest.objects.filter(reschedule_of=visit).count() == 1


def test_a_request_booked_and_declined_at_once_is_answered_once(world, setup):
    found = asking(world, setup)() and AppointmentRequest.objects.get()

    def booking(minutes: int):
        def action() -> str:
            appointment_request_book(
                appointment_request=found,
                provider=setup["provider"],
                appointment_type=setup["type"],
                starts_at=NINE + datetime.timedelta(minutes=minutes),
                actor=world.staff_a,
            )
            return "booked"

        return action

    def declining() -> str:
        appointment_request_decline(appointment_request=found, message="No", actor=world.owner_a)
        return "declined"

    outcomes = race([booking(0), booking(60), declining], refused=SchedulingError)
    answered = [outcome for outcome in outcomes if outcome in ("booked", "declined")]
    assert len(answered) == 1 and outcomes.count("request_invalid_transition") == 2
    found.refresh_from_db()
    assert found.status in (AppointmentRequestStatus.BOOKED, AppointmentRequestStatus.DECLINED)
    assert Appointment.objects.count() == (1 if found.status == AppointmentRequestStatus.BOOKED else 0)
