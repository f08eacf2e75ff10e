from django.utils.translation import gettext_lazy as _

from patientportal.clinics.models import Clinic


class CartError(Exception):
    MESSAGES = {
        "out_of_stock": _("%(product)s is out of stock."),
        "not_enough_stock": _("Only %(available)s of %(product)s available; your cart would hold %(wanted)s."),
        "age_restricted": _("%(product)s is only available to patients aged %(age)s or older."),
        "unavailable": _("%(product)s is no longer available."),
        "quantity_range": _("Choose a quantity from 1 to %(max)s."),
    }

    def __init__(self, code: str, **params: object) -> None:
        self.code = code
        self.message = self.MESSAGES[code] % params
        super().__init__(str(self.message))


class OrderError(Exception):
    MESSAGES = {
        "cart_empty": _("Your cart is empty."),
        "cart_not_ready": _("Some items in your cart need your attention first."),
        "sold_out_meanwhile": _("%(product)s sold out while you were checking out. Your cart was not changed."),
        "not_allowed": _("This order cannot go from “%(current)s” to “%(wanted)s”."),
        "not_payable": _("This order cannot be paid now."),
        "reason_required": _("Please give a reason; the patient will see it."),
        "not_paid": _("Only a paid order can be refunded."),
        "payments_unavailable": _("Online payment is not available yet. Please contact the clinic to pay."),
        "provider_unavailable": _("The payment service could not be reached. Nothing was charged; please try again."),
        "payment_in_progress": _("A payment for this order is being processed. Please wait for it to finish."),
        "total_changed": _("Prices changed while you were checking out. Please review the new total."),
        "not_pending": _("Only an order that is still pending can be approved or rejected."),
        "authorised": _("This order's card authorisation is captured on approval or released on rejection."),
        "refund_too_many": _("At most %(left)s of %(item)s can still be refunded."),
        "refund_unknown_item": _("That item is not part of this order."),
    }

    def __init__(self, code: str, **params: object) -> None:
        self.code = code
        self.message = self.MESSAGES[code] % params if params else self.MESSAGES[code]
        super().__init__(str(self.message))

    def message_for(self, clinic: Clinic) -> str:
        """The message, followed by the clinic's phone and email when it tells the patient to
        contact the clinic and the clinic has them (a plain-text line: it is shown as a message)."""
        if self.code in CONTACT_CLINIC_CODES and clinic.contact_line:
            return f"{self.message} {clinic.contact_line}"
        return str(self.message)


# The refusals whose message sends the patient to the clinic.
CONTACT_CLINIC_CODES = frozenset({"payments_unavailable"})
