from django.utils.translation import gettext_lazy as _


class PaymentError(Exception):
    """A refused change of a payment; `code` is stable, `message` is for people."""

    MESSAGES = {
        "not_allowed": _("A payment that is “%(current)s” cannot become “%(wanted)s”."),
    }

    def __init__(self, code: str, **params: object) -> None:
        self.code = code
        self.message = self.MESSAGES[code] % params if params else self.MESSAGES[code]
        super().__init__(str(self.message))
