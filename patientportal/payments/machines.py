"""A payment attempt's state machine, moved only by `audit.transitions.transition`."""

from patientportal.audit.transitions import Machine
from patientportal.payments.choices import PAYMENT_ATTEMPT_TRANSITIONS, PaymentAttemptStatus
from patientportal.payments.errors import PaymentError
from patientportal.payments.models import Payment

PAYMENT_ATTEMPT = Machine(
    name="payments.payment.status",
    model=Payment,
    field="status",
    states=PaymentAttemptStatus,
    table=PAYMENT_ATTEMPT_TRANSITIONS,
    refuse=lambda machine, current, wanted: PaymentError(
        "not_allowed", current=machine.label(current), wanted=machine.label(wanted)
    ),
    patient_of=lambda payment: payment.order.patient,
)
