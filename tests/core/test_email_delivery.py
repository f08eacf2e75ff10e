"""Every email has a delivery record, is tried again on a schedule when it cannot be
sent, and is given up on (visibly) only when the schedule is over or the address is refused."""

import datetime
import importlib
import logging
import smtplib

import pytest
from django.apps import apps
from django.core import mail
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from patientportal.core.choices import DeliveryStatus
from patientportal.core.emails import queue_templated_email
from patientportal.core.jobs import background_records_purge, email_deliveries_resubmit, email_deliveries_retry_now
from patientportal.core.models import EmailDelivery
from tests.core.faults import run_worker_once

pytestmark = pytest.mark.django_db(transaction=True)

CONTEXT = {
    "clinic": {"name": "Alpha"},
    "role": "Staff",
    "added_by": "Olu",
    "needs_password": True,
    "login_url": "https://portal.example/login",
    "reset_url": "https://portal.example/reset",
}
MINUTE = datetime.timedelta(minutes=1)


def queue(to: str = "new@example.com") -> EmailDelivery:
    return queue_templated_email(template_prefix="clinics/email/staff_added", to=to, context=CONTEXT)


def refreshed(delivery: EmailDelivery) -> EmailDelivery:
    delivery.refresh_from_db()
    return delivery


def test_an_email_sent_at_once_is_recorded_as_sent_and_its_message_is_not_kept():
    delivery = refreshed(queue())
    assert len(mail.outbox) == 1
    assert (delivery.status, delivery.attempts, delivery.sealed_message) == (DeliveryStatus.SENT, 1, "")
    assert delivery.sent_at is not None and delivery.kind == "clinics/email/staff_added"


def test_an_email_the_mail_server_cannot_take_is_tried_again_on_the_schedule_then_given_up(settings, flaky_mail):
    settings.EMAIL_RETRY_MINUTES = [1, 5]
    flaky_mail.extend([ConnectionRefusedError(111, "Connection refused")] * 3)
    delivery = refreshed(queue())
    assert (delivery.status, delivery.attempts, delivery.last_error) == (
        DeliveryStatus.RETRYING,
        1,
        "ConnectionRefusedError",
    )
    first_retry = delivery.next_attempt_at
    assert first_retry - delivery.last_attempt_at == MINUTE
    # Not due yet: nothing is tried.
    assert email_deliveries_resubmit(now=first_retry - datetime.timedelta(seconds=1)) == 0
    assert email_deliveries_resubmit(now=first_retry) == 1
    delivery = refreshed(delivery)
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.RETRYING, 2)
    assert delivery.next_attempt_at - delivery.last_attempt_at == 5 * MINUTE
    assert email_deliveries_resubmit(now=delivery.next_attempt_at) == 1
    delivery = refreshed(delivery)
    # The schedule is over: given up, and shown as such; the message is kept for a resend.
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 3)
    assert delivery.failed_at is not None and delivery.can_be_resent
    assert mail.outbox == []


def test_an_email_arrives_when_the_mail_server_is_back(flaky_mail):
    flaky_mail.append(smtplib.SMTPServerDisconnected("Connection unexpectedly closed"))
    delivery = refreshed(queue())
    assert delivery.status == DeliveryStatus.RETRYING
    email_deliveries_resubmit(now=delivery.next_attempt_at)
    delivery = refreshed(delivery)
    assert (delivery.status, delivery.attempts, delivery.last_error, delivery.sealed_message) == (
        DeliveryStatus.SENT,
        2,
        "",
        "",
    )
    assert [message.to for message in mail.outbox] == [["new@example.com"]]


def test_an_address_the_mail_server_refuses_is_given_up_at_once_and_nothing_names_it(flaky_mail, caplog):
    caplog.set_level(logging.DEBUG)
    flaky_mail.append(smtplib.SMTPRecipientsRefused({"nobody@example.com": (550, b"5.1.1 nobody@example.com unknown")}))
    delivery = refreshed(queue(to="nobody@example.com"))
    assert (delivery.status, delivery.attempts, delivery.last_error) == (
        DeliveryStatus.FAILED,
        1,
        "SMTPRecipientsRefused 550",
    )
    assert "nobody@example.com" not in caplog.text
    assert f"Email {delivery.pk} not sent" in caplog.text


def test_a_4xx_refusal_is_tried_again(flaky_mail):
    flaky_mail.append(smtplib.SMTPRecipientsRefused({"new@example.com": (451, b"4.3.0 try later")}))
    delivery = refreshed(queue())
    assert (delivery.status, delivery.last_error) == (DeliveryStatus.RETRYING, "SMTPRecipientsRefused 451")


