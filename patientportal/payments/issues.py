"""Payments needing attention (issue 17, part 3): what the payment path cannot settle by itself and
staff must look at. An issue is raised where the path meets it — an amount that did not match, a
capture or a refund the provider refused, a refund that failed at the provider after it was recorded
(found by reconciliation or said by a webhook), an authorisation that ended without the provider's
answer — at most one open per payment and kind (a unique constraint, so the webhook and reconciliation
saying the same raise it once). Owners and admins resolve it with a note; both are audited."""

import logging
from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from django.db import IntegrityError, transaction
from django.utils import timezone

from patientportal.accounts.models import User
from patientportal.audit import services as audit
from patientportal.audit.transitions import transition
from patientportal.clinics.choices import Role
from patientportal.clinics.models import StaffMembership
from patientportal.core.money import format_money
from patientportal.orders.models import Order
from patientportal.payments.choices import PaymentIssueKind, PaymentIssueStatus
from patientportal.payments.errors import PaymentError, RefundRefused
from patientportal.payments.machines import PAYMENT_ISSUE
from patientportal.payments.models import Payment, PaymentIssue

logger = logging.getLogger(__name__)
P = ParamSpec("P")
R = TypeVar("R")
# Who sees and resolves payments needing attention: those who may give money back.
ISSUE_ROLES = frozenset({Role.OWNER, Role.ADMIN})


def payment_issue_raise(*, payment: Payment, order: Order, kind: str, detail: str) -> PaymentIssue | None:
    """Raise an issue about a payment, inside the caller's transaction; None if one of this kind is open
    already (the same thing found twice, by a webhook and by reconciliation)."""
    try:
        with transaction.atomic():
            issue = PaymentIssue.objects.create(
                clinic_id=order.clinic_id, order=order, payment=payment, kind=kind, detail=detail[:500]
            )
    except IntegrityError:
        return None
    audit.record(
        action="payments.issue.raised",
        clinic=order.clinic,
        patient=order.patient,
        obj=payment,
        metadata={"kind": kind, "issue": issue.pk},
    )
    logger.warning("Payment %s needs attention: %s", payment.pk, kind)
    return issue


@transaction.atomic
def refund_refused_record(*, payment_id: int, amount_cents: int, actor: User | None) -> PaymentIssue | None:
    """Keep a refund the provider refused for staff to settle (the refund's own transaction was undone)."""
    payment = Payment.objects.select_related("order__clinic", "order__patient").get(pk=payment_id)
    who = f" (asked by {actor.email})" if actor is not None else ""
    detail = (
        f"The payment provider refused to refund {format_money(amount_cents, payment.currency)}{who}. "
        "Nothing was refunded: refund at the provider or ask the patient, then resolve this."
    )
    return payment_issue_raise(
        payment=payment, order=payment.order, kind=PaymentIssueKind.REFUND_REFUSED, detail=detail
    )


def may_resolve(*, actor: User, clinic_id: int) -> bool:
    return StaffMembership.objects.filter(user=actor, clinic_id=clinic_id, role__in=ISSUE_ROLES).exists()


@transaction.atomic
def payment_issue_resolve(*, issue: PaymentIssue, actor: User, note: str) -> PaymentIssue:
    """Staff mark an issue resolved, saying how (kept on the issue and in the audit log). A second
    resolve of the same issue is refused (PaymentError) and changes nothing."""
    if not note.strip():
        raise PaymentError("note_required")
    if not may_resolve(actor=actor, clinic_id=issue.clinic_id):
        raise PaymentError("issue_not_allowed")
    locked = PaymentIssue.objects.select_for_update().select_related("order__patient").get(pk=issue.pk)
    transition(
        machine=PAYMENT_ISSUE,
        obj=locked,
        to=PaymentIssueStatus.RESOLVED,
        actor=actor,
        note=note.strip()[:500],
        fields={"resolved_by": actor, "resolved_at": timezone.now(), "resolution_note": note.strip()[:500]},
        audit_action="payments.issue.resolved",
        audit_metadata={"kind": locked.kind, "payment": locked.payment_id},
    )
    return locked


def keeps_refused_refunds(use_case: Callable[P, R]) -> Callable[P, R]:
    """Around a refunding use case (outside its transaction): a refund the provider refuses undoes the use
    case, and is then kept as an issue for staff, in a transaction of its own."""

    @wraps(use_case)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return use_case(*args, **kwargs)
        except RefundRefused as refused:
            actor = kwargs.get("actor")
            refund_refused_record(
                payment_id=refused.payment_id,
                amount_cents=refused.amount_cents,
                actor=actor if isinstance(actor, User) else None,
            )
            raise

    return wrapper
