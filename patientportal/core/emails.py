from collections.abc import Mapping

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string

from patientportal.core.tasks import send_email


def html_body(message: EmailMessage) -> str:
    if isinstance(message, EmailMultiAlternatives):
        for content, mimetype in message.alternatives:
            if mimetype == "text/html":
                return str(content)
    return ""


def _enqueue_on_commit(*, subject: str, body_text: str, body_html: str, from_email: str, to: list[str]) -> None:
    # Nothing is sent for work that rolls back, and the task gets plain strings.
    transaction.on_commit(
        lambda: send_email.enqueue(
            subject=subject, body_text=body_text, body_html=body_html, from_email=from_email, to=to
        )
    )


def queue_message(message: EmailMessage) -> None:
    """Send an already-rendered message through the task framework after commit."""
    _enqueue_on_commit(
        subject=str(message.subject),
        body_text=str(message.body),
        body_html=html_body(message),
        from_email=message.from_email or settings.DEFAULT_FROM_EMAIL,
        to=list(message.to),
    )


def queue_templated_email(*, template_prefix: str, to: str, context: Mapping[str, object]) -> None:
    """Render `<prefix>_subject.txt`, `_message.txt` and `_message.html` and queue them."""
    subject = " ".join(render_to_string(f"{template_prefix}_subject.txt", context).splitlines()).strip()
    _enqueue_on_commit(
        subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject}",
        body_text=render_to_string(f"{template_prefix}_message.txt", context).strip(),
        body_html=render_to_string(f"{template_prefix}_message.html", context).strip(),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
    )
