import datetime
import zoneinfo

import pytest

from patientportal.scheduling.clock import NonexistentLocalTime, local_to_aware

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")


def test_a_local_time_becomes_the_right_instant_in_winter_and_summer():
    winter = local_to_aware(datetime.date(2026, 1, 15), datetime.time(9, 0), NEW_YORK)
    summer = local_to_aware(datetime.date(2026, 7, 15), datetime.time(9, 0), NEW_YORK)
    assert winter.astimezone(datetime.UTC).hour == 14
    assert summer.astimezone(datetime.UTC).hour == 13


def test_a_time_skipped_when_clocks_go_forward_is_refused():
    with pytest.raises(NonexistentLocalTime):
        local_to_aware(datetime.date(2026, 3, 8), datetime.time(2, 30), NEW_YORK)


def test_the_repeated_hour_means_its_first_occurrence():
    moment = local_to_aware(datetime.date(2026, 11, 1), datetime.time(1, 30), NEW_YORK)
    assert moment.astimezone(datetime.UTC) == datetime.datetime(2026, 11, 1, 5, 30, tzinfo=datetime.UTC)
