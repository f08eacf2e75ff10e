from django.utils.translation import gettext_lazy as _


class SchedulingError(Exception):
    """A refused scheduling action; `code` is stable, `message` is for people."""

    MESSAGES = {
        "double_booked": _(
            "%(provider)s already has an appointment from %(start)s to %(end)s. Choose another time or provider."
        ),
        "invalid_transition": _("An appointment that is %(current)s cannot be changed to %(wanted)s."),
        "final_status": _("This appointment is %(current)s and can no longer be changed."),
        "inactive_choice": _("%(what)s is no longer active. Choose another."),
        "duration_out_of_range": _("The duration must be between 5 and 480 minutes."),
        "check_in_before_the_day": _("This visit is on %(day)s: patients are checked in on the day of their visit."),
        "no_show_before_the_time": _(
            "This visit starts at %(time)s: it can be marked a no-show once that time has passed."
        ),
    }

    def __init__(self, code: str, **params: object) -> None:
        self.code = code
        self.message = self.MESSAGES[code] % params if params else self.MESSAGES[code]
        super().__init__(str(self.message))
