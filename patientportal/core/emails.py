from collections.abc import Mapping, Sequence

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.db import models, transaction
from django.template.loader import render_to_string

from patientportal.core.deliveries import Attachment, delivery_create
from patientportal.core.models import EmailDelivery
from patientportal.core.tasks import send_soon


def html_body(message: EmailMessage) -> str:
    if isinstance(message, EmailMultiAlternatives):
        for content, mimetype in message.alternatives:
            if mimetype == "text/html":
                return str(content)
    return ""


def _queue(
    *,
    subject: str,
    body_text: str,
    body_html: str,
    from_email: str,
    to: list[str],
    reply_to: list[str] | None = None,
    kind: str = "",
    about: models.Model | None = None,
    attachments: Sequence[Attachment] = (),
) -> EmailDelivery:
    # The delivery and its task are written in the caller's transaction (the task store is
    # this database), so the change and its email commit or fail together; on their own when
    # there is no transaction (allauth's emails), atomically still.
    with transaction.atomic():
        delivery = delivery_create(
            subject=subject,
            body_text=body_text,
            body_html=body_html,
            from_email=from_email,
            to=to,
            reply_to=reply_to or [],
            kind=kind,
            about=about,
            attachments=attachments,
        )
        send_soon(delivery_id=delivery.pk)
    return delivery


def queue_message(message: EmailMessage, *, kind: str = "", about: models.Model | None = None) -> EmailDelivery:
    """Send an already-rendered message through the task framework."""
    return _queue(
        subject=str(message.subject),
        body_text=str(message.body),
        body_html=html_body(message),
        from_email=message.from_email or settings.DEFAULT_FROM_EMAIL,
        to=list(message.to),
        reply_to=list(message.reply_to),
        kind=kind,
        about=about,
    )


def queue_templated_email(
    *,
    template_prefix: str,
    to: str,
    context: Mapping[str, object],
    about: models.Model | None = None,
    attachments: Sequence[Attachment] = (),
) -> EmailDelivery:
    """Render `<prefix>_subject.txt`, `_message.txt` and `_message.html` and queue them.
    `about` names what the email is about, so staff can see whether it arrived; `attachments`
    go with it (sealed like the message)."""
    subject = " ".join(render_to_string(f"{template_prefix}_subject.txt", context).splitlines()).strip()
    return _queue(
        subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject}",
        body_text=render_to_string(f"{template_prefix}_message.txt", context).strip(),
        body_html=render_to_string(f"{template_prefix}_message.html", context).strip(),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        kind=template_prefix,
        about=about,
        attachments=attachments,
    )
