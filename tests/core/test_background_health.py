"""How a clinic's operator learns that background work stopped: `/healthz?background=1`
for monitors (503 when a process is silent or work waits too long) and
`manage.py check_background` for cron (exit code 0 ok, 1 warning, 2 problem)."""

import datetime
import io
import json
import threading
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import OperationalError
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from patientportal.core.background import Heart, instance_name, run_loop
from patientportal.core.choices import DeliveryStatus, ProcessRole
from patientportal.core.health import background_findings
from patientportal.core.management.commands.run_worker import worker_for
from patientportal.core.models import EmailDelivery, Heartbeat
from tests.core.test_email_delivery import queue

pytestmark = pytest.mark.django_db

ALL_WELL = {"worker": "ok", "tasks": "ok", "periodic": "ok", "email": "ok"}


def minutes_ago(minutes: float) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(minutes=minutes)


@pytest.fixture
def alive():
    for role in ProcessRole:
        Heartbeat.objects.create(role=role, instance=f"host:{role}", beat_at=minutes_ago(1))


def background():
    return Client().get("/healthz?background=1")


def check() -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("check_background", stdout=out, stderr=err)
    except SystemExit as exit:
        return int(exit.code), out.getvalue() + err.getvalue()
    return 0, out.getvalue() + err.getvalue()


def test_all_is_well_when_both_processes_beat_and_nothing_waits(database_tasks, alive):
    response = background()
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "background": ALL_WELL}
    code, text = check()
    assert code == 0 and "Task worker (run_worker): 1 running" in text


