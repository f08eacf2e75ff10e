"""Staff keep each provider's working week (scheduling.slots reads it): stretches per weekday with
their location, and exceptions (days off, or other hours on some days). Each change is one audit
event of the provider, naming what was added or removed."""

import datetime
from collections.abc import Mapping

from django.db import transaction

from patientportal.accounts.models import User
from patientportal.audit import services as audit
from patientportal.scheduling.models import Location, Provider, WorkingHours, WorkingHoursException

# An exception may run up to a year (a leave), no more: a longer one is a change of the week.
LONGEST_EXCEPTION_DAYS = 366


def _record(provider: Provider, actor: User, change: str, details: Mapping[str, object]) -> None:
    audit.record(
        action="scheduling.provider.working_hours_changed",
        actor=actor,
        clinic=provider.clinic,
        obj=provider,
        metadata={"change": change, **details},
    )


def _check_location(provider: Provider, location: Location | None) -> None:
    if location is not None and location.clinic_id != provider.clinic_id:
        raise ValueError("The location is another clinic's.")


@transaction.atomic
def working_hours_add(
    *,
    provider: Provider,
    weekday: int,
    starts: datetime.time,
    ends: datetime.time,
    location: Location | None,
    actor: User,
) -> WorkingHours:
    _check_location(provider, location)
    hours = WorkingHours(
        clinic_id=provider.clinic_id, provider=provider, weekday=weekday, starts=starts, ends=ends, location=location
    )
    hours.full_clean()
    hours.save()
    _record(
        provider,
        actor,
        "hours_added",
        {"weekday": weekday, "starts": starts.isoformat(), "ends": ends.isoformat(), "location_id": hours.location_id},
    )
    return hours


@transaction.atomic
def working_hours_remove(*, hours: WorkingHours, actor: User) -> None:
    details = {"weekday": hours.weekday, "starts": hours.starts.isoformat(), "ends": hours.ends.isoformat()}
    hours.delete()
    _record(hours.provider, actor, "hours_removed", details)


@transaction.atomic
def working_exception_add(
    *,
    provider: Provider,
    first_day: datetime.date,
    last_day: datetime.date,
    starts: datetime.time | None,
    ends: datetime.time | None,
    location: Location | None,
    note: str,
    actor: User,
) -> WorkingHoursException:
    _check_location(provider, location)
    exception = WorkingHoursException(
        clinic_id=provider.clinic_id,
        provider=provider,
        first_day=first_day,
        last_day=last_day,
        starts=starts,
        ends=ends,
        location=location if starts is not None else None,
        note=note.strip(),
    )
    exception.full_clean()
    exception.save()
    _record(
        provider,
        actor,
        "exception_added",
        {
            "first_day": first_day.isoformat(),
            "last_day": last_day.isoformat(),
            "starts": starts.isoformat() if starts else None,
            "ends": ends.isoformat() if ends else None,
        },
    )
    return exception


@transaction.atomic
def working_exception_remove(*, exception: WorkingHoursException, actor: User) -> None:
    details = {"first_day": exception.first_day.isoformat(), "last_day": exception.last_day.isoformat()}
    exception.delete()
    _record(exception.provider, actor, "exception_removed", details)
