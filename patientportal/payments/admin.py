from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from patientportal.accounts.models import User
from patientportal.payments.choices import ProviderEventStatus
from patientportal.payments.errors import PaymentError
from patientportal.payments.models import WebhookEvent
from patientportal.payments.services import provider_event_dismiss

EVENT_FIELDS = (
    "provider",
    "event_id",
    "event_type",
    "status",
    "outcome",
    "received_at",
    "updated_at",
    "kind",
    "payment_reference",
    "charge_reference",
    "amount_cents",
    "currency",
    "match_reference",
    "payment",
)


@admin.register(WebhookEvent)
class ProviderEventAdmin(admin.ModelAdmin[WebhookEvent]):
    """For operators: every provider event and what it did. Filter on "Waiting for its payment" to see
    the events kept for a payment that has not turned up (reconciliation logs them when they wait too
    long). Nothing here can be edited; a waiting event that will never find its payment can be dismissed."""

    list_display = ["received_at", "provider", "event_type", "status", "outcome", "match_reference"]
    list_filter = ["status", "provider"]
    search_fields = ["event_id", "payment_reference", "charge_reference"]
    ordering = ["-received_at", "-id"]
    fields = EVENT_FIELDS
    readonly_fields = EVENT_FIELDS
    actions = ["dismiss"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: WebhookEvent | None = None) -> bool:
        return False

    @admin.action(description="Dismiss the selected waiting events (not ours, or settled by hand)")
    def dismiss(self, request: HttpRequest, queryset: QuerySet[WebhookEvent]) -> None:
        assert isinstance(request.user, User)  # the admin is for signed-in operators only
        dismissed = 0
        for event in queryset.filter(status=ProviderEventStatus.WAITING):
            try:
                provider_event_dismiss(event=event, actor=request.user, reason="Dismissed in the operator area")
            except PaymentError:
                continue  # applied or dismissed meanwhile
            dismissed += 1
        self.message_user(request, f"Dismissed {dismissed} waiting event(s).", messages.SUCCESS)
