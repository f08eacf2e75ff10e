"""The periodic runner: a list of (name, callable) jobs; any number of copies may run,
and a job is never run by two at once nor more than once per interval."""

import datetime
import logging

import pytest
from django.core.management import call_command
from django.utils import timezone

from patientportal.core.background import JOB_LEASE, run_periodic_jobs
from patientportal.core.models import PeriodicJob
from patientportal.hub.management.commands.run_periodic_tasks import JOBS
from tests.races import race

MINUTE = datetime.timedelta(minutes=1)


class Counter:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> list[str]:
        self.calls += 1
        return ["R-1001"]


class NeverRefused(Exception):
    code = "never"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_runners_at_once_run_a_job_once(postgres_only):
    job = Counter()
    outcomes = race(
        [lambda owner=owner: run_periodic_jobs([("count", job)], every=MINUTE, owner=owner)["count"] for owner in "ab"],
        refused=NeverRefused,
    )
    assert outcomes == ["ok", "skipped"]
    assert job.calls == 1


@pytest.mark.django_db
def test_a_job_runs_at_most_once_per_interval_whoever_asks():
    job = Counter()
    assert run_periodic_jobs([("count", job)], every=MINUTE, owner="a") == {"count": "ok"}
    assert run_periodic_jobs([("count", job)], every=MINUTE, owner="b") == {"count": "skipped"}
    PeriodicJob.objects.update(next_run_at=timezone.now())
    assert run_periodic_jobs([("count", job)], every=MINUTE, owner="b") == {"count": "ok"}
    assert job.calls == 2


@pytest.mark.django_db
def test_a_job_held_by_a_runner_that_died_is_taken_over_when_its_lease_runs_out():
    job = Counter()
    now = timezone.now()
    PeriodicJob.objects.create(name="count", lease_until=now + JOB_LEASE, leased_by="dead:1", next_run_at=now)
    assert run_periodic_jobs([("count", job)], every=MINUTE, owner="b") == {"count": "skipped"}
    PeriodicJob.objects.update(lease_until=now - datetime.timedelta(seconds=1))
    assert run_periodic_jobs([("count", job)], every=MINUTE, owner="b") == {"count": "ok"}
    assert job.calls == 1


@pytest.mark.django_db
def test_a_failing_job_is_logged_without_its_message_and_the_others_still_run(caplog):
    caplog.set_level(logging.INFO)

    def broken() -> None:
        raise ValueError("patient maria@example.com has no order")

    job = Counter()
    outcomes = run_periodic_jobs([("broken", broken), ("count", job)], every=MINUTE)
    assert outcomes == {"broken": "ValueError", "count": "ok"}
    assert job.calls == 1
    assert PeriodicJob.objects.get(name="broken").last_outcome == "ValueError"
    assert "Periodic job broken failed: ValueError at" in caplog.text
    assert "maria" not in caplog.text and "R-1001" not in caplog.text  # a job's results are counted, not logged
    assert "Periodic job count: 1 done" in caplog.text


@pytest.mark.django_db
def test_the_runner_runs_the_portals_periodic_work(world, caplog):
    caplog.set_level(logging.INFO)
    assert [name for name, _job in JOBS] == [
        "cancel_unpaid_orders",
        "payments_reconcile",
        "authorisations_lapse",
        "appointment_reminders_send",
        "notification_digests_send",
        "proxies_age_out",
        "email_deliveries_resubmit",
        "background_records_purge",
    ]
    call_command("run_periodic_tasks", "--once")
    assert set(PeriodicJob.objects.values_list("name", "last_outcome")) == {
        ("cancel_unpaid_orders", "ok"),
        ("payments_reconcile", "ok"),
        ("authorisations_lapse", "ok"),
        ("appointment_reminders_send", "ok"),
        ("notification_digests_send", "ok"),
        ("proxies_age_out", "ok"),
        ("email_deliveries_resubmit", "ok"),
        ("background_records_purge", "ok"),
    }