def test_a_message_that_cannot_be_opened_any_more_is_given_up(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    delivery = queue()
    settings.SECRET_KEY = "another-key-" + "x" * 60  # rotated without keeping the old one as a fallback
    run_worker_once()
    delivery = refreshed(delivery)
    assert (delivery.status, delivery.last_error) == (DeliveryStatus.FAILED, "Unreadable")


def test_a_rotated_secret_key_kept_as_a_fallback_still_opens_waiting_messages(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    delivery = queue()
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "another-key-" + "x" * 60
    run_worker_once()
    assert refreshed(delivery).status == DeliveryStatus.SENT


def test_a_task_lost_with_its_worker_is_given_again_and_a_waiting_one_is_not_doubled(database_tasks):
    lost, waiting = queue(), queue(to="other@example.com")
    now = timezone.now()
    # A worker claimed the first email's task and died before it finished.
    DBTaskResult.objects.filter(args_kwargs__kwargs__delivery_id=lost.pk).update(
        status=TaskResultStatus.RUNNING, started_at=now - datetime.timedelta(hours=1)
    )
    EmailDelivery.objects.update(next_attempt_at=now - datetime.timedelta(hours=1))
    assert email_deliveries_resubmit(now=now) == 1
    assert DBTaskResult.objects.filter(args_kwargs__kwargs__delivery_id=lost.pk, status="FAILED").count() == 1
    assert DBTaskResult.objects.filter(args_kwargs__kwargs__delivery_id=waiting.pk).count() == 1
    run_worker_once()
    assert sorted(message.to[0] for message in mail.outbox) == ["new@example.com", "other@example.com"]


def test_finished_task_rows_and_old_given_up_messages_are_purged_after_their_retention(
    settings, database_tasks, flaky_mail
):
    settings.TASK_RETENTION_DAYS = 7
    settings.EMAIL_MESSAGE_RETENTION_DAYS = 3
    settings.EMAIL_RETRY_MINUTES = [1]
    sent = queue()
    run_worker_once()
    refused = queue(to="bad@example.com")
    flaky_mail.append(smtplib.SMTPRecipientsRefused({"bad@example.com": (550, b"unknown")}))
    run_worker_once()
    assert refreshed(sent).status == DeliveryStatus.SENT and refreshed(refused).status == DeliveryStatus.FAILED
    now = timezone.now()
    background_records_purge(now=now + datetime.timedelta(days=2))
    assert DBTaskResult.objects.count() == 2 and refreshed(refused).can_be_resent
    background_records_purge(now=now + datetime.timedelta(days=4))
    assert refreshed(refused).sealed_message == "" and DBTaskResult.objects.count() == 2
    background_records_purge(now=now + datetime.timedelta(days=8))
    assert DBTaskResult.objects.count() == 0
    # The record of what happened stays.
    assert EmailDelivery.objects.count() == 2


def test_email_tasks_queued_before_the_upgrade_keep_their_email_but_no_longer_hold_it_in_clear(database_tasks):
    legacy = {
        "subject": "[Portal] Invitation",
        "body_text": "Open https://portal.example/invite/SECRET-TOKEN-123/",
        "body_html": "",
        "from_email": "Portal <no-reply@portal.example>",
        "to": ["maria@example.com"],
    }
    waiting = DBTaskResult.objects.create(
        args_kwargs={"args": [], "kwargs": legacy},
        task_path="patientportal.core.tasks.send_email",
        backend_name="default",
        queue_name="default",
    )
    finished = DBTaskResult.objects.create(
        args_kwargs={"args": [], "kwargs": legacy},
        task_path="patientportal.core.tasks.send_email",
        backend_name="default",
        queue_name="default",
        status=TaskResultStatus.SUCCESSFUL,
        finished_at=timezone.now(),
    )
    migration = importlib.import_module("patientportal.core.migrations.0003_email_tasks_carry_only_a_delivery_id")
    migration.to_deliveries(apps, None)
    for row in DBTaskResult.objects.all():
        assert "SECRET-TOKEN-123" not in str(row.args_kwargs)
    finished.refresh_from_db()
    assert finished.args_kwargs == {"args": [], "kwargs": {}}
    run_worker_once()
    waiting.refresh_from_db()
    assert waiting.status == TaskResultStatus.SUCCESSFUL
    assert "SECRET-TOKEN-123" in mail.outbox[0].body and mail.outbox[0].to == ["maria@example.com"]


def test_waiting_emails_can_be_tried_at_once_in_development_too(flaky_mail):
    flaky_mail.append(ConnectionRefusedError(111, "Connection refused"))
    delivery = queue()
    assert email_deliveries_retry_now() == 1
    assert refreshed(delivery).status == DeliveryStatus.SENT
