"""Email deliveries: making them, and the one place that moves their status.

The moves (core.choices.DeliveryStatus): queued → sent | retrying | failed,
retrying → the same, failed → queued (staff resend). Each is a compare-and-set
on the status that was read, like `audit.transitions` (which `core`, below
`audit`, cannot use): the worker's moves are the system's, with no one to
audit; a staff resend is audited by the service that asks for it.
"""

import base64
import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import models
from django.utils import timezone

from patientportal.core.choices import UNDELIVERED, DeliveryStatus
from patientportal.core.crypto import seal, unseal
from patientportal.core.errors import EmailDeliveryError
from patientportal.core.models import EmailDelivery
from patientportal.core.selectors import deliveries_about as deliveries_about  # read by patients.invitations
from patientportal.core.signals import delivery_given_up

MOVES: Mapping[str, frozenset[str]] = {
    DeliveryStatus.QUEUED: frozenset({DeliveryStatus.SENT, DeliveryStatus.RETRYING, DeliveryStatus.FAILED}),
    DeliveryStatus.RETRYING: frozenset({DeliveryStatus.SENT, DeliveryStatus.RETRYING, DeliveryStatus.FAILED}),
    DeliveryStatus.FAILED: frozenset({DeliveryStatus.QUEUED}),
    DeliveryStatus.SENT: frozenset(),
}


@dataclass(frozen=True)
class Attachment:
    """A file sent with an email (an appointment's .ics): sealed with the message."""

    filename: str
    content: bytes
    mimetype: str

    def sealed_form(self) -> dict[str, str]:
        return {"filename": self.filename, "mimetype": self.mimetype, "data": base64.b64encode(self.content).decode()}


def about_label(obj: models.Model) -> tuple[str, str]:
    """How a delivery names what it is about: `app_label.model` and the id, as text."""
    return obj._meta.label_lower, str(obj.pk)


def delivery_create(
    *,
    subject: str,
    body_text: str,
    body_html: str,
    from_email: str,
    to: Sequence[str],
    reply_to: Sequence[str] = (),
    kind: str = "",
    about: models.Model | None = None,
    attachments: Sequence[Attachment] = (),
) -> EmailDelivery:
    """Keep one email to send: its message sealed (attachments too), what it is about in clear."""
    about_type, about_id = about_label(about) if about is not None else ("", "")
    return EmailDelivery.objects.create(
        kind=kind[:100],
        about_type=about_type,
        about_id=about_id,
        to=", ".join(to),
        subject=subject[:500],
        sealed_message=seal(
            {
                "subject": subject,
                "body": body_text,
                "html": body_html,
                "from": from_email,
                "to": list(to),
                "reply_to": list(reply_to),
                **({"attachments": [item.sealed_form() for item in attachments]} if attachments else {}),
            }
        ),
    )


def delivery_message(delivery: EmailDelivery) -> EmailMultiAlternatives:
    """The message to hand to the mail server. Raises crypto.Unreadable if it cannot be opened."""
    sealed = unseal(delivery.sealed_message)
    message = EmailMultiAlternatives(
        subject=str(sealed["subject"]),
        body=str(sealed["body"]),
        from_email=str(sealed["from"]),
        to=_strings(sealed["to"]),
        reply_to=_strings(sealed.get("reply_to", [])),
    )
    if sealed.get("html"):
        message.attach_alternative(str(sealed["html"]), "text/html")
    attachments = sealed.get("attachments")
    for item in attachments if isinstance(attachments, list) else []:
        message.attach(str(item["filename"]), base64.b64decode(str(item["data"])), str(item["mimetype"]))
    return message


def _strings(value: object) -> list[str]:
    return [str(item) for item in value] if isinstance(value, list) else []


def delivery_lock_for_sending(*, delivery_id: int) -> EmailDelivery | None:
    """The delivery, locked, if it still waits to be sent; None if it is sent, given up, or
    being sent by another worker right now (a second task for it then changes nothing).
    Call inside a transaction: the lock is held while the mail server is talked to."""
    return (
        EmailDelivery.objects.select_for_update(skip_locked=True).filter(pk=delivery_id, status__in=UNDELIVERED).first()
    )


