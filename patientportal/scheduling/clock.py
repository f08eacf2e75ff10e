"""Turning a date and time typed in the clinic's time zone into a UTC instant."""

import datetime
import zoneinfo


class NonexistentLocalTime(ValueError):
    """The wall-clock time is skipped when the clocks go forward."""


def local_to_aware(day: datetime.date, time: datetime.time, zone: zoneinfo.ZoneInfo) -> datetime.datetime:
    """The instant at `day time` in `zone`. In the repeated hour when clocks go
    back, the first occurrence is meant (fold=0); a skipped time is refused."""
    moment = datetime.datetime.combine(day, time, tzinfo=zone)
    round_trip = moment.astimezone(datetime.UTC).astimezone(zone)
    if round_trip.replace(tzinfo=None) != moment.replace(tzinfo=None):
        raise NonexistentLocalTime(f"{day} {time} does not exist in {zone}")
    return moment
