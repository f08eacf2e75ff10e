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
    PAID = "paid", _("Paid")
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
    PaymentStatus.UNPAID: frozenset({PaymentStatus.PAID, PaymentStatus.FAILED}),
    PaymentStatus.FAILED: frozenset({PaymentStatus.PAID, PaymentStatus.FAILED}),
    PaymentStatus.PAID: frozenset({PaymentStatus.REFUNDED}),
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
    PaymentStatus.PAID: "success",
    PaymentStatus.FAILED: "danger",
    PaymentStatus.REFUNDED: "neutral",
}
