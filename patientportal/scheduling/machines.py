"""An appointment's state machine, moved only by `audit.transitions.transition`."""

from patientportal.audit.transitions import Machine
from patientportal.scheduling.choices import APPOINTMENT_TRANSITIONS, AppointmentStatus
from patientportal.scheduling.errors import SchedulingError
from patientportal.scheduling.models import Appointment

APPOINTMENT_STATUS = Machine(
    name="scheduling.appointment.status",
    model=Appointment,
    field="status",
    states=AppointmentStatus,
    table=APPOINTMENT_TRANSITIONS,
    refuse=lambda machine, current, wanted: SchedulingError(
        "invalid_transition", current=machine.label(current).lower(), wanted=machine.label(wanted).lower()
    ),
)
