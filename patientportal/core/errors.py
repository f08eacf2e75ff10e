from django.utils.translation import gettext_lazy as _


class EmailDeliveryError(Exception):
    """A refused change to an email delivery; `code` is stable, `message` is for people."""

    MESSAGES = {
        "not_failed": _("This email was not refused: it is sent or still being tried, so there is nothing to resend."),
        "message_gone": _(
            "This email is too old to send again: its content is no longer kept. "
            "Do again what sent it (for an invitation: Resend invitation)."
        ),
        "changed": _("This email was changed at the same moment by someone else. Reload the page and try again."),
    }

    def __init__(self, code: str) -> None:
        self.code = code
        self.message = self.MESSAGES[code]
        super().__init__(str(self.message))