def _move(delivery: EmailDelivery, to: str, **fields: object) -> None:
    if to not in MOVES[delivery.status]:
        raise EmailDeliveryError("not_failed" if to == DeliveryStatus.QUEUED else "changed")
    moved = EmailDelivery.objects.filter(pk=delivery.pk, status=delivery.status).update(status=to, **fields)
    if moved != 1:
        raise EmailDeliveryError("changed")
    delivery.status = to
    for name, value in fields.items():
        setattr(delivery, name, value)


def delivery_sent(delivery: EmailDelivery, *, now: datetime.datetime | None = None) -> None:
    """Handed over to the mail server: the message is wiped, only the record stays."""
    now = now or timezone.now()
    _move(
        delivery,
        DeliveryStatus.SENT,
        attempts=delivery.attempts + 1,
        last_attempt_at=now,
        sent_at=now,
        last_error="",
        sealed_message="",
    )


def retry_delay(attempts: int) -> datetime.timedelta | None:
    """How long to wait after the `attempts`-th failed attempt; None when it was the last one."""
    schedule: Sequence[int] = settings.EMAIL_RETRY_MINUTES
    if attempts > len(schedule):
        return None
    return datetime.timedelta(minutes=schedule[attempts - 1])


def delivery_attempt_failed(
    delivery: EmailDelivery, *, error: str, permanent: bool, now: datetime.datetime | None = None
) -> None:
    """One attempt failed: try again on the schedule (EMAIL_RETRY_MINUTES), or give up if the
    failure is permanent or the schedule is over (then `core.signals.delivery_given_up` is sent,
    in this transaction). The message is kept for a resend."""
    now = now or timezone.now()
    attempts = delivery.attempts + 1
    delay = None if permanent else retry_delay(attempts)
    if delay is None:
        _move(
            delivery,
            DeliveryStatus.FAILED,
            attempts=attempts,
            last_attempt_at=now,
            last_error=error[:100],
            failed_at=now,
        )
        delivery_given_up.send(sender=EmailDelivery, delivery=delivery)
    else:
        _move(
            delivery,
            DeliveryStatus.RETRYING,
            attempts=attempts,
            last_attempt_at=now,
            last_error=error[:100],
            next_attempt_at=now + delay,
        )


def delivery_requeue(*, delivery_id: int, now: datetime.datetime | None = None) -> EmailDelivery:
    """A refused email, to be tried again from the start of the schedule (a staff resend).
    Call inside the transaction that also enqueues its task and audits who asked."""
    delivery = EmailDelivery.objects.select_for_update().get(pk=delivery_id)
    if delivery.status != DeliveryStatus.FAILED:
        raise EmailDeliveryError("not_failed")
    if not delivery.sealed_message:
        raise EmailDeliveryError("message_gone")
    _move(delivery, DeliveryStatus.QUEUED, attempts=0, next_attempt_at=now or timezone.now(), failed_at=None)
    return delivery


def deliveries_overdue(*, now: datetime.datetime, by: datetime.timedelta) -> models.QuerySet[EmailDelivery]:
    """Undelivered emails whose attempt was due more than `by` ago."""
    return EmailDelivery.objects.filter(status__in=UNDELIVERED, next_attempt_at__lte=now - by)


def delivery_messages_expire(*, now: datetime.datetime, older_than: datetime.timedelta) -> int:
    """Wipe the kept message of emails given up on longer ago than `older_than` (they can no
    longer be resent; the record of what happened stays). Sent ones were wiped when sent."""
    return (
        EmailDelivery.objects.filter(status=DeliveryStatus.FAILED, failed_at__lte=now - older_than)
        .exclude(sealed_message="")
        .update(sealed_message="")
    )


def deliveries_retry_now(*, now: datetime.datetime) -> int:
    """Bring the next attempt of every email waiting for a retry forward to `now`."""
    return EmailDelivery.objects.filter(status=DeliveryStatus.RETRYING, next_attempt_at__gt=now).update(
        next_attempt_at=now
    )
