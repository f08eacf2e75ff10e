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
        # Cancelling in the portal (scheduling.policy)
        "cancel_not_online": _("Appointments of this type cannot be cancelled online."),
        "cancel_too_late": _("Appointments can be cancelled online only up to %(hours)s hours before they start."),
        "cancel_not_upcoming": _("This appointment is no longer ahead, so it cannot be cancelled."),
        # Self-booking (scheduling.slots)
        "self_booking_closed": _("This appointment cannot be booked online."),
        "slot_taken": _("Sorry, that time was just taken. Please choose another open time."),
        # Appointment requests
        "requests_closed": _("The clinic does not take appointment requests in the portal."),
        "request_invalid_transition": _("A request that is %(current)s cannot be changed to %(wanted)s."),
        "too_many_requests": _(
            "You already have %(most)s requests waiting for the clinic. Wait for an answer or withdraw one."
        ),
        "reschedule_pending": _("A new time for this appointment is already requested."),
        "reschedule_not_upcoming": _("This appointment is no longer ahead, so a new time cannot be requested."),
    }

    def __init__(self, code: str, **params: object) -> None:
        self.code = code
        self.message = self.MESSAGES[code] % params if params else self.MESSAGES[code]
        super().__init__(str(self.message))
