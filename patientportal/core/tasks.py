"""The email task. It carries only a delivery's id: the message waits sealed in
core.models.EmailDelivery, so the task table never holds an invitation link or a
reset key, and the delivery row says what became of the email."""

import datetime
import logging
import smtplib

from django.db import Error as DatabaseError
from django.db import transaction
from django_tasks import task
from django_tasks_db.backend import DatabaseBackend

from patientportal.core.choices import DeliveryStatus
from patientportal.core.crypto import Unreadable
from patientportal.core.deliveries import (
    delivery_attempt_failed,
    delivery_lock_for_sending,
    delivery_message,
    delivery_requeue,
    delivery_sent,
)
from patientportal.core.models import EmailDelivery

logger = logging.getLogger("patientportal.email")


@task()
def send_email(*, delivery_id: int) -> str:
    """Hand one email to the mail server, or record why not and when it is tried again.
    Returns its new status (no address, no content: task results are kept for a while)."""
    with transaction.atomic():
        # Locked while the mail server is talked to: a second task for the same email waits
        # for nothing (skip locked) and changes nothing.
        delivery = delivery_lock_for_sending(delivery_id=delivery_id)
        if delivery is None:
            return "nothing to send"
        try:
            delivery_message(delivery).send()
        except DatabaseError:
            raise  # the worker's loop deals with the database; the delivery is left as it was
        except Unreadable:
            delivery_attempt_failed(delivery, error="Unreadable", permanent=True)
        except Exception as error:  # noqa: BLE001 - whatever stopped the hand-over is recorded and tried again
            delivery_attempt_failed(delivery, error=error_label(error), permanent=is_permanent(error))
            if delivery.status == DeliveryStatus.RETRYING:
                send_soon(delivery_id=delivery.pk, at=delivery.next_attempt_at)
        else:
            delivery_sent(delivery)
            return delivery.status
    logger.warning(
        "Email %s not sent (attempt %s, %s): %s", delivery.pk, delivery.attempts, delivery.last_error, delivery.status
    )
    return delivery.status


def task_store_is_the_database() -> bool:
    """Whether enqueuing writes a task row in the database (production), rather than running
    the task at once (the immediate backend of development and tests)."""
    return isinstance(send_email.get_backend(), DatabaseBackend)


def send_soon(*, delivery_id: int, at: datetime.datetime | None = None) -> None:
    """Ask for a delivery to be sent (at `at`, or as soon as possible).

    With the database task backend the task row is written in the caller's
    transaction: the change that sends an email and its task commit together or
    not at all. A backend that runs tasks at once runs it after the commit
    instead, so nothing is sent for work that rolls back; it cannot wait, so a
    later retry is left to the periodic `email_deliveries_resubmit` job.
    """
    if task_store_is_the_database():
        (send_email.using(run_after=at) if at else send_email).enqueue(delivery_id=delivery_id)
    elif at is None:
        transaction.on_commit(lambda: send_email.enqueue(delivery_id=delivery_id))


@transaction.atomic
def delivery_resend(*, delivery: EmailDelivery) -> EmailDelivery:
    """Send a refused email again, from the start of the retry schedule, with the content it
    had (kept sealed until EMAIL_MESSAGE_RETENTION_DAYS after it was given up on). Raises
    core.errors.EmailDeliveryError if it was not refused or its content is gone.

    Here rather than in `core.deliveries`, which this module builds on, because it also
    enqueues the task. `core` cannot audit (it sits below `audit`): call it from the owning
    app's service, which checks the email is about its thing and audits who asked, in one
    transaction (`orders.services.order_email_resend`, `documents.services.signature_email_resend`)."""
    requeued = delivery_requeue(delivery_id=delivery.pk)
    send_soon(delivery_id=requeued.pk)
    return requeued


def smtp_code(error: Exception) -> int | None:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _message in error.recipients.values()]
        return min(codes) if codes else None
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code
    return None


def error_label(error: Exception) -> str:
    """The class of the error and the mail server's code: never its message, which may quote the address."""
    code = smtp_code(error)
    return f"{type(error).__name__} {code}" if code else type(error).__name__


def is_permanent(error: Exception) -> bool:
    """Only the mail server refusing the address itself (a 5xx reply for every recipient)
    is final: trying again cannot help. Anything else (the server down or busy, a 4xx
    reply, a login the operator can fix) is tried again on the schedule."""
    code = smtp_code(error)
    return isinstance(error, smtplib.SMTPRecipientsRefused) and code is not None and code >= 500
