from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class PaymentAttemptStatus(models.TextChoices):
    CREATED = "created", _("Started")
    PROCESSING = "processing", _("Processing")
    AUTHORISED = "authorised", _("Authorised")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")
    EXPIRED = "expired", _("Expired")
    RELEASED = "released", _("Authorisation released")
    REFUNDED = "refunded", _("Refunded")
    NEEDS_REVIEW = "needs_review", _("Needs review")


S = PaymentAttemptStatus
# A late or repeated provider event can never move a payment backwards. An authorisation (manual capture)
# is captured (succeeded) or released (rejected, cancelled, lapsed); refunds in part leave a payment
# Succeeded (each is a Refund row); refunded in full, it is Refunded.
PAYMENT_ATTEMPT_TRANSITIONS: dict[str, frozenset[str]] = {
    S.CREATED: frozenset({S.PROCESSING, S.AUTHORISED, S.SUCCEEDED, S.FAILED, S.EXPIRED, S.NEEDS_REVIEW}),
    S.PROCESSING: frozenset({S.SUCCEEDED, S.FAILED, S.NEEDS_REVIEW}),
    S.AUTHORISED: frozenset({S.SUCCEEDED, S.RELEASED, S.NEEDS_REVIEW}),
    S.SUCCEEDED: frozenset({S.REFUNDED}),
    S.FAILED: frozenset(),
    S.EXPIRED: frozenset({S.AUTHORISED, S.SUCCEEDED, S.NEEDS_REVIEW}),
    S.RELEASED: frozenset(),
    S.REFUNDED: frozenset(),
    S.NEEDS_REVIEW: frozenset({S.REFUNDED}),
}


class RefundKind(models.TextChoices):
    FULL = "full", _("In full")
    ITEMS = "items", _("Items")
    AMOUNT = "amount", _("An amount")
    AT_PROVIDER = "at_provider", _("At the payment provider")


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


# Card brands as Stripe names them (a charge's payment_method_details.card.brand), as patients read them.
CARD_BRANDS = {
    "amex": "American Express",
    "cartes_bancaires": "Cartes Bancaires",
    "diners": "Diners Club",
    "discover": "Discover",
    "eftpos_au": "eftpos Australia",
    "interac": "Interac",
    "jcb": "JCB",
    "link": "Link",
    "mastercard": "Mastercard",
    "unionpay": "UnionPay",
    "visa": "Visa",
}


def card_label(*, brand: str, last4: str) -> str:
    """ "Visa ending in 4242"; "Card ending in 4242" for a brand we do not know; "" without the digits."""
    if not last4:
        return ""
    name = CARD_BRANDS.get(brand.lower(), "") if brand else ""
    if name:
        return gettext("%(brand)s ending in %(last4)s") % {"brand": name, "last4": last4}
    return gettext("Card ending in %(last4)s") % {"last4": last4}


class PaymentIssueKind(models.TextChoices):
    """What about a payment staff must look at ("Payments needing attention")."""

    AMOUNT_MISMATCH = "amount_mismatch", _("Amount did not match")
    CAPTURE_FAILED = "capture_failed", _("Capture failed")
    REFUND_REFUSED = "refund_refused", _("Refund refused")
    REFUND_FAILED = "refund_failed", _("Refund failed at the provider")
    AUTHORISATION_UNANSWERED = "authorisation_unanswered", _("Authorisation ended unconfirmed")


class PaymentIssueStatus(models.TextChoices):
    OPEN = "open", _("Needs attention")
    RESOLVED = "resolved", _("Resolved")


PAYMENT_ISSUE_TRANSITIONS: dict[str, frozenset[str]] = {
    PaymentIssueStatus.OPEN: frozenset({PaymentIssueStatus.RESOLVED}),
    PaymentIssueStatus.RESOLVED: frozenset(),
}
