"""An appointment as an iCalendar (.ics) file, built with the `icalendar` library."""

import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event

from patientportal.scheduling.choices import AppointmentStatus
from patientportal.scheduling.models import Appointment

ICS_STATUS: dict[str, str] = {AppointmentStatus.CANCELLED: "CANCELLED", AppointmentStatus.CONFIRMED: "CONFIRMED"}


def appointment_uid(appointment: Appointment) -> str:
    """Stable for the life of the appointment, so calendars update instead of duplicating."""
    host = urlsplit(settings.SITE_URL).hostname or "patient-portal"
    return f"appointment-{appointment.pk}@{host}"


def appointment_ics(appointment: Appointment, *, clinic_name: str) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//Patient Portal//Appointments//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", appointment_uid(appointment))
    event.add("dtstamp", timezone.now())
    event.add("dtstart", appointment.starts_at.astimezone(datetime.UTC))
    event.add("dtend", appointment.ends_at.astimezone(datetime.UTC))
    event.add("summary", f"{appointment.appointment_type.name} — {clinic_name}")
    event.add("status", ICS_STATUS.get(appointment.status, "TENTATIVE"))
    # The minutes since creation change with every edit, so calendars apply updates.
    event.add("sequence", int((appointment.updated_at - appointment.created_at).total_seconds() // 60))
    if appointment.location:
        place = appointment.location.name
        event.add("location", f"{place}, {appointment.location.address}" if appointment.location.address else place)
    description = [str(appointment.provider.display_name)]
    if appointment.patient_notes:
        description.append(appointment.patient_notes)
    event.add("description", "\n\n".join(description))
    calendar.add_component(event)
    ical: bytes = calendar.to_ical()  # icalendar leaves `to_ical` unannotated
    return ical
