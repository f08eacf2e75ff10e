import datetime

import pytest
from django.utils import timezone

from patientportal.audit.models import AuditEvent
from patientportal.scheduling.choices import AppointmentStatus
from patientportal.scheduling.errors import SchedulingError
from patientportal.scheduling.models import Appointment
from patientportal.scheduling.services import appointment_book, appointment_cancel, appointment_set_status
from tests.factories import AppointmentTypeFactory, LocationFactory, ProviderFactory

pytestmark = pytest.mark.django_db

NINE = datetime.datetime(2030, 3, 4, 14, 0, tzinfo=datetime.UTC)
MINUTE = datetime.timedelta(minutes=1)


@pytest.fixture
def setup(world):
    return {
        "provider": ProviderFactory(clinic=world.clinic_a, name="Dr. Ana Ruiz", credentials="MD"),
        "other_provider": ProviderFactory(clinic=world.clinic_a),
        "type": AppointmentTypeFactory(clinic=world.clinic_a, name="Check-up", duration_minutes=30),
        "location": LocationFactory(clinic=world.clinic_a),
    }


def book(world, setup, starts_at=NINE, *, provider=None, minutes=None, patient=None):
    return appointment_book(
        patient=patient or world.p1,
        provider=provider or setup["provider"],
        appointment_type=setup["type"],
        location=setup["location"],
        starts_at=starts_at,
        duration_minutes=minutes,
        actor=world.staff_a,
    )


def test_booking_takes_the_types_duration_and_records_who(world, setup):
    appointment = book(world, setup)
    assert (appointment.duration_minutes, appointment.ends_at) == (30, NINE + 30 * MINUTE)
    assert (appointment.status, appointment.created_by, appointment.clinic) == (
        AppointmentStatus.SCHEDULED,
        world.staff_a,
        world.clinic_a,
    )
    assert AuditEvent.objects.filter(action="scheduling.appointment.booked", patient=world.p1).count() == 1


def test_a_duration_can_be_given_instead(world, setup):
    assert book(world, setup, minutes=45).ends_at == NINE + 45 * MINUTE


@pytest.mark.parametrize(
    ("offset_minutes", "minutes"),
    [(0, 30), (15, 30), (-15, 30), (-60, 90), (10, 5)],
)
def test_an_overlapping_booking_for_the_same_provider_is_refused(world, setup, offset_minutes, minutes):
    book(world, setup)
    with pytest.raises(SchedulingError) as refused:
        book(world, setup, NINE + offset_minutes * MINUTE, minutes=minutes, patient=world.p2)
    assert refused.value.code == "double_booked"
    assert "Dr. Ana Ruiz, MD already has an appointment from 9:00 AM to 9:30 AM" in str(refused.value.message)
    assert Appointment.objects.count() == 1


@pytest.mark.parametrize("offset_minutes", [30, -30])
def test_back_to_back_appointments_are_fine(world, setup, offset_minutes):
    book(world, setup)
    book(world, setup, NINE + offset_minutes * MINUTE, patient=world.p2)
    assert Appointment.objects.count() == 2


def test_another_provider_at_the_same_time_is_fine(world, setup):
    book(world, setup)
    book(world, setup, provider=setup["other_provider"], patient=world.p2)
    assert Appointment.objects.count() == 2


@pytest.mark.parametrize("status", [AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW])
def test_cancelled_and_no_show_appointments_free_the_time(world, setup, status):
    first = book(world, setup)
    appointment_set_status(appointment=first, to=status, actor=world.staff_a)
    book(world, setup, patient=world.p2)
    assert Appointment.objects.exclude(status=status).count() == 1


def test_an_inactive_provider_cannot_be_booked(world, setup):
    setup["provider"].active = False
    setup["provider"].save()
    with pytest.raises(SchedulingError) as refused:
        book(world, setup)
    assert refused.value.code == "inactive_choice"


@pytest.mark.parametrize("minutes", [4, 481])
def test_a_duration_outside_5_to_480_minutes_is_refused(world, setup, minutes):
    with pytest.raises(SchedulingError) as refused:
        book(world, setup, minutes=minutes)
    assert refused.value.code == "duration_out_of_range"


def test_cancelling_records_who_and_when(world, setup):
    appointment = appointment_cancel(appointment=book(world, setup), actor=world.owner_a)
    appointment.refresh_from_db()
    assert (appointment.status, appointment.status_changed_by) == (AppointmentStatus.CANCELLED, world.owner_a)
    assert timezone.now() - appointment.status_changed_at < datetime.timedelta(seconds=5)


def test_the_longest_visit_still_blocks_its_last_minute(world, setup):
    # The overlap query looks back only MAX_DURATION (8 hours) from the new start: a visit of the
    # maximum length that began 7 h 59 min earlier is still found; one that has just ended is not.
    book(world, setup, NINE, minutes=8 * 60)
    with pytest.raises(SchedulingError) as refused:
        book(world, setup, NINE + (8 * 60 - 1) * MINUTE, minutes=30, patient=world.p2)
    assert refused.value.code == "double_booked"
    assert book(world, setup, NINE + 8 * 60 * MINUTE, minutes=30, patient=world.p2).starts_at == NINE + 8 * 60 * MINUTE
