from collections.abc import Sequence

from django.core.mail.backends.console import EmailBackend as ConsoleEmailBackend
from django.core.mail.message import EmailMessage


class OutboxEmailBackend(ConsoleEmailBackend):
    """Development email: printed to the console and kept for /dev/outbox/."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        from patientportal.core.emails import html_body
        from patientportal.core.models import OutboxMessage

        sent = super().send_messages(email_messages)
        for message in email_messages:
            OutboxMessage.objects.create(
                subject=str(message.subject),
                from_email=message.from_email,
                to=", ".join(message.to),
                body_text=str(message.body),
                body_html=html_body(message),
            )
        return sent