def test_a_plain_healthz_stays_one_query_and_ignores_the_background(database_tasks, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = Client().get("/healthz")
    assert response.json() == {"status": "ok", "database": "ok"}


def test_a_worker_that_never_ran_or_went_silent_is_a_problem(database_tasks, alive):
    Heartbeat.objects.filter(role=ProcessRole.WORKER).update(beat_at=minutes_ago(11))
    response = background()
    assert response.status_code == 503
    assert response.json()["background"] == {**ALL_WELL, "worker": "silent"}
    code, text = check()
    assert code == 2 and "PROBLEM  Task worker (run_worker): silent for 11 min." in text
    Heartbeat.objects.all().delete()
    assert background().json()["background"] == {**ALL_WELL, "worker": "missing", "periodic": "missing"}


def test_tasks_and_emails_waiting_too_long_are_a_problem(database_tasks, alive):
    queue()
    EmailDelivery.objects.update(created_at=minutes_ago(30))
    DBTaskResult.objects.update(enqueued_at=minutes_ago(30))
    response = background()
    assert response.status_code == 503
    assert response.json()["background"] == {**ALL_WELL, "tasks": "waiting", "email": "delayed"}
    code, text = check()
    assert code == 2
    assert "Email: 1 not delivered after 10 min (oldest waiting 30 min); is the mail server reachable?" in text
    assert "new@example.com" not in text and "new@example.com" not in response.text


def test_one_email_retrying_for_a_day_is_a_warning_not_an_outage(database_tasks, alive):
    # One recipient's mail server answers 4xx: its email is tried again all day, its next
    # task waits for its time; everything else works.
    queue()
    EmailDelivery.objects.update(
        status=DeliveryStatus.RETRYING, attempts=8, created_at=minutes_ago(20 * 60), next_attempt_at=minutes_ago(-120)
    )
    DBTaskResult.objects.update(enqueued_at=minutes_ago(20 * 60), run_after=minutes_ago(-120))
    response = background()
    assert response.status_code == 200
    assert response.json()["status"] == "warning"
    assert response.json()["background"] == {**ALL_WELL, "email": "delayed"}
    code, text = check()
    assert code == 1 and "WARNING  Email: 1 not delivered after 10 min" in text


def test_an_email_given_up_on_today_is_a_warning(database_tasks, alive):
    queue()
    EmailDelivery.objects.update(status=DeliveryStatus.FAILED, failed_at=minutes_ago(60))
    DBTaskResult.objects.all().delete()
    response = background()
    assert response.status_code == 200
    assert response.json()["status"] == "warning"
    assert response.json()["background"] == {**ALL_WELL, "email": "failed_recently"}
    code, text = check()
    assert code == 1 and "Email: 1 given up on in the last 24 hours." in text


def test_in_development_tasks_run_at_once_so_no_worker_is_expected():
    Heartbeat.objects.create(role=ProcessRole.PERIODIC, instance="host:1")
    assert background().json()["background"] == {"worker": "not_used", "periodic": "ok", "email": "ok"}


def test_the_background_check_is_public_tells_only_states_and_answers_only_get(world, database_tasks, alive):
    assert background().status_code == 200
    assert Client().post("/healthz?background=1").status_code == 405
    assert not any(character.isdigit() for character in json.dumps(background().json()))


def test_an_unreachable_database_is_a_problem_for_the_check(database_tasks):
    with mock.patch(
        "patientportal.core.management.commands.check_background.background_findings",
        side_effect=OperationalError("connection refused"),
    ):
        code, text = check()
    assert code == 2 and "Database: unreachable (OperationalError)" in text


def test_a_process_stopped_on_request_is_a_problem_at_once(database_tasks, alive):
    Heartbeat.objects.filter(role=ProcessRole.PERIODIC).update(stopped_at=minutes_ago(2))
    assert background().json()["background"] == {**ALL_WELL, "periodic": "stopped"}
    code, text = check()
    assert code == 2 and "Periodic runner (run_periodic_tasks): stopped 2 min ago." in text


def test_a_loop_that_stops_says_so_and_another_copy_keeps_the_role_alive(database_tasks, alive):
    stop = threading.Event()
    run_loop(role=ProcessRole.WORKER, step=stop.set, idle_seconds=0, stop=stop)
    assert Heartbeat.objects.filter(role=ProcessRole.WORKER, stopped_at__isnull=False).count() == 1
    assert background().json()["background"]["worker"] == "ok"  # the other worker still beats
    Heartbeat.objects.filter(stopped_at__isnull=True, role=ProcessRole.WORKER).delete()
    assert background().json()["background"]["worker"] == "stopped"


class Clock:
    def __init__(self) -> None:
        self.now = timezone.now()

    def __call__(self) -> datetime.datetime:
        return self.now


CLOCK = Clock()


class UnreachableMailServer:
    """Each email waits out a 20-second connection timeout (on the test's clock), then fails."""

    beats_seen: list[datetime.datetime] = []  # the worker's heartbeat as each email is tried

    def __init__(self, *args, **kwargs) -> None:
        pass

    def send_messages(self, messages):
        beat = Heartbeat.objects.get(role=ProcessRole.WORKER, instance=instance_name()).beat_at
        UnreachableMailServer.beats_seen.append(beat)
        CLOCK.now += datetime.timedelta(seconds=20)
        raise TimeoutError


# transactional_db: the worker, like the real one, runs outside the test's transaction.
def test_a_worker_busy_with_a_long_batch_beats_as_each_task_starts(transactional_db, database_tasks, settings):
    settings.BACKGROUND_ALERT_MINUTES = 1
    settings.EMAIL_BACKEND = "tests.core.test_background_health.UnreachableMailServer"
    CLOCK.now = start = timezone.now()
    UnreachableMailServer.beats_seen = []
    for index in range(5):  # 5 x 20 s: longer than the alert time, in one step of the loop
        queue(to=f"patient{index}@example.com")
    stop = threading.Event()
    seen = {}

    def one_batch() -> None:
        worker_for(queues=["default"]).run()
        seen.update({finding.component: finding.state for finding in background_findings(now=CLOCK())})

    run_loop(role=ProcessRole.WORKER, step=one_batch, idle_seconds=0, stop=stop, wait=lambda _: stop.set(), clock=CLOCK)
    assert CLOCK.now == start + datetime.timedelta(seconds=100)
    assert EmailDelivery.objects.filter(status=DeliveryStatus.RETRYING).count() == 5
    # The loop's beat at the start; the first task's start is within the throttle; then one per task.
    assert UnreachableMailServer.beats_seen == [start + datetime.timedelta(seconds=20 * n) for n in (0, 1, 2, 3, 4)]
    assert seen["worker"] == "ok"  # last seen 20 s before the batch ended, not 100


def test_heartbeats_are_written_at_most_every_five_seconds():
    clock = Clock()
    start = clock.now
    heart = Heart(ProcessRole.WORKER, "host:1", clock=clock)
    written = []
    for seconds in (0, 2, 4.9, 5, 7, 11):
        clock.now = start + datetime.timedelta(seconds=seconds)
        heart.beat()
        written.append((Heartbeat.objects.get(instance="host:1").beat_at - start).total_seconds())
    assert written == [0, 0, 0, 5, 5, 11]
