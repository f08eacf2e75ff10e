"""Scheduling rules: setup lists (providers, locations, appointment types)
and appointments. A provider cannot be double-booked: booking or moving an
appointment locks the provider's row, then checks for overlaps. Booking,
changing and cancelling a visit still ahead emails the patient
(`scheduling.emails`) in the same transaction."""

import datetime
import zoneinfo
from collections.abc import Mapping, Sequence
from typing import TypeVar

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from patientportal.accounts.models import User
from patientportal.audit import services as audit
from patientportal.audit.transitions import transition
from patientportal.clinics.models import Clinic
from patientportal.notifications.choices import NotificationKind
from patientportal.notifications.services import notify_staff
from patientportal.patients.models import Patient
from patientportal.scheduling.choices import (
    APPOINTMENT_TRANSITIONS,
    FREEING_STATUSES,
    REMINDED_STATUSES,
    AppointmentRequestStatus,
    AppointmentStatus,
    CancelledBy,
)
from patientportal.scheduling.emails import (
    NOTIFIED_FIELDS,
    AppointmentEmail,
    Change,
    appointment_email_send,
    changes_between,
    snapshot,
)
from patientportal.scheduling.errors import SchedulingError
from patientportal.scheduling.machines import APPOINTMENT_REQUEST_STATUS, APPOINTMENT_STATUS
from patientportal.scheduling.models import (
    MAX_DURATION,
    MIN_DURATION,
    Appointment,
    AppointmentRequest,
    AppointmentType,
    Location,
    Provider,
    ReminderPreference,
    SetupItem,
)
from patientportal.scheduling.policy import patient_cancel_refusal
from patientportal.scheduling.reminders import reminders_cover

APPOINTMENT_EDITABLE_FIELDS = (
    "provider",
    "appointment_type",
    "location",
    "starts_at",
    "duration_minutes",
    "patient_notes",
    "internal_notes",
)

_Item = TypeVar("_Item", bound=SetupItem)


@transaction.atomic
def setup_item_save(*, instance: _Item, values: Mapping[str, object], actor: User) -> _Item:
    """Create or update a provider, location or appointment type of the instance's clinic."""
    created = instance.pk is None
    changed = [name for name, value in values.items() if getattr(instance, name) != value]
    for name, value in values.items():
        setattr(instance, name, value)
    instance.full_clean()
    instance.save()
    audit.record(
        action=f"scheduling.{instance._meta.model_name}.{'created' if created else 'updated'}",
        actor=actor,
        clinic=instance.clinic,
        obj=instance,
        metadata={"fields": changed},
    )
    return instance


def schedule_viewed(*, clinic: Clinic, day: datetime.date, appointments: Sequence[Appointment], actor: User) -> None:
    """Staff saw a day's schedule (who comes, for what): one event for the page,
    naming the patients and appointments on it (identifiers only), so it can be found per patient."""
    audit.record(
        action="scheduling.schedule.viewed",
        actor=actor,
        clinic=clinic,
        metadata={
            "day": day.isoformat(),
            "appointment_ids": [appointment.pk for appointment in appointments],
            "patient_ids": sorted({appointment.patient_id for appointment in appointments}),
        },
    )


def _format_local(moment: datetime.datetime, zone: zoneinfo.ZoneInfo) -> str:
    return timezone.localtime(moment, zone).strftime("%-I:%M %p")


def _refuse_overlap(
    *, provider: Provider, starts_at: datetime.datetime, ends_at: datetime.datetime, exclude_id: int | None
) -> None:
    # No visit lasts longer than MAX_DURATION, so one that overlaps started less than that before
    # this one: the lower bound keeps the index range to a day, not the provider's whole history.
    earliest_overlapping_start = starts_at - datetime.timedelta(minutes=MAX_DURATION)
    clashes = Appointment.objects.filter(
        provider=provider,
        starts_at__gt=earliest_overlapping_start,
        starts_at__lt=ends_at,
        ends_at__gt=starts_at,
    ).exclude(status__in=FREEING_STATUSES)
    if exclude_id is not None:
        clashes = clashes.exclude(pk=exclude_id)
    clash = clashes.order_by("starts_at").first()
    if clash:
        zone = provider.clinic.zone
        raise SchedulingError(
            "double_booked",
            provider=provider.display_name,
            start=_format_local(clash.starts_at, zone),
            end=_format_local(clash.ends_at, zone),
        )


def _check_choices(*, provider: Provider, appointment_type: AppointmentType, location: Location | None) -> None:
    for item in (provider, appointment_type, location):
        if item is not None and not item.active:
            raise SchedulingError("inactive_choice", what=str(item))


def _lock_providers(*providers: Provider) -> None:
    # A fixed order (by id) so two moves between the same providers cannot deadlock.
    ids = sorted({provider.pk for provider in providers})
    list(Provider.objects.select_for_update().filter(pk__in=ids).order_by("pk"))


