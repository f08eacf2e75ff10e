from django.db import models
from django.utils.translation import gettext_lazy as _


class OrderStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    PROCESSING = "processing", _("Processing")
    READY = "ready", _("Ready for pickup")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class PaymentStatus(models.TextChoices):
    UNPAID = "unpaid", _("Unpaid")
    # The card is authorised (money held, not taken) while the order waits for approval; approval captures it.
    AUTHORISED = "authorised", _("Card authorised")
    PAID = "paid", _("Paid")
    PARTLY_REFUNDED = "partly_refunded", _("Partly refunded")
    FAILED = "failed", _("Failed")
    REFUNDED = "refunded", _("Refunded")


class Approval(models.TextChoices):
    NOT_NEEDED = "not_needed", _("Not needed")
    AWAITING = "awaiting", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


# The one table per machine of the allowed moves.
ORDER_TRANSITIONS: dict[str, frozenset[str]] = {
    OrderStatus.PENDING: frozenset({OrderStatus.PROCESSING, OrderStatus.CANCELLED}),
    OrderStatus.PROCESSING: frozenset({OrderStatus.READY, OrderStatus.CANCELLED}),
    OrderStatus.READY: frozenset({OrderStatus.COMPLETED, OrderStatus.CANCELLED}),
    OrderStatus.COMPLETED: frozenset(),
    OrderStatus.CANCELLED: frozenset(),
}
PAYMENT_TRANSITIONS: dict[str, frozenset[str]] = {
    PaymentStatus.UNPAID: frozenset({PaymentStatus.AUTHORISED, PaymentStatus.PAID, PaymentStatus.FAILED}),
    PaymentStatus.FAILED: frozenset({PaymentStatus.AUTHORISED, PaymentStatus.PAID, PaymentStatus.FAILED}),
    # Captured on approval; or released (rejected, cancelled) or lapsed: back to "pay after approval".
    PaymentStatus.AUTHORISED: frozenset({PaymentStatus.PAID, PaymentStatus.UNPAID}),
    PaymentStatus.PAID: frozenset({PaymentStatus.PARTLY_REFUNDED, PaymentStatus.REFUNDED}),
    # Each further partial refund is a move of its own (a line in the order's history).
    PaymentStatus.PARTLY_REFUNDED: frozenset({PaymentStatus.PARTLY_REFUNDED, PaymentStatus.REFUNDED}),
    PaymentStatus.REFUNDED: frozenset(),
}
APPROVAL_TRANSITIONS: dict[str, frozenset[str]] = {
    Approval.NOT_NEEDED: frozenset(),
    Approval.AWAITING: frozenset({Approval.APPROVED, Approval.REJECTED}),
    Approval.APPROVED: frozenset(),
    Approval.REJECTED: frozenset(),
}

ORDER_BADGES: dict[str, str] = {
    OrderStatus.PENDING: "info",
    OrderStatus.PROCESSING: "info",
    OrderStatus.READY: "success",
    OrderStatus.COMPLETED: "neutral",
    OrderStatus.CANCELLED: "danger",
}
PAYMENT_BADGES: dict[str, str] = {
    PaymentStatus.UNPAID: "warning",
    PaymentStatus.AUTHORISED: "info",
    PaymentStatus.PAID: "success",
    PaymentStatus.PARTLY_REFUNDED: "neutral",
    PaymentStatus.FAILED: "danger",
    PaymentStatus.REFUNDED: "neutral",
}
