from django.utils.translation import gettext_lazy as _


class PaymentError(Exception):
    """A refused change of a payment; `code` is stable, `message` is for people."""

    MESSAGES = {
        "not_allowed": _("A payment that is “%(current)s” cannot become “%(wanted)s”."),
        "refund_not_allowed": _(
            "Only the clinic's owners and admins can refund a payment (or cancel a paid order, which refunds it). "
            "Nothing was changed."
        ),
        "not_allowed_event": _("A provider event that is “%(current)s” cannot become “%(wanted)s”."),
        "reason_required": _("Please give a reason; it is kept in the audit log."),
        "provider_refused": _("The payment service refused this refund. Nothing was refunded."),
        "refund_items_or_amount": _("Choose the items to refund, or type an amount — one of the two."),
        "refund_amount_positive": _("Type an amount greater than zero."),
        "over_refund": _("That is more than is left to refund: at most %(left)s."),
        "issue_not_allowed_move": _("This payment is marked “%(current)s”; it cannot become “%(wanted)s”."),
        "issue_not_allowed": _("Only the clinic's owners and admins can resolve a payment that needs attention."),
        "note_required": _("Please say how it was resolved; the note is kept in the audit log."),
        "refund_changed": _(
            "What is left to refund changed while you were reviewing (another refund came first). "
            "Nothing was refunded; please review it again."
        ),
    }

    def __init__(self, code: str, **params: object) -> None:
        self.code = code
        self.message = self.MESSAGES[code] % params if params else self.MESSAGES[code]
        super().__init__(str(self.message))


class RefundRefused(PaymentError):
    """The provider refused a refund: nothing was refunded. Carries which payment and how much, so the
    refusal can be kept for staff ("Payments needing attention") after the refund's transaction is undone."""

    def __init__(self, *, payment_id: int, amount_cents: int) -> None:
        super().__init__("provider_refused")
        self.payment_id = payment_id
        self.amount_cents = amount_cents