@transaction.atomic
def appointment_book(
    *,
    patient: Patient,
    provider: Provider,
    appointment_type: AppointmentType,
    starts_at: datetime.datetime,
    actor: User,
    location: Location | None = None,
    duration_minutes: int | None = None,
    patient_notes: str = "",
    internal_notes: str = "",
    booked_online: bool = False,
) -> Appointment:
    """Book a visit. The duration defaults to the appointment type's. `booked_online`: the patient
    took an open time in the portal (scheduling.slots); the audit event says so."""
    clinic = patient.clinic
    duration = duration_minutes or appointment_type.duration_minutes
    if not MIN_DURATION <= duration <= MAX_DURATION:
        raise SchedulingError("duration_out_of_range")
    _check_choices(provider=provider, appointment_type=appointment_type, location=location)
    ends_at = starts_at + datetime.timedelta(minutes=duration)
    _lock_providers(provider)
    _refuse_overlap(provider=provider, starts_at=starts_at, ends_at=ends_at, exclude_id=None)
    appointment = Appointment.objects.create(
        clinic=clinic,
        patient=patient,
        provider=provider,
        appointment_type=appointment_type,
        location=location,
        starts_at=starts_at,
        duration_minutes=duration,
        ends_at=ends_at,
        patient_notes=patient_notes.strip(),
        internal_notes=internal_notes.strip(),
        created_by=actor,
    )
    emails = _tell_patient(appointment, AppointmentEmail.BOOKED)
    audit.record(
        action="scheduling.appointment.booked",
        actor=actor,
        clinic=clinic,
        patient=patient,
        obj=appointment,
        metadata={"emails": emails, **({"online": True} if booked_online else {})},
    )
    return appointment


def _tell_patient(appointment: Appointment, kind: AppointmentEmail, changes: Sequence[Change] = ()) -> int:
    """Email the patient about a visit still ahead (nothing for one entered after the fact, nor
    a change to one the patient is already checked in for); a booking or a new time also
    covers the reminders already due. Returns the emails queued."""
    now = timezone.now()
    if appointment.starts_at <= now:
        return 0
    if kind != AppointmentEmail.CANCELLED and appointment.status not in REMINDED_STATUSES:
        return 0
    if kind in (AppointmentEmail.BOOKED, AppointmentEmail.CHANGED):
        reminders_cover(appointment=appointment, now=now)
    return appointment_email_send(appointment=appointment, kind=kind, changes=changes)


@transaction.atomic
def appointment_update(*, appointment: Appointment, changes: Mapping[str, object], actor: User) -> Appointment:
    """Change the details of an appointment that is not final; re-checks the provider's time.
    A change of time, provider, location or type is emailed to the patient, saying what changed."""
    locked = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if not APPOINTMENT_TRANSITIONS[locked.status]:
        raise SchedulingError("final_status", current=locked.get_status_display().lower())
    values = {name: changes[name] for name in APPOINTMENT_EDITABLE_FIELDS if name in changes}
    changed = [name for name, value in values.items() if getattr(locked, name) != value]
    if not changed:
        return locked
    told = snapshot(locked)
    for name in changed:
        setattr(locked, name, values[name])
    if not MIN_DURATION <= locked.duration_minutes <= MAX_DURATION:
        raise SchedulingError("duration_out_of_range")
    if {"provider", "appointment_type", "location"} & set(changed):
        _check_choices(provider=locked.provider, appointment_type=locked.appointment_type, location=locked.location)
    locked.ends_at = locked.starts_at + datetime.timedelta(minutes=locked.duration_minutes)
    _lock_providers(locked.provider, appointment.provider)
    _refuse_overlap(provider=locked.provider, starts_at=locked.starts_at, ends_at=locked.ends_at, exclude_id=locked.pk)
    locked.save()
    seen_changes = changes_between(told, locked) if NOTIFIED_FIELDS & set(changed) else []
    emails = _tell_patient(locked, AppointmentEmail.CHANGED, changes=seen_changes) if seen_changes else 0
    audit.record(
        action="scheduling.appointment.updated",
        actor=actor,
        clinic=locked.clinic,
        patient=locked.patient,
        obj=locked,
        metadata={"fields": changed, "emails": emails},
    )
    return locked


@transaction.atomic
def appointment_set_status(*, appointment: Appointment, to: str, actor: User) -> Appointment:
    """Move the status along APPOINTMENT_TRANSITIONS, recording who and when (staff: a
    cancellation is the clinic's). A visit still ahead that is cancelled is emailed to the patient
    as cancelled by the clinic."""
    locked = Appointment.objects.select_for_update().get(pk=appointment.pk)
    now = timezone.now()
    fields: dict[str, object] = {"status_changed_at": now, "status_changed_by": actor, "updated_at": now}
    if to == AppointmentStatus.CANCELLED:
        fields["cancelled_by"] = CancelledBy.CLINIC
    transition(machine=APPOINTMENT_STATUS, obj=locked, to=to, actor=actor, fields=fields)
    if to == AppointmentStatus.CANCELLED:
        _tell_patient_of_cancellation(locked, actor)
    return locked


