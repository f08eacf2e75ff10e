import pytest

from patientportal.scheduling.choices import APPOINTMENT_TRANSITIONS, AppointmentStatus
from patientportal.scheduling.errors import SchedulingError
from patientportal.scheduling.models import Appointment
from patientportal.scheduling.services import appointment_set_status, appointment_update
from tests.factories import AppointmentFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("from_status", list(AppointmentStatus))
@pytest.mark.parametrize("to_status", list(AppointmentStatus))
def test_every_status_pair_follows_the_transition_table(world, from_status, to_status):
    appointment = AppointmentFactory(patient=world.p1, status=from_status)
    allowed = to_status in APPOINTMENT_TRANSITIONS[from_status]
    if allowed:
        appointment_set_status(appointment=appointment, to=to_status, actor=world.staff_a)
    else:
        with pytest.raises(SchedulingError) as refused:
            appointment_set_status(appointment=appointment, to=to_status, actor=world.staff_a)
        assert refused.value.code == "invalid_transition"
    stored = Appointment.objects.get(pk=appointment.pk)
    assert stored.status == (to_status if allowed else from_status)
    assert (stored.status_changed_by == world.staff_a) is allowed


@pytest.mark.parametrize("final", [AppointmentStatus.COMPLETED, AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW])
def test_a_final_appointment_cannot_be_edited(world, final):
    appointment = AppointmentFactory(patient=world.p1, status=final, patient_notes="before")
    with pytest.raises(SchedulingError) as refused:
        appointment_update(appointment=appointment, changes={"patient_notes": "after"}, actor=world.staff_a)
    assert refused.value.code == "final_status"
    assert Appointment.objects.get(pk=appointment.pk).patient_notes == "before"
