"""A preferred time of an appointment request: a day and a part of it, in the clinic's time zone,
stored as JSON on the request ([{"day": "2030-03-04", "part": "morning"}, …])."""

import datetime
from dataclasses import dataclass

from patientportal.scheduling.choices import DayPart


@dataclass(frozen=True)
class Window:
    """One preferred time of a request: a day and a part of it, in the clinic's time zone."""

    day: datetime.date
    part: str

    def as_json(self) -> dict[str, str]:
        return {"day": self.day.isoformat(), "part": self.part}

    @property
    def part_label(self) -> str:
        return str(DayPart(self.part).label)


def windows_from_json(value: object) -> list[Window]:
    """The stored windows back as Windows; anything unreadable is left out (never shown wrong)."""
    windows = []
    for item in value if isinstance(value, list) else []:
        try:
            windows.append(Window(day=datetime.date.fromisoformat(item["day"]), part=DayPart(item["part"]).value))
        except (KeyError, TypeError, ValueError):
            continue
    return windows
