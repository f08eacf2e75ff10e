"""The clinic's audit trail as CSV, written while it is read: a thousand events a query, at
most EXPORT_LIMIT events, so a download of years of a large clinic never holds the trail in
memory or runs one huge query. Cells that a spreadsheet would read as a formula are quoted."""

import csv
import datetime
from collections.abc import Iterator

from django.utils.translation import gettext as _

from patientportal.activity.selectors import Entry, TrailFilter, clinic_trail_chunks
from patientportal.clinics.models import Clinic

EXPORT_LIMIT = 100_000
EXPORT_CHUNK = 1_000
# A cell starting with one of these is run as a formula by spreadsheets (OWASP, CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class _Line:
    """csv.writer's file: hands back the line it was given."""

    def write(self, line: str) -> str:
        return line


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def header() -> list[str]:
    return [
        _("Time"),
        _("Time zone"),
        _("Who"),
        _("Role"),
        _("Account email"),
        _("Patient"),
        _("Patient record"),
        _("What"),
        _("Action code"),
        _("Object"),
        _("IP address"),
        _("Request id"),
    ]


def row(entry: Entry, zone: datetime.tzinfo) -> list[str]:
    event = entry.event
    patient = event.patient
    return [
        _cell(value)
        for value in (
            entry.occurred_at.astimezone(zone).isoformat(timespec="seconds"),
            str(zone),
            entry.who,
            entry.role,
            event.actor_email,
            patient.full_name if patient is not None else "",
            event.patient_id or "",
            entry.what,
            event.action,
            f"{event.object_type} {event.object_id}".strip(),
            event.ip_address or "",
            event.request_id,
        )
    ]


def trail_csv_lines(
    *, clinic: Clinic, filters: TrailFilter, limit: int = EXPORT_LIMIT, chunk: int = EXPORT_CHUNK
) -> Iterator[str]:
    """The lines of the CSV, newest event first; past `limit` events, a last line says the
    download stopped and how to get the rest."""
    writer = csv.writer(_Line())
    zone = clinic.zone
    yield "\ufeff" + writer.writerow(header())  # the BOM: spreadsheets then read the file as UTF-8
    written = 0
    for entries in clinic_trail_chunks(clinic=clinic, filters=filters, chunk=chunk, limit=limit + 1):
        for entry in entries:
            if written == limit:
                yield writer.writerow(
                    [_("Stopped at %(count)s events: choose a shorter date range for the rest.") % {"count": limit}]
                )
                return
            yield writer.writerow(row(entry, zone))
            written += 1
