from django.core.mail import EmailMultiAlternatives
from django_tasks import task


@task()
def send_email(*, subject: str, body_text: str, body_html: str, from_email: str, to: list[str]) -> None:
    """Deliver one already-rendered email. Rendering happens in the request so
    the task needs only plain strings."""
    message = EmailMultiAlternatives(subject=subject, body=body_text, from_email=from_email, to=to)
    if body_html:
        message.attach_alternative(body_html, "text/html")
    message.send()
