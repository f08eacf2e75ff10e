"""Two copies of `manage.py run_worker` at once (issue 18, part 4: several machines): each
task is claimed under a row lock (django-tasks-db: SELECT … FOR UPDATE SKIP LOCKED, then
marked running in the same transaction), so both workers get work and no email goes twice.
(Two periodic runners: tests/core/test_periodic_jobs.py.)"""

import time

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from patientportal.core.choices import DeliveryStatus
from patientportal.core.management.commands.run_worker import worker_for
from patientportal.core.models import EmailDelivery
from tests.core.test_email_delivery import queue
from tests.races import race

EMAILS = 24


class SlowEmailBackend(EmailBackend):
    """Django's test backend, taking a mail server's moment per message, so the two workers'
    batches overlap."""

    def send_messages(self, messages):
        time.sleep(0.02)
        return super().send_messages(messages)


class NeverRefused(Exception):
    code = "never"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_share_the_tasks_and_send_each_email_once(postgres_only, database_tasks, settings):
    settings.EMAIL_BACKEND = "tests.core.test_worker_copies.SlowEmailBackend"
    for number in range(EMAILS):
        queue(to=f"person{number}@example.com")

    def worker(name: str) -> str:
        worker_for(queues=["default"], worker_id=name).run()  # one round: every ready task, then return
        return name

    assert race([lambda: worker("worker-a"), lambda: worker("worker-b")], refused=NeverRefused) == [
        "worker-a",
        "worker-b",
    ]

    sent = sorted(address for message in mail.outbox for address in message.to)
    assert sent == sorted(f"person{number}@example.com" for number in range(EMAILS))  # each once
    assert set(EmailDelivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}
    tasks = DBTaskResult.objects.all()
    assert tasks.count() == EMAILS and {task.status for task in tasks} == {TaskResultStatus.SUCCESSFUL}
    ran = {task.worker_ids[-1] for task in tasks}
    assert all(len(task.worker_ids) == 1 for task in tasks)  # no task claimed twice
    assert ran == {"worker-a", "worker-b"}  # and both copies did work
