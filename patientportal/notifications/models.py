"""A staff member's notifications, their choices, and the daily summaries sent to them.

Everything hangs on the membership (one account in one clinic): a person who is staff in two
clinics has two lists, two sets of choices and up to two summaries a day, and removing someone
from the team removes theirs.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from patientportal.clinics.models import Clinic, StaffMembership
from patientportal.notifications.choices import EmailChoice, NotificationKind


class NotificationDigest(models.Model):
    """One daily summary email to one member: unique on (member, the clinic's local day), so two
    runners (or one restarted) never send a second the same day."""

    membership = models.ForeignKey(StaffMembership, on_delete=models.CASCADE, related_name="+", db_index=False)
    local_date = models.DateField(help_text="The day in the clinic's time zone it was sent for.")
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["membership", "local_date"], name="one_notification_digest_a_day"),
        ]

    def __str__(self) -> str:
        return f"Summary for member {self.membership_id} on {self.local_date}"


class NotificationQuerySet(models.QuerySet["Notification"]):
    def for_membership(self, membership: StaffMembership) -> "NotificationQuerySet":
        return self.filter(membership=membership)

    def unread(self) -> "NotificationQuerySet":
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """Something one staff member should know. `title` names what happened without health
    details ("Order 1042 is waiting for approval"); `url` is the staff page it is about."""

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="+", db_index=False)
    membership = models.ForeignKey(StaffMembership, on_delete=models.CASCADE, related_name="+", db_index=False)
    kind = models.CharField(max_length=40, choices=NotificationKind.choices)
    title = models.CharField(max_length=200)
    url = models.CharField(max_length=300, help_text="A path in this clinic's staff area.")
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    email = models.CharField(
        max_length=10, choices=EmailChoice.choices, help_text="How it was to be emailed when it was made."
    )
    digest = models.ForeignKey(
        NotificationDigest, null=True, blank=True, on_delete=models.SET_NULL, related_name="notifications"
    )

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The list, newest first, and the header's unread count.
            models.Index(fields=["membership", "-created_at", "-id"], name="notification_list_idx"),
            models.Index(
                fields=["membership"], condition=models.Q(read_at__isnull=True), name="notification_unread_idx"
            ),
            # The summary job: who has something waiting for a summary.
            models.Index(
                fields=["membership"],
                condition=models.Q(email="digest", digest__isnull=True),
                name="notification_digest_due_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=NotificationKind.values), name="notification_kind_known"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class NotificationChoice(models.Model):
    """One member's choice for one kind; no row means the role's default (choices.KIND_RULES)."""

    membership = models.ForeignKey(StaffMembership, on_delete=models.CASCADE, related_name="+", db_index=False)
    kind = models.CharField(max_length=40, choices=NotificationKind.choices)
    email = models.CharField(_("email"), max_length=10, choices=EmailChoice.choices)
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["membership", "kind"], name="one_notification_choice_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.email} for member {self.membership_id}"
