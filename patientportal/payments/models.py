from django.conf import settings
from django.db import models

from patientportal.payments.choices import PaymentAttemptStatus, ProviderEventStatus


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
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Payment {self.pk} ({self.provider})"


class Refund(models.Model):
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount_cents = models.PositiveIntegerField()
    reference = models.CharField(max_length=255, blank=True)
    reason = models.CharField(max_length=500, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Refund {self.pk}"


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
