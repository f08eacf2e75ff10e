from typing import Self, TypeAlias, TypeVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from patientportal.clinics.contact import tel_uri, validate_phone
from patientportal.clinics.models import Clinic
from patientportal.patients.models import Patient
from patientportal.scheduling.choices import (
    REQUEST_BADGES,
    STATUS_BADGES,
    TYPE_COLOURS,
    AppointmentRequestStatus,
    AppointmentStatus,
    CancelledBy,
    ReminderOutcome,
)
from patientportal.scheduling.windows import Window, windows_from_json

MIN_DURATION = 5
MAX_DURATION = 8 * 60


_Item = TypeVar("_Item", bound=models.Model)


class ClinicScopedQuerySet(models.QuerySet[_Item]):
    """The setup lists (providers, locations, appointment types) of one clinic."""

    def for_clinic(self, clinic: Clinic) -> Self:
        return self.filter(clinic=clinic)

    def active(self) -> Self:
        return self.filter(active=True)


class Provider(models.Model):
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="providers")
    name = models.CharField(_("name"), max_length=120, help_text=_("As patients should see it, e.g. Dr. Ana Ruiz."))
    credentials = models.CharField(_("credentials"), max_length=40, blank=True, help_text=_("e.g. MD, NP, RN"))
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ClinicScopedQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return f"{self.name}, {self.credentials}" if self.credentials else self.name


class Location(models.Model):
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="locations")
    name = models.CharField(_("name"), max_length=120)
    address = models.CharField(_("address"), max_length=300, blank=True)
    phone = models.CharField(
        _("phone"), max_length=40, blank=True, validators=[validate_phone], help_text=_("e.g. +1 617-555-0142")
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ClinicScopedQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def phone_uri(self) -> str:
        return tel_uri(self.phone)


class AppointmentType(models.Model):
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="appointment_types")
    name = models.CharField(_("name"), max_length=120)
    duration_minutes = models.PositiveIntegerField(
        _("duration (minutes)"), validators=[MinValueValidator(MIN_DURATION), MaxValueValidator(MAX_DURATION)]
    )
    colour = models.CharField(_("colour"), max_length=7, choices=TYPE_COLOURS, default=TYPE_COLOURS[0][0])
    patients_may_cancel = models.BooleanField(
        _("patients may cancel online"),
        default=True,
        help_text=_("Within the clinic's cancellation window. Off: patients are asked to contact the clinic."),
    )
    bookable_online = models.BooleanField(
        _("bookable online"),
        default=False,
        help_text=_("Patients book open times of this type, where the clinic allows it."),
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ClinicScopedQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class WorkingHours(models.Model):
    """One stretch of a provider's working week: on `weekday` (0 Monday … 6 Sunday) from `starts`
    to `ends`, local times of the clinic's clock, at `location`. A day has as many stretches as it
    needs (9–12 and 1–5 is a lunch break). The open times patients book come from these
    (scheduling.slots), less the exceptions and the provider's appointments."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.CASCADE, related_name="+", db_index=False)
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="working_hours")
    weekday = models.PositiveSmallIntegerField(_("day of the week"), validators=[MaxValueValidator(6)])
    starts = models.TimeField(_("from"))
    ends = models.TimeField(_("until"))
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("location")
    )

    class Meta:
        ordering = ["provider", "weekday", "starts", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends__gt=models.F("starts")), name="working_hours_end_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider_id} {self.weekday} {self.starts}–{self.ends}"


class WorkingHoursException(models.Model):
    """Days a provider's week does not hold: from `first_day` to `last_day` (one day: both the same)
    either off (no times), or working only from `starts` to `ends` (at `location`) on each of them.
    Several exceptions on one day with times add up; one that is off wins."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.CASCADE, related_name="+", db_index=False)
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="working_hours_exceptions")
    first_day = models.DateField(_("from"))
    last_day = models.DateField(_("until"))
    starts = models.TimeField(_("working from"), null=True, blank=True)
    ends = models.TimeField(_("working until"), null=True, blank=True)
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("location")
    )
    note = models.CharField(_("note (staff only)"), max_length=120, blank=True)

    class Meta:
        ordering = ["provider", "first_day", "starts", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(last_day__gte=models.F("first_day")), name="working_exception_days_in_order"
            ),
            models.CheckConstraint(
                condition=models.Q(starts__isnull=True, ends__isnull=True)
                | models.Q(starts__isnull=False, ends__isnull=False, ends__gt=models.F("starts")),
                name="working_exception_times_both_or_none",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider_id} {self.first_day}–{self.last_day}"

    @property
    def is_day_off(self) -> bool:
        return self.starts is None


