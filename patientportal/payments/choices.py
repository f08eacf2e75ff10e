from django.db import models
from django.utils.translation import gettext_lazy as _


class PaymentAttemptStatus(models.TextChoices):
    CREATED = "created", _("Started")
    PROCESSING = "processing", _("Processing")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")
    EXPIRED = "expired", _("Expired")
    REFUNDED = "refunded", _("Refunded")
    NEEDS_REVIEW = "needs_review", _("Needs review")


S = PaymentAttemptStatus
# A late or repeated provider event can never move a payment backwards.
PAYMENT_ATTEMPT_TRANSITIONS: dict[str, frozenset[str]] = {
    S.CREATED: frozenset({S.PROCESSING, S.SUCCEEDED, S.FAILED, S.EXPIRED, S.NEEDS_REVIEW}),
    S.PROCESSING: frozenset({S.SUCCEEDED, S.FAILED, S.NEEDS_REVIEW}),
    S.SUCCEEDED: frozenset({S.REFUNDED}),
    S.FAILED: frozenset(),
    S.EXPIRED: frozenset({S.SUCCEEDED, S.NEEDS_REVIEW}),
    S.REFUNDED: frozenset(),
    S.NEEDS_REVIEW: frozenset({S.REFUNDED}),
}


class ProviderEventStatus(models.TextChoices):
    PROCESSED = "processed", _("Processed")
    WAITING = "waiting", _("Waiting for its payment")
    DISMISSED = "dismissed", _("Dismissed by an operator")


E = ProviderEventStatus
# An event that cannot be applied yet (its payment is unknown, or not yet paid) waits and is applied when
# the payment catches up. It is never dropped: only an operator may dismiss one (not ours, or settled by hand).
PROVIDER_EVENT_TRANSITIONS: dict[str, frozenset[str]] = {
    E.WAITING: frozenset({E.PROCESSED, E.DISMISSED}),
    E.PROCESSED: frozenset(),
    E.DISMISSED: frozenset(),
}
