"""Refunds the portal dropped before provider events could wait (issue 13, item 4).

Before 0002, a `charge.refunded` that came before its payment could take it was answered
"ignored: no such payment" (its charge was not known yet) or "ignored: payment is created /
processing / expired" (not paid yet), recorded as processed and never applied: the order may
show Paid although the money went back. Today such an event waits and is applied when its
payment catches up.

The old rows cannot simply be made to wait like that: 0001 kept only the provider, the event
id, its type and the outcome, not the charge the refund names nor its amount, so nothing could
ever match and apply them. They are turned into *waiting* events with no reference to match
(so nothing applies them automatically) and an outcome that says why: they show in the operator
area under "Waiting for its payment", and every reconciliation run logs them as waiting too long
until an operator has checked each in the Stripe dashboard, settled the order by hand if needed
and dismissed it (docs/operations.md, "Payments and webhooks").

This writes the state the event would have been created in today, not a move of the state
machine (which lets a processed event go nowhere). Other ignored events are left alone:
reconciliation asks Stripe about every checkout still open, so a completion that was dropped is
found again; only a refund of a payment we then recorded as paid has no other way back.

Self-contained on purpose (no import of the app's code), so later changes cannot alter it.
"""

from django.db import migrations
from django.utils import timezone

REFUND_EVENT = "charge.refunded"
# What the code before 0002 answered to a refund its payment could not take yet.
DROPPED_OUTCOMES = (
    "ignored: no such payment",
    "ignored: payment is created",
    "ignored: payment is processing",
    "ignored: payment is expired",
)
MARK = "waiting: check by hand, "
OUTCOME = MARK + "kept before the upgrade without its charge, so it cannot be applied (it was: {old})"


def dropped_refunds_wait_for_an_operator(apps, schema_editor):
    WebhookEvent = apps.get_model("payments", "WebhookEvent")
    now = timezone.now()
    dropped = WebhookEvent.objects.filter(
        event_type=REFUND_EVENT, status="processed", outcome__in=DROPPED_OUTCOMES, payment__isnull=True
    )
    for event in dropped.iterator():
        event.status = "waiting"
        event.kind = "refunded"
        event.match_reference = ""  # no charge was kept: nothing may apply it automatically
        event.outcome = OUTCOME.format(old=event.outcome)[:200]
        event.updated_at = now
        event.save(update_fields=["status", "kind", "match_reference", "outcome", "updated_at"])


def back_to_processed(apps, schema_editor):
    """Undo: the rows this migration marked (and no operator has dismissed since) say what they said."""
    WebhookEvent = apps.get_model("payments", "WebhookEvent")
    for old in DROPPED_OUTCOMES:
        WebhookEvent.objects.filter(
            event_type=REFUND_EVENT, status="waiting", outcome=OUTCOME.format(old=old)[:200]
        ).update(status="processed", kind="", outcome=old, updated_at=timezone.now())


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0002_provider_events_wait_for_their_payment"),
    ]

    operations = [migrations.RunPython(dropped_refunds_wait_for_an_operator, back_to_processed)]
