import datetime

from django.conf import settings
from django.db import models
from django.db.models import F
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from patientportal.clinics.models import Clinic
from patientportal.patients.choices import (
    ADULT_AGE,
    INVITATION_BADGES,
    PROXY_RELATIONSHIPS,
    AccessLevel,
    InvitationStatus,
    PortalAccessStatus,
    PortalStatus,
    Relationship,
)


class PatientQuerySet(models.QuerySet["Patient"]):
    def for_clinic(self, clinic: Clinic) -> "PatientQuerySet":
        return self.filter(clinic=clinic)


class Patient(models.Model):
    """A clinic's record of a person. Exists whether or not they use the portal."""

    # Not indexed on its own: patient_clinic_name_id_idx starts with the clinic.
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="patients", db_index=False)
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    date_of_birth = models.DateField(_("date of birth"))
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    portal_status = models.CharField(
        _("portal access"), max_length=20, choices=PortalStatus.choices, default=PortalStatus.NOT_ENABLED
    )
    portal_status_changed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PatientQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        # Which query uses each index: docs/performance.md. On PostgreSQL, migration 0003
        # also adds the trigram indexes of the search (name, email, phone digits), which
        # Django cannot declare here without breaking SQLite.
        indexes = [
            # The patient list and search results, by name, a page at a time (keyset).
            models.Index(
                F("clinic"), Lower("last_name"), Lower("first_name"), F("id"), name="patient_clinic_name_id_idx"
            ),
            # Search by date of birth.
            models.Index(fields=["clinic", "date_of_birth"], name="patient_clinic_birth_idx"),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def adult_on(self) -> datetime.date:
        """The day the patient turns 18 (someone born on February 29 turns 18 on March 1)."""
        born = self.date_of_birth
        try:
            return born.replace(year=born.year + ADULT_AGE)
        except ValueError:
            return datetime.date(born.year + ADULT_AGE, 3, 1)

    def age_on(self, day: datetime.date) -> int:
        had_birthday = (day.month, day.day) >= (self.date_of_birth.month, self.date_of_birth.day)
        return day.year - self.date_of_birth.year - (0 if had_birthday else 1)


class PortalAccessQuerySet(models.QuerySet["PortalAccess"]):
    def for_clinic(self, clinic: Clinic) -> "PortalAccessQuerySet":
        return self.filter(clinic=clinic)

    def for_patient(self, patient: Patient) -> "PortalAccessQuerySet":
        return self.filter(patient=patient)

    def active(self) -> "PortalAccessQuerySet":
        return self.filter(status=PortalAccessStatus.ACTIVE)


class PortalAccess(models.Model):
    """Links an account to a patient record it may use in the portal.

    One account can hold several links: records in several clinics, or a
    family member's record. Disabling a link ends its use on the very next
    request; the patient's data is untouched.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="portal_accesses")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="portal_accesses")
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.CASCADE, related_name="+")
    status = models.CharField(
        _("status"), max_length=20, choices=PortalAccessStatus.choices, default=PortalAccessStatus.ACTIVE
    )
    # The patient's own link is SELF; any other is a proxy's (patients.proxies), who acts as themself.
    relationship = models.CharField(
        _("relationship"), max_length=20, choices=Relationship.choices, default=Relationship.SELF
    )
    level = models.CharField(_("access"), max_length=30, choices=AccessLevel.choices, default=AccessLevel.FULL)
    # The proxy's name as staff wrote it on the invitation (the account may have none of its own).
    proxy_name = models.CharField(_("name"), max_length=200, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    status_changed_at = models.DateTimeField(auto_now_add=True)

    objects = PortalAccessQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "patient"], name="one_portal_access_per_user_and_patient"),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.patient}"

    @property
    def is_proxy(self) -> bool:
        return self.relationship in PROXY_RELATIONSHIPS


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def for_clinic(self, clinic: Clinic) -> "InvitationQuerySet":
        return self.filter(clinic=clinic)

    def for_patient(self, patient: Patient) -> "InvitationQuerySet":
        return self.filter(patient=patient)

    def pending_at(self, now: datetime.datetime) -> "InvitationQuerySet":
        return self.filter(status=InvitationStatus.PENDING, expires_at__gt=now)

    def to_patient(self) -> "InvitationQuerySet":
        return self.filter(relationship=Relationship.SELF)

    def to_addressee(self, *, relationship: str, email: str) -> "InvitationQuerySet":
        """The invitations to the same person: the patient's own, or those to one proxy's address.
        Each counts its own pending invitations and supersedes only its own (issue 16, part 3)."""
        if relationship == Relationship.SELF:
            return self.to_patient()
        return self.exclude(relationship=Relationship.SELF).filter(email=email)


class Invitation(models.Model):
    """An emailed link that lets the holder link their account to a patient record.

    Only the SHA-256 of the token is stored; the token itself exists only in
    the email. Single use: accepting moves it out of PENDING.
    """

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="invitations")
    email = models.EmailField(_("sent to"))
    # SELF: to the patient, at the record's email. Otherwise to a proxy, at their own email,
    # with the name, relationship and access level their link will have.
    relationship = models.CharField(
        _("relationship"), max_length=20, choices=Relationship.choices, default=Relationship.SELF
    )
    level = models.CharField(_("access"), max_length=30, choices=AccessLevel.choices, default=AccessLevel.FULL)
    proxy_name = models.CharField(_("name"), max_length=200, blank=True, default="")
    token_hash = models.CharField(max_length=64, unique=True)
    status = models.CharField(
        _("status"), max_length=20, choices=InvitationStatus.choices, default=InvitationStatus.PENDING
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("sent at"))
    expires_at = models.DateTimeField(_("expires at"))
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["patient", "status", "expires_at"]),
            # A confirmed address carries on with the newest invitation sent to it
            # (patients.invitation_accounts.invitation_for_confirmed_address).
            models.Index(fields=["email", "-created_at"], name="invitation_email_created_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["pending", "accepted", "revoked", "superseded"]),
                name="invitation_status_stored",
            ),
        ]

    def __str__(self) -> str:
        return f"Invitation {self.pk} for patient {self.patient_id}"

    @property
    def is_proxy(self) -> bool:
        return self.relationship in PROXY_RELATIONSHIPS

    def status_at(self, now: datetime.datetime) -> str:
        if self.status == InvitationStatus.PENDING and self.expires_at <= now:
            return InvitationStatus.EXPIRED
        return self.status

    def display_status(self) -> InvitationStatus:
        return InvitationStatus(self.status_at(timezone.now()))

    def badge(self) -> str:
        return INVITATION_BADGES[self.display_status()]


class ProxyAgeOutWarning(models.Model):
    """The clinic was told, once, that a record's parental proxy access ends when its patient turns 18
    (patients.proxies.proxies_age_out). Unique per record and day: written in the transaction that
    queues the emails, so a second run, or a run after an outage, finds it and sends nothing."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.CASCADE, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="+")
    adult_on = models.DateField()
    sent_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["patient", "adult_on"], name="one_age_out_warning_per_patient_and_day"),
        ]

    def __str__(self) -> str:
        return f"Age-out warning for patient {self.patient_id} ({self.adult_on})"
