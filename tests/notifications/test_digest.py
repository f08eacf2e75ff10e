"""The daily summary: at NOTIFICATION_DIGEST_HOUR (8) in the clinic's time zone or the first round
after it, at most one a day per member, with everything that waited; exactly once with two runners."""

import datetime
import zoneinfo

import pytest
from django.db import connection

from patientportal.core.models import EmailDelivery
from patientportal.notifications.choices import NotificationKind
from patientportal.notifications.digest import notification_digests_send
from patientportal.notifications.models import Notification, NotificationDigest
from patientportal.notifications.services import notify_staff
from tests.races import race

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")


def at(day: int, hour: int, minute: int = 0, zone=NEW_YORK) -> datetime.datetime:
    return datetime.datetime(2026, 3, day, hour, minute, tzinfo=zone)


def signed(world, *, now):
    """A notice that waits for the summary of the clinic's staff member and owner (document signed)."""
    rows = notify_staff(
        world.clinic_a, NotificationKind.DOCUMENT_SIGNED, title="A patient signed a document", url="/staff/alpha/"
    )
    Notification.objects.filter(pk__in=[row.pk for row in rows]).update(created_at=now)


def summaries():
    return sorted(
        EmailDelivery.objects.filter(about_type="notifications.notificationdigest").values_list("to", flat=True)
    )


@pytest.fixture
def new_york(world):
    world.clinic_a.time_zone = "America/New_York"
    world.clinic_a.save()
    return world


@pytest.mark.django_db
def test_the_summary_waits_for_eight_in_the_clinics_time_zone(new_york):
    signed(new_york, now=at(2, 6))
    # 12:59 in UTC is 7:59 in New York (winter time): not yet.
    assert notification_digests_send(now=at(2, 7, 59)) == 0
    assert notification_digests_send(now=at(2, 8, 0)) == 2
    assert summaries() == ["owner@alpha.example", "staff@alpha.example"]
    assert not Notification.objects.filter(digest__isnull=True).exists()
    assert set(NotificationDigest.objects.values_list("local_date", flat=True)) == {datetime.date(2026, 3, 2)}


@pytest.mark.django_db
def test_a_clinic_in_another_zone_gets_its_summary_at_its_own_eight(new_york, world):
    signed(world, now=at(2, 1))
    half_past_seven_in_new_york = at(2, 7, 30)  # 21:30 in Tokyo
    assert notification_digests_send(now=half_past_seven_in_new_york) == 0
    world.clinic_a.time_zone = "Asia/Tokyo"
    world.clinic_a.save()
    assert notification_digests_send(now=half_past_seven_in_new_york) == 2
    assert set(NotificationDigest.objects.values_list("local_date", flat=True)) == {datetime.date(2026, 3, 2)}


@pytest.mark.django_db
def test_at_most_one_summary_a_day_and_what_came_later_waits_for_tomorrow(new_york):
    signed(new_york, now=at(2, 6))
    assert notification_digests_send(now=at(2, 8, 1)) == 2
    signed(new_york, now=at(2, 9))
    assert notification_digests_send(now=at(2, 9, 1)) == 0
    assert notification_digests_send(now=at(2, 23, 59)) == 0
    assert len(summaries()) == 2
    # Midnight in New York (05:00 UTC) is a new day, but the summary waits for eight.
    assert notification_digests_send(now=at(3, 0, 30)) == 0
    assert notification_digests_send(now=at(3, 8)) == 2
    assert len(summaries()) == 4
    assert NotificationDigest.objects.count() == 4


@pytest.mark.django_db
def test_a_runner_down_at_eight_catches_up_at_its_next_round(new_york):
    signed(new_york, now=at(2, 6))
    assert notification_digests_send(now=at(2, 15, 30)) == 2


@pytest.mark.django_db
def test_nothing_waiting_sends_nothing_and_instant_and_off_never_wait(new_york):
    notify_staff(
        new_york.clinic_a,
        NotificationKind.ORDER_AWAITING_APPROVAL,
        title="Order 1 is waiting for approval",
        url="/staff/alpha/",
    )
    Notification.objects.filter(email="digest").update(email="off")
    assert notification_digests_send(now=at(2, 8)) == 0
    assert not NotificationDigest.objects.exists()


@pytest.mark.django_db
def test_the_summary_lists_titles_and_links_into_the_staff_area(new_york, settings, django_capture_on_commit_callbacks):
    from django.core import mail

    settings.SITE_URL = "https://portal.example"
    signed(new_york, now=at(2, 6))
    with django_capture_on_commit_callbacks(execute=True):
        notification_digests_send(now=at(2, 8))
    message = next(message for message in mail.outbox if message.to == ["staff@alpha.example"])
    row = Notification.objects.get(membership__user__email="staff@alpha.example")
    assert "daily summary, 1 notification" in message.subject
    assert "A patient signed a document" in message.body
    assert f"https://portal.example/staff/alpha/notifications/{row.pk}/" in message.body


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_runners_at_once_send_each_summary_once(new_york):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL: run with DATABASE_URL=postgres://…")
    signed(new_york, now=at(2, 6))
    outcomes = race([lambda: str(notification_digests_send(now=at(2, 8))) for _ in range(2)], refused=LookupError)
    assert sorted(outcomes) in (["0", "2"], ["1", "1"])  # each member's summary once, whoever sent it
    assert len(summaries()) == 2
    assert NotificationDigest.objects.count() == 2
