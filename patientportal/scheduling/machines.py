"""An appointment's and an appointment request's state machines, moved only by `audit.transitions.transition`."""

from patientportal.audit.transitions import Machine
from patientportal.scheduling.choices import (
    APPOINTMENT_REQUEST_TRANSITIONS,
    APPOINTMENT_TRANSITIONS,
    AppointmentRequestStatus,
    AppointmentStatus,
)
from patientportal.scheduling.errors import SchedulingError
from patientportal.scheduling.models import Appointment, AppointmentRequest

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

APPOINTMENT_REQUEST_STATUS = Machine(
    name="scheduling.appointment_request.status",
    model=AppointmentRequest,
    field="status",
    states=AppointmentRequestStatus,
    table=APPOINTMENT_REQUEST_TRANSITIONS,
    refuse=lambda machine, current, wanted: SchedulingError(
        "request_invalid_transition", current=machine.label(current).lower(), wanted=machine.label(wanted).lower()
    ),
)
