from django.utils.translation import gettext_lazy as _

MESSAGES = {
    "unknown_kind": _("There is no such kind of notification."),
    "not_a_staff_page": _("A notification must link to a page of the clinic's staff area."),
    "unknown_choice": _("Choose email at once, a daily summary or off for each kind of notification."),
}


class NotificationError(Exception):
    def __init__(self, code: str) -> None:
        self.code = code
        self.message = str(MESSAGES[code])
        super().__init__(self.message)
