"""An appointment as an iCalendar (.ics) file, built with the `icalendar` library: the
portal's "Add to calendar" download and the file attached to every appointment email."""

import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from icalendar import Alarm, Calendar, Event

from patientportal.scheduling.choices import AppointmentStatus
from patientportal.scheduling.models import Appointment

ICS_STATUS: dict[str, str] = {AppointmentStatus.CANCELLED: "CANCELLED", AppointmentStatus.CONFIRMED: "CONFIRMED"}
# The calendar's own alarm when the clinic sends no email reminders.
DEFAULT_ALARM = datetime.timedelta(hours=2)


def appointment_uid(appointment: Appointment) -> str:
    """Stable for the life of the appointment, so calendars update instead of duplicating."""
    host = urlsplit(settings.SITE_URL).hostname or "patient-portal"
    return f"appointment-{appointment.pk}@{host}"


def alarm_before(reminder_hours: list[int]) -> datetime.timedelta:
    """When the calendar rings: at the clinic's last email reminder (2 hours by default), or 2
    hours before when the clinic sends none. A patient who turned the emails off keeps it."""
    return datetime.timedelta(hours=min(reminder_hours)) if reminder_hours else DEFAULT_ALARM


def appointment_ics(
    appointment: Appointment,
    *,
    clinic_name: str,
    alarm: datetime.timedelta | None = DEFAULT_ALARM,
    with_notes: bool = True,
    url: str = "",
) -> bytes:
    """The appointment as a one-event calendar. A cancelled one keeps its UID and has
    STATUS:CANCELLED and no alarm, so a calendar that imported it takes it off (or marks it
    cancelled) and never rings for it. `with_notes=False` (emails) leaves the clinic's notes
    out: an email is not the place for them; the description then points to the portal."""
    calendar = Calendar()
    calendar.add("prodid", "-//Patient Portal//Appointments//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", appointment_uid(appointment))
    event.add("dtstamp", timezone.now())
    event.add("dtstart", appointment.starts_at.astimezone(datetime.UTC))
    event.add("dtend", appointment.ends_at.astimezone(datetime.UTC))
    summary = f"{appointment.appointment_type.name} — {clinic_name}"
    event.add("summary", summary)
    event.add("status", ICS_STATUS.get(appointment.status, "TENTATIVE"))
    # The seconds since creation grow with every edit, so calendars apply updates (a booking and
    # its change a few seconds apart included).
    event.add("sequence", int((appointment.updated_at - appointment.created_at).total_seconds()))
    if appointment.location:
        place = appointment.location.name
        event.add("location", f"{place}, {appointment.location.address}" if appointment.location.address else place)
    description = [str(appointment.provider.display_name)]
    if with_notes and appointment.patient_notes:
        description.append(appointment.patient_notes)
    if url:
        description.append(url)
        event.add("url", url)
    event.add("description", "\n\n".join(description))
    if alarm is not None and appointment.status != AppointmentStatus.CANCELLED:
        event.add_component(_display_alarm(before=alarm, summary=summary))
    calendar.add_component(event)
    ical: bytes = calendar.to_ical()  # icalendar leaves `to_ical` unannotated
    return ical


def _display_alarm(*, before: datetime.timedelta, summary: str) -> Alarm:
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("trigger", -before)  # relative to DTSTART
    alarm.add("description", summary)
    return alarm
