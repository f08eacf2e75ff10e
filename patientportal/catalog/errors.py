from django.utils.translation import gettext_lazy as _


class CatalogError(Exception):
    MESSAGES = {
        "stock_negative": _("Stock cannot go below zero: only %(stock)s in stock."),
        "zero_change": _("Enter a quantity other than zero."),
        "sku_taken": _("Another product of this clinic already uses this SKU."),
        "not_tracked": _("This product does not track inventory."),
    }

    def __init__(self, code: str, **params: object) -> None:
        self.code = code
        self.message = self.MESSAGES[code] % params if params else self.MESSAGES[code]
        super().__init__(str(self.message))
