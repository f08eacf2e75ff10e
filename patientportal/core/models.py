from django.db import models


class OutboxMessage(models.Model):
    """A copy of an email sent while DEBUG is on, for the development outbox.

    Lets a developer click an invitation or verification link without a mail
    server. Never written in production (the SMTP backend is used there).
    """

    sent_at = models.DateTimeField(auto_now_add=True)
    subject = models.CharField(max_length=500)
    from_email = models.CharField(max_length=320)
    to = models.TextField(help_text="Comma-separated recipients.")
    body_text = models.TextField()
    body_html = models.TextField(blank=True)

    class Meta:
        ordering = ["-sent_at", "-id"]

    def __str__(self) -> str:
        return self.subject
