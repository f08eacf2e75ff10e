from django.conf import settings
from django.db import models

from patientportal.payments.choices import (
    PaymentAttemptStatus,
    PaymentIssueKind,
    PaymentIssueStatus,
    ProviderEventStatus,
    RefundKind,
    card_label,
)


class Payment(models.Model):
    """One attempt to pay an order through a provider (a Stripe Checkout
    Session, or the built-in test page). An order may have several."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="payments")
    provider = models.CharField(max_length=20)
    reference = models.CharField(max_length=255, blank=True, db_index=True)
    charge_reference = models.CharField(max_length=255, blank=True, db_index=True)
    amount_cents = models.PositiveIntegerField()
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=20, choices=PaymentAttemptStatus.choices, default=PaymentAttemptStatus.CREATED)
    redirect_url = models.URLField(max_length=2000, blank=True)
    note = models.CharField(max_length=500, blank=True)
    # Authorise now, capture later (an order waiting for approval): the card is only authorised at checkout.
    manual_capture = models.BooleanField(default=False)
    # While Authorised: when the authorisation lapses (PAYMENT_AUTHORISATION_DAYS after the checkout began).
    authorised_until = models.DateTimeField(null=True, blank=True)
    # The card paid with, as the provider reports it (for receipts); blank when it does not say.
    card_brand = models.CharField(max_length=20, blank=True, default="")  # Stripe's word: "visa", "amex", ...
    card_last4 = models.CharField(max_length=4, blank=True, default="")
    # When reconciliation last asked the provider about this payment (refunds of a paid one, an authorisation
    # nearing its end): each is asked at most once per PAYMENT_RECONCILE_EVERY_HOURS.
    reconciled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # Reconciliation's questions: checkouts still open after a while, payments taken lately.
            models.Index(fields=["status", "created_at"], name="payment_status_created_idx"),
        ]

    def __str__(self) -> str:
        return f"Payment {self.pk} ({self.provider})"

    @property
    def card_label(self) -> str:
        """ "Visa ending in 4242", "Card ending in 4242", or "" when the provider did not say."""
        return card_label(brand=self.card_brand, last4=self.card_last4)


class Refund(models.Model):
    """Money given back from a payment, in full or in part: a row per refund, never changed."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    kind = models.CharField(max_length=20, choices=RefundKind.choices, default=RefundKind.FULL)
    amount_cents = models.PositiveIntegerField()  # tax included
    tax_cents = models.PositiveIntegerField(default=0)  # of which tax (orders.tax says how it is shared)
    reference = models.CharField(max_length=255, blank=True)
    reason = models.CharField(max_length=500, blank=True)
    restocked = models.BooleanField(default=False)  # the refunded items were put back in stock
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(tax_cents__lte=models.F("amount_cents")), name="refund_tax_within_amount"
            ),
        ]

    def __str__(self) -> str:
        return f"Refund {self.pk}"

    @property
    def items_cents(self) -> int:
        return self.amount_cents - self.tax_cents


class RefundItem(models.Model):
    """One line of a refund by items: how many of which order item, at the price paid."""

    refund = models.ForeignKey(Refund, on_delete=models.CASCADE, related_name="items")
    order_item = models.ForeignKey("orders.OrderItem", on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveSmallIntegerField()
    amount_cents = models.PositiveIntegerField()  # quantity × the unit price paid, before tax

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.quantity} × item {self.order_item_id}"


class WebhookEvent(models.Model):
    """One provider event (a webhook, the test page, a retrieve): each event id is handled once, because a
    second delivery hits the unique constraint. An event that cannot be applied yet (its payment is not
    known, or not paid yet) is kept `waiting` with what it said, and applied when the payment catches up."""

    provider = models.CharField(max_length=20)
    event_id = models.CharField(max_length=255)
    event_type = models.CharField(max_length=100)
    received_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    outcome = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=20, choices=ProviderEventStatus.choices, default=ProviderEventStatus.PROCESSED)
    # What the event said (ProviderEvent's fields), so a waiting event can be applied later. No PHI:
    # provider ids and an amount.
    kind = models.CharField(max_length=20, blank=True)
    payment_reference = models.CharField(max_length=255, blank=True)
    charge_reference = models.CharField(max_length=255, blank=True)
    amount_cents = models.PositiveIntegerField(null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    # The reference a waiting event is matched by (the charge for a refund, the checkout otherwise).
    match_reference = models.CharField(max_length=255, blank=True)
    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="provider_events"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "event_id"], name="webhook_event_processed_once"),
        ]
        indexes = [
            models.Index(
                fields=["provider", "match_reference"],
                condition=models.Q(status=ProviderEventStatus.WAITING),
                name="webhook_event_waiting",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider}:{self.event_id}"


class PaymentIssue(models.Model):
    """Something about a payment that the clinic's owners and admins must look at ("Payments needing
    attention"): an amount that did not match, a capture or a refund the provider refused, a refund that
    failed there after it was recorded, an authorisation that ended without the provider's answer. Raised
    where the payment path meets it (at most one open per payment and kind); resolved by staff with a note."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="payment_issues")
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="issues")
    kind = models.CharField(max_length=30, choices=PaymentIssueKind.choices)
    detail = models.CharField(max_length=500)  # what happened, in words for staff; provider ids and amounts only
    status = models.CharField(max_length=20, choices=PaymentIssueStatus.choices, default=PaymentIssueStatus.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution_note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["payment", "kind"],
                condition=models.Q(status=PaymentIssueStatus.OPEN),
                name="payment_issue_open_once",
            ),
        ]
        indexes = [models.Index(fields=["clinic", "status", "-created_at"], name="payment_issue_clinic_status")]

    def __str__(self) -> str:
        return f"Payment issue {self.pk} ({self.kind})"