def _tell_patient_of_cancellation(appointment: Appointment, actor: User) -> int:
    emails = _tell_patient(appointment, AppointmentEmail.CANCELLED)
    if emails:
        audit.record(
            action="scheduling.appointment.cancellation_emailed",
            actor=actor,
            clinic=appointment.clinic,
            patient=appointment.patient,
            obj=appointment,
            metadata={"emails": emails},
        )
    return emails


@transaction.atomic
def appointment_cancel_by_patient(*, appointment: Appointment, actor: User) -> Appointment:
    """The patient (or an account sharing the record) cancels a visit in the portal, within the
    clinic's policy (scheduling.policy: the type allows it and the window has not closed), checked
    again under the row lock. Recorded as cancelled by the patient (history, audit event
    `scheduling.appointment.cancelled_by_patient`); everyone told of the record's visits gets the
    confirmation with the .ics. A request for a new time of this visit that still waits is withdrawn.
    The one place to add what else should happen when a patient cancels (e.g. telling the staff)."""
    locked = Appointment.objects.select_for_update().select_related("appointment_type", "clinic").get(pk=appointment.pk)
    now = timezone.now()
    refusal = patient_cancel_refusal(appointment=locked, clinic=locked.clinic, now=now)
    if refusal == "cancel_too_late":
        raise SchedulingError(refusal, hours=locked.clinic.cancellation_window_hours)
    if refusal:
        raise SchedulingError(refusal)
    transition(
        machine=APPOINTMENT_STATUS,
        obj=locked,
        to=AppointmentStatus.CANCELLED,
        actor=actor,
        fields={"status_changed_at": now, "status_changed_by": actor, "cancelled_by": CancelledBy.PATIENT},
        audit_action="scheduling.appointment.cancelled_by_patient",
    )
    _withdraw_reschedule_requests(locked, actor)
    _tell_patient_of_cancellation(locked, actor)
    appointment_notify_staff(
        locked.clinic,
        NotificationKind.APPOINTMENT_CANCELLED_BY_PATIENT,
        url=reverse("staff:patient_appointments", args=[locked.clinic.slug, locked.patient_id]),
        actor=actor,
        starts_at=locked.starts_at,
    )
    return locked


def appointment_notify_staff(
    clinic: Clinic,
    kind: str,
    *,
    url: str,
    actor: User,
    starts_at: datetime.datetime | None = None,
    booked: bool = False,
) -> None:
    """Tell the clinic's staff that a patient asked for a visit, booked an open time (`booked`, of the
    kind "appointment requested": the same people act on it) or cancelled one. The title names
    neither the patient nor the type of visit (health information): only, for a booking or a
    cancellation, the time in the clinic's time zone, which is what the front desk acts on."""
    with translation.override(settings.LANGUAGE_CODE), timezone.override(clinic.zone):
        when = ""
        if starts_at is not None:
            local = timezone.localtime(starts_at)
            when = f"{formats.date_format(local, 'D N j, P')} {local.tzname()}"
        if kind == NotificationKind.APPOINTMENT_REQUESTED and booked:
            title = _("A patient booked an appointment online for %(when)s") % {"when": when}
        elif kind == NotificationKind.APPOINTMENT_REQUESTED:
            title = _("A patient asked for an appointment")
        else:
            assert starts_at is not None
            title = _("A patient cancelled the appointment of %(when)s") % {"when": when}
    notify_staff(clinic, kind, title=title, url=url, exclude=actor)


def _withdraw_reschedule_requests(appointment: Appointment, actor: User) -> None:
    for waiting in AppointmentRequest.objects.select_for_update().filter(
        reschedule_of=appointment, status=AppointmentRequestStatus.PENDING
    ):
        transition(
            machine=APPOINTMENT_REQUEST_STATUS,
            obj=waiting,
            to=AppointmentRequestStatus.WITHDRAWN,
            actor=actor,
            fields={"status_changed_at": timezone.now(), "status_changed_by": actor},
            note="The appointment was cancelled.",
        )


def appointment_cancel(*, appointment: Appointment, actor: User) -> Appointment:
    return appointment_set_status(appointment=appointment, to=AppointmentStatus.CANCELLED, actor=actor)


@transaction.atomic
def reminder_preference_set(*, patient: Patient, user: User, reminders: bool) -> ReminderPreference:
    """Turn appointment reminders on or off for one account and one record (the account acts for
    itself; on until turned off). Emails about a booking, a change or a cancellation still go.
    Audited when it changes."""
    preference, _created = ReminderPreference.objects.select_for_update().get_or_create(
        patient=patient, user=user, defaults={"clinic_id": patient.clinic_id, "reminders": True}
    )
    if preference.reminders == reminders:
        return preference
    preference.reminders = reminders
    preference.save(update_fields=["reminders", "changed_at"])
    audit.record(
        action="scheduling.reminders.turned_on" if reminders else "scheduling.reminders.turned_off",
        actor=user,
        clinic=patient.clinic,
        patient=patient,
        obj=preference,
    )
    return preference
