"""Patients racing for one open time: exactly one visit is booked, the others are told the time was
taken (PostgreSQL, real threads, through the portal's page)."""

import datetime
import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from patientportal.scheduling.models import Appointment, WorkingHours
from patientportal.scheduling.slots import open_slots, week_days
from tests.conftest import client_for
from tests.factories import AppointmentTypeFactory, PatientFactory, PortalAccessFactory, ProviderFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

RACERS = 4


def test_racing_self_bookings_for_one_slot_book_it_once_and_tell_the_others(world):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL: run with DATABASE_URL=postgres://…")
    clinic = world.clinic_a
    clinic.patients_may_book_online = True
    clinic.save()
    provider = ProviderFactory(clinic=clinic)
    for weekday in range(7):
        WorkingHours.objects.create(
            clinic=clinic, provider=provider, weekday=weekday, starts=datetime.time(9), ends=datetime.time(17)
        )
    visit = AppointmentTypeFactory(clinic=clinic, duration_minutes=30, bookable_online=True)
    now = timezone.now()
    slot = open_slots(
        clinic=clinic,
        appointment_type=visit,
        providers=[provider],
        days=week_days(clinic=clinic, now=now, week=1),
        now=now,
    )[0]
    clients = [client_for(PortalAccessFactory(patient=PatientFactory(clinic=clinic)).user) for _ in range(RACERS)]
    barrier = threading.Barrier(RACERS)
    outcomes: list[tuple[int, str]] = []

    def racer(index: int) -> None:
        try:
            barrier.wait()
            response = clients[index].post(f"/portal/appointments/book/{visit.pk}/", {"slot": slot.key, "confirm": "1"})
            outcomes.append((response.status_code, response.text))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=racer, args=(index,)) for index in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(status for status, _text in outcomes) == [302] + [409] * (RACERS - 1)
    for status, text in outcomes:
        if status == 409:
            assert "Sorry, that time was just taken." in text and "The next open times" in text
    assert Appointment.objects.filter(provider=provider).count() == 1
