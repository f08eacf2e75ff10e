"""A signature request's state machine, moved only by `audit.transitions.transition`.
Its history is the request's own timeline of SignatureEvents (the evidence)."""

from typing import cast

from patientportal.accounts.models import User
from patientportal.audit.transitions import Machine, Move
from patientportal.core import request_context
from patientportal.documents.choices import SIGNATURE_TRANSITIONS, SignatureEventKind, SignatureStatus
from patientportal.documents.errors import DocumentError
from patientportal.documents.models import SignatureEvent, SignatureRequest

EVENT_FOR_STATUS: dict[str, SignatureEventKind] = {
    SignatureStatus.PENDING: SignatureEventKind.REQUESTED,
    SignatureStatus.WITHDRAWN: SignatureEventKind.WITHDRAWN,
    SignatureStatus.SIGNED: SignatureEventKind.SIGNED,
}


def signature_event(request: SignatureRequest, kind: str, actor: User | None) -> SignatureEvent:
    """One line of the request's timeline, with where it came from."""
    info = request_context.current()
    return SignatureEvent.objects.create(
        request=request,
        kind=kind,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        ip_address=info.ip,
        user_agent=info.user_agent,
    )


def _timeline(move: Move) -> SignatureEvent:
    request = cast(SignatureRequest, move.obj)  # the model of SIGNATURE_REQUEST below
    actor = move.actor if isinstance(move.actor, User) else None  # a signed-in account, or the system
    return signature_event(request, EVENT_FOR_STATUS[move.to_state], actor)


SIGNATURE_REQUEST = Machine(
    name="documents.signature.status",
    model=SignatureRequest,
    field="status",
    states=SignatureStatus,
    table=SIGNATURE_TRANSITIONS,
    refuse=lambda machine, current, wanted: DocumentError("not_pending"),
    history=_timeline,
)
