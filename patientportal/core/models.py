from django.db import models
from django.utils import timezone

from patientportal.core.choices import DeliveryStatus, ProcessRole


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


class EmailDelivery(models.Model):
    """One email on its way out and what became of it (PRODUCT: no email is lost silently).

    The task that sends it carries only this row's id. The message itself is
    sealed (`core.crypto`: it may hold an invitation link or a reset key) and
    wiped once it is sent. `about_type`/`about_id` name what the email is about
    (`app_label.model` and its id), so staff pages can show whether it arrived
    without `core` knowing the other apps. `last_error` is an exception class
    and an SMTP code, never a server's message (which may quote the address).
    """

    created_at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=100, blank=True, help_text="The template the email was made from.")
    about_type = models.CharField(max_length=100, blank=True)
    about_id = models.CharField(max_length=64, blank=True)
    to = models.TextField(help_text="Comma-separated recipients.")
    subject = models.CharField(max_length=500)
    sealed_message = models.TextField(blank=True, help_text="The encrypted message; empty once sent or expired.")
    status = models.CharField(max_length=20, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=100, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["about_type", "about_id"], name="core_delivery_about_idx"),
            models.Index(fields=["status", "next_attempt_at"], name="core_delivery_due_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=DeliveryStatus.values), name="core_delivery_status_known"
            ),
        ]
        verbose_name_plural = "email deliveries"

    def __str__(self) -> str:
        return f"Email {self.pk} ({self.status})"

    @property
    def can_be_resent(self) -> bool:
        return self.status == DeliveryStatus.FAILED and bool(self.sealed_message)


class Heartbeat(models.Model):
    """A background process saying it is alive: one row per process, touched every loop."""

    role = models.CharField(max_length=20, choices=ProcessRole.choices)
    instance = models.CharField(max_length=100, help_text="host:pid of the process.")
    started_at = models.DateTimeField(default=timezone.now)
    beat_at = models.DateTimeField(default=timezone.now)
    stopped_at = models.DateTimeField(null=True, blank=True, help_text="Set when the process stopped on request.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["role", "instance"], name="core_heartbeat_one_per_process")]

    def __str__(self) -> str:
        return f"{self.role} {self.instance}"


class PeriodicJob(models.Model):
    """One periodic job's lease and last run, shared by every copy of the periodic runner:
    a copy runs the job only after moving `lease_until` itself (compare-and-set), so two
    copies never run it at once and it runs at most once per interval."""

    name = models.CharField(max_length=100, unique=True)
    next_run_at = models.DateTimeField(default=timezone.now)
    lease_until = models.DateTimeField(null=True, blank=True)
    leased_by = models.CharField(max_length=100, blank=True)
    last_started_at = models.DateTimeField(null=True, blank=True)
    last_finished_at = models.DateTimeField(null=True, blank=True)
    last_outcome = models.CharField(max_length=100, blank=True, help_text="ok, or the class of the error.")

    def __str__(self) -> str:
        return self.name
