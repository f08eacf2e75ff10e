"""The payments app's state machines (a payment attempt, a stored provider event, a payment issue), moved only by
`audit.transitions.transition`."""

from patientportal.audit.transitions import Machine
from patientportal.payments.choices import (
    PAYMENT_ATTEMPT_TRANSITIONS,
    PAYMENT_ISSUE_TRANSITIONS,
    PROVIDER_EVENT_TRANSITIONS,
    PaymentAttemptStatus,
    PaymentIssueStatus,
    ProviderEventStatus,
)
from patientportal.payments.errors import PaymentError
from patientportal.payments.models import Payment, PaymentIssue, WebhookEvent

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

PROVIDER_EVENT = Machine(
    name="payments.provider_event.status",
    model=WebhookEvent,
    field="status",
    states=ProviderEventStatus,
    table=PROVIDER_EVENT_TRANSITIONS,
    refuse=lambda machine, current, wanted: PaymentError(
        "not_allowed_event", current=machine.label(current), wanted=machine.label(wanted)
    ),
    patient_of=lambda event: None,  # not known until it meets its payment; the applied event's audit names it
)

PAYMENT_ISSUE = Machine(
    name="payments.issue.status",
    model=PaymentIssue,
    field="status",
    states=PaymentIssueStatus,
    table=PAYMENT_ISSUE_TRANSITIONS,
    refuse=lambda machine, current, wanted: PaymentError(
        "issue_not_allowed_move", current=machine.label(current), wanted=machine.label(wanted)
    ),
    patient_of=lambda issue: issue.order.patient,
)
