from django.utils.translation import gettext_lazy as _


class ClinicError(Exception):
    """A refused clinic or team change; `code` is stable, `message` is for people."""

    MESSAGES = {
        "already_member": _("This person is already a member of the clinic's team."),
        "last_owner": _("A clinic needs at least one owner. Make someone else an owner first."),
        "settings_not_allowed": _("Only the clinic's owners and admins can change its settings."),
        "slug_taken": _("Another clinic already uses this short name."),
    }

    def __init__(self, code: str) -> None:
        self.code = code
        self.message = self.MESSAGES[code]
        super().__init__(str(self.message))
