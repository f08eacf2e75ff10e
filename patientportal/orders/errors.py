from django.utils.translation import gettext_lazy as _


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
