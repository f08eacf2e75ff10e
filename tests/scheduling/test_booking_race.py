"""Two staff booking the same provider at the same time: exactly one wins (PostgreSQL, real threads)."""

import datetime
import threading

import pytest
from django.db import connection, connections

from patientportal.scheduling.errors import SchedulingError
from patientportal.scheduling.models import Appointment
from patientportal.scheduling.services import appointment_book
from tests.factories import AppointmentTypeFactory, PatientFactory, ProviderFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

RACERS = 6


def test_racing_bookings_never_double_book_a_provider(world):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL: run with DATABASE_URL=postgres://…")
    provider = ProviderFactory(clinic=world.clinic_a)
    visit = AppointmentTypeFactory(clinic=world.clinic_a)
    patients = [PatientFactory(clinic=world.clinic_a) for _ in range(RACERS)]
    start = datetime.datetime(2030, 1, 7, 15, 0, tzinfo=datetime.UTC)
    barrier = threading.Barrier(RACERS)
    outcomes: list[str] = []

    def racer(index: int) -> None:
        try:
            barrier.wait()
            appointment_book(
                patient=patients[index],
                provider=provider,
                appointment_type=visit,
                starts_at=start + datetime.timedelta(minutes=index),
                actor=world.staff_a,
            )
            outcomes.append("booked")
        except SchedulingError as error:
            outcomes.append(error.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=racer, args=(index,)) for index in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["booked"] + ["double_booked"] * (RACERS - 1)
    assert Appointment.objects.filter(provider=provider).count() == 1
