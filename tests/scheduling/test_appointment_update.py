import datetime

import pytest

from patientportal.audit.models import AuditEvent
from patientportal.scheduling.errors import SchedulingError
from patientportal.scheduling.models import Appointment
from patientportal.scheduling.services import appointment_update
from tests.factories import AppointmentFactory, ProviderFactory

pytestmark = pytest.mark.django_db

START = datetime.datetime(2030, 5, 1, 15, 0, tzinfo=datetime.UTC)


def test_moving_onto_another_appointment_of_the_provider_is_refused(world):
    first = AppointmentFactory(patient=world.p1, starts_at=START)
    second = AppointmentFactory(
        patient=world.p2,
        provider=first.provider,
        appointment_type=first.appointment_type,
        starts_at=START + datetime.timedelta(hours=2),
    )
    with pytest.raises(SchedulingError) as refused:
        appointment_update(
            appointment=second, changes={"starts_at": START + datetime.timedelta(minutes=10)}, actor=world.staff_a
        )
    assert refused.value.code == "double_booked"
    assert Appointment.objects.get(pk=second.pk).starts_at == START + datetime.timedelta(hours=2)


def test_changing_the_duration_keeps_the_end_in_step_and_audits_field_names(world):
    appointment = AppointmentFactory(patient=world.p1, starts_at=START, internal_notes="")
    appointment_update(
        appointment=appointment,
        changes={"duration_minutes": 50, "internal_notes": "Needs interpreter"},
        actor=world.staff_a,
    )
    stored = Appointment.objects.get(pk=appointment.pk)
    assert stored.ends_at == START + datetime.timedelta(minutes=50)
    event = AuditEvent.objects.get(action="scheduling.appointment.updated")
    # A new length is a new time for the patient: emailed to the account and the record's address.
    assert event.metadata == {"fields": ["duration_minutes", "internal_notes"], "emails": 2}


def test_an_appointment_can_move_to_a_free_provider(world):
    appointment = AppointmentFactory(patient=world.p1, starts_at=START)
    AppointmentFactory(patient=world.p2, provider=appointment.provider, starts_at=START + datetime.timedelta(hours=1))
    other = ProviderFactory(clinic=world.clinic_a)
    appointment_update(appointment=appointment, changes={"provider": other}, actor=world.staff_a)
    assert Appointment.objects.get(pk=appointment.pk).provider == other