# What the staff setup pages list and edit.
SetupItem: TypeAlias = Provider | Location | AppointmentType


class AppointmentQuerySet(models.QuerySet["Appointment"]):
    def for_clinic(self, clinic: Clinic) -> "AppointmentQuerySet":
        return self.filter(clinic=clinic)

    def for_patient(self, patient: Patient) -> "AppointmentQuerySet":
        return self.filter(patient=patient)

    def with_related(self) -> "AppointmentQuerySet":
        return self.select_related("provider", "appointment_type", "location")


class Appointment(models.Model):
    """A booked visit. `ends_at` is kept with `starts_at` and the duration by the
    scheduling services, so overlaps can be found in the database."""

    # Clinic, patient and provider are not indexed on their own: the indexes of Meta start
    # with them. Nothing looks appointments up by type or location, and types and
    # locations are made inactive, never deleted: no index for those either.
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="appointments", db_index=False)
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="appointments", db_index=False
    )
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="appointments", db_index=False)
    appointment_type = models.ForeignKey(
        AppointmentType, on_delete=models.PROTECT, related_name="appointments", db_index=False
    )
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    starts_at = models.DateTimeField(_("starts at"))
    duration_minutes = models.PositiveIntegerField(
        _("duration (minutes)"), validators=[MinValueValidator(MIN_DURATION), MaxValueValidator(MAX_DURATION)]
    )
    ends_at = models.DateTimeField(_("ends at"))
    status = models.CharField(
        _("status"), max_length=20, choices=AppointmentStatus.choices, default=AppointmentStatus.SCHEDULED
    )
    patient_notes = models.TextField(_("notes for the patient"), blank=True, max_length=2000)
    internal_notes = models.TextField(_("internal notes (never shown to the patient)"), blank=True, max_length=4000)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Who cancelled (with status_changed_at/by, when and which account); empty unless cancelled.
    cancelled_by = models.CharField(max_length=10, choices=CancelledBy.choices, blank=True, default="")

    objects = AppointmentQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "id"]
        # Which query uses each index: docs/performance.md.
        indexes = [
            models.Index(fields=["patient", "starts_at"]),
            models.Index(fields=["clinic", "starts_at"]),
            models.Index(fields=["provider", "starts_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="appointment_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"Appointment {self.pk}"

    @property
    def badge(self) -> str:
        return STATUS_BADGES[self.status]


class AppointmentRequestQuerySet(models.QuerySet["AppointmentRequest"]):
    def for_clinic(self, clinic: Clinic) -> "AppointmentRequestQuerySet":
        return self.filter(clinic=clinic)

    def for_patient(self, patient: Patient) -> "AppointmentRequestQuerySet":
        return self.filter(patient=patient)

    def with_related(self) -> "AppointmentRequestQuerySet":
        return self.select_related("appointment_type", "provider", "location", "reschedule_of", "appointment")


class AppointmentRequest(models.Model):
    """A patient's wish for a visit (or for a new time for `reschedule_of`), answered by the clinic:
    booked (`appointment` is the visit) or declined with a message; the patient may withdraw it while
    it waits. `windows` are two or three preferred times, each a day and a part of the day in the
    clinic's time zone: [{"day": "2030-03-04", "part": "morning"}, …] (scheduling.policy)."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+", db_index=False)
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+", db_index=False)
    appointment_type = models.ForeignKey(AppointmentType, on_delete=models.PROTECT, related_name="+")
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    reschedule_of = models.ForeignKey(
        Appointment, on_delete=models.PROTECT, null=True, blank=True, related_name="reschedule_requests"
    )
    windows = models.JSONField(_("preferred times"))
    reason = models.CharField(_("reason for the visit"), max_length=300, blank=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=AppointmentRequestStatus.choices,
        default=AppointmentRequestStatus.PENDING,
    )
    appointment = models.ForeignKey(
        Appointment, on_delete=models.PROTECT, null=True, blank=True, related_name="+", help_text="The visit booked."
    )
    decline_message = models.TextField(_("message to the patient"), blank=True, max_length=1000)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = AppointmentRequestQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            # The staff queue (a clinic's waiting requests, oldest first) and its count on the home page.
            models.Index(fields=["clinic", "status", "created_at"], name="appointment_request_queue"),
            # The patient's requests on the portal's Appointments page, newest first.
            models.Index(fields=["patient", "-created_at"], name="appointment_request_patient"),
        ]
        constraints = [
            # One waiting request for a new time per appointment (a second click makes none).
            models.UniqueConstraint(
                fields=["reschedule_of"],
                condition=models.Q(status=AppointmentRequestStatus.PENDING),
                name="one_pending_reschedule_per_appointment",
            ),
        ]

    def __str__(self) -> str:
        return f"Appointment request {self.pk}"

    @property
    def badge(self) -> str:
        return REQUEST_BADGES[self.status]

    @property
    def window_list(self) -> list[Window]:
        return windows_from_json(self.windows)


class AppointmentReminder(models.Model):
    """One reminder of one appointment, written once, when the reminder is dealt with
    (sent, or why not). The unique constraint makes it happen exactly once whatever number
    of periodic runners race for it, and across restarts; keyed on the start time too, so
    a visit moved to another time is reminded of again."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.CASCADE, related_name="+", db_index=False)
    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="+", db_index=False)
    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="reminders", db_index=False)
    hours_before = models.PositiveSmallIntegerField()
    starts_at = models.DateTimeField(help_text="The start time the reminder is about.")
    due_at = models.DateTimeField()
    outcome = models.CharField(max_length=20, choices=ReminderOutcome.choices)
    emails = models.PositiveSmallIntegerField(default=0, help_text="How many emails were queued.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["appointment", "-hours_before", "id"]
        constraints = [
            # Also the index of the "not yet dealt with" check of every reminder round.
            models.UniqueConstraint(
                fields=["appointment", "hours_before", "starts_at"], name="one_reminder_per_appointment_time"
            ),
        ]

    def __str__(self) -> str:
        return f"Reminder {self.hours_before} h before appointment {self.appointment_id}"


class ReminderPreferenceQuerySet(models.QuerySet["ReminderPreference"]):
    def for_patient(self, patient: Patient) -> "ReminderPreferenceQuerySet":
        return self.filter(patient=patient)


class ReminderPreference(models.Model):
    """Whether one account wants appointment reminders for one patient record (a parent may
    want them for a child's visits and not for their own). No row means yes. Emails about a
    booking, a change or a cancellation go whatever this says."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.CASCADE, related_name="+", db_index=False)
    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="+", db_index=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False)
    reminders = models.BooleanField(_("email reminders"), default=True)
    changed_at = models.DateTimeField(auto_now=True)

    objects = ReminderPreferenceQuerySet.as_manager()

    class Meta:
        constraints = [
            # Read by the record ("who turned them off?") and written by the account.
            models.UniqueConstraint(fields=["patient", "user"], name="one_reminder_preference_per_record_and_account"),
        ]

    def __str__(self) -> str:
        return f"Reminders {'on' if self.reminders else 'off'} for {self.user_id} → {self.patient_id}"
