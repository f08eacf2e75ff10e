from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    pass


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: object) -> int:
        raise AppendOnlyError("Audit events cannot be changed.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Audit events cannot be deleted.")

    # audit sits below clinics and patients and knows their rows only as models: it filters by id.
    def for_clinic(self, clinic: models.Model) -> "AuditEventQuerySet":
        return self.filter(clinic_id=clinic.pk)

    def for_patient(self, patient: models.Model) -> "AuditEventQuerySet":
        return self.filter(patient_id=patient.pk)


class AuditEvent(models.Model):
    """Who did or saw what, when and from where (HIPAA 164.312(b)).

    Append-only: rows are written by `audit.services.record` and never
    changed or deleted by the application. Holds no PHI beyond references:
    `metadata` carries identifiers and field names, never field values.
    """

    # Every index here is paid for on each insert: docs/performance.md says which index serves
    # which query (the operator admin, a patient's "Who viewed my record", the clinic's trail).
    occurred_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_email = models.CharField(max_length=254, blank=True)
    clinic = models.ForeignKey(
        "clinics.Clinic", on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    action = models.CharField(max_length=100)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=500, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    metadata = models.JSONField(default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["clinic", "-occurred_at"]),
            models.Index(fields=["action"], name="audit_action_idx"),
            # A record's events newest first, with the actor: "Who viewed my record" chooses a
            # page's events from this index alone (audit.0005, activity.selectors).
            models.Index(fields=["patient", "-occurred_at", "-id"], include=["actor"], name="audit_patient_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError("Audit events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Audit events cannot be deleted.")


class StateChange(models.Model):
    """One move of a state machine that keeps no history of its own
    (appointments, invitations, portal status and links, payments). Written
    by `audit.transitions.transition` beside the audit event. Append-only."""

    machine = models.CharField(max_length=60)
    object_id = models.BigIntegerField()
    from_state = models.CharField(max_length=30)
    to_state = models.CharField(max_length=30)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.CharField(max_length=500, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["machine", "object_id", "at"])]

    def __str__(self) -> str:
        return f"{self.machine} {self.object_id}: {self.from_state} → {self.to_state}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError("State changes cannot be changed.")
        super().save(*args, **kwargs)
