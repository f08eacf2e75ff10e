"""Appointment requests: a patient asks for a visit, or for a new time for one (where the clinic
takes requests); the clinic books it through the ordinary booking rules or declines it with a
message; the patient may withdraw it while it waits. Each answer is a move of the request's state
machine (scheduling.machines), in its history and the audit log.

Booking a request for a new time moves the appointment it names (the "changed" email says what
changed, and the calendar file updates the same calendar entry); if that appointment is no longer
expected (cancelled, checked in, …) a new one is booked instead."""

import datetime
from collections.abc import Sequence

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from patientportal.accounts.models import User
from patientportal.audit import services as audit
from patientportal.audit.transitions import transition
from patientportal.clinics.models import Clinic
from patientportal.notifications.choices import NotificationKind
from patientportal.patients.models import Patient
from patientportal.scheduling.choices import REMINDED_STATUSES, AppointmentRequestStatus
from patientportal.scheduling.emails import request_declined_email_send
from patientportal.scheduling.errors import SchedulingError
from patientportal.scheduling.machines import APPOINTMENT_REQUEST_STATUS
from patientportal.scheduling.models import Appointment, AppointmentRequest, AppointmentType, Location, Provider
from patientportal.scheduling.policy import MAX_PENDING_REQUESTS, MAX_WINDOWS, MIN_WINDOWS
from patientportal.scheduling.services import appointment_book, appointment_notify_staff, appointment_update
from patientportal.scheduling.windows import Window

S = AppointmentRequestStatus


@transaction.atomic
def appointment_request_create(
    *,
    patient: Patient,
    appointment_type: AppointmentType,
    windows: Sequence[Window],
    reason: str,
    actor: User,
    provider: Provider | None = None,
    location: Location | None = None,
    reschedule_of: Appointment | None = None,
) -> AppointmentRequest:
    """A patient (or an account sharing the record) asks the clinic for a visit, or for a new time
    for `reschedule_of`. At most MAX_PENDING_REQUESTS wait per record (counted under the record's
    row lock) and one request for a new time per appointment (a unique constraint). The one place
    to add what else should happen when a request arrives (e.g. telling the staff)."""
    clinic = patient.clinic
    if not clinic.accepts_appointment_requests:
        raise SchedulingError("requests_closed")
    _check_request(patient, appointment_type, provider, location, windows)
    Patient.objects.select_for_update().filter(pk=patient.pk).first()
    waiting = AppointmentRequest.objects.for_patient(patient).filter(status=S.PENDING).count()
    if waiting >= MAX_PENDING_REQUESTS:
        raise SchedulingError("too_many_requests", most=MAX_PENDING_REQUESTS)
    if reschedule_of is not None:
        _check_reschedulable(reschedule_of, patient)
    try:
        with transaction.atomic():
            created = AppointmentRequest.objects.create(
                clinic=clinic,
                patient=patient,
                appointment_type=appointment_type,
                provider=provider,
                location=location,
                reschedule_of=reschedule_of,
                windows=[window.as_json() for window in windows],
                reason=reason.strip(),
                created_by=actor,
            )
    except IntegrityError:
        raise SchedulingError("reschedule_pending") from None
    audit.record(
        action="scheduling.appointment_request.created",
        actor=actor,
        clinic=clinic,
        patient=patient,
        obj=created,
        metadata={"reschedule_of": reschedule_of.pk if reschedule_of else None, "windows": len(windows)},
    )
    appointment_notify_staff(
        clinic,
        NotificationKind.APPOINTMENT_REQUESTED,
        url=reverse("staff:appointment_request_queue", args=[clinic.slug]),
        actor=actor,
    )
    return created


def _check_request(
    patient: Patient,
    appointment_type: AppointmentType,
    provider: Provider | None,
    location: Location | None,
    windows: Sequence[Window],
) -> None:
    """What the form already checks, checked where the rule lives: the choices are the record's
    clinic's and active, and there are two or three different windows."""
    for item in (appointment_type, provider, location):
        if item is not None and (item.clinic_id != patient.clinic_id or not item.active):
            raise SchedulingError("inactive_choice", what=str(item))
    if not MIN_WINDOWS <= len(windows) <= MAX_WINDOWS or len(set(windows)) != len(windows):
        raise ValueError("A request names two or three different preferred times.")


def _check_reschedulable(appointment: Appointment, patient: Patient) -> None:
    if appointment.patient_id != patient.pk:
        raise ValueError("The appointment to move is not this record's.")
    current = Appointment.objects.select_for_update().get(pk=appointment.pk)  # as it is now, not as the page read it
    if current.status not in REMINDED_STATUSES or current.starts_at <= timezone.now():
        raise SchedulingError("reschedule_not_upcoming")


@transaction.atomic
def appointment_request_book(
    *,
    appointment_request: AppointmentRequest,
    provider: Provider,
    appointment_type: AppointmentType,
    starts_at: datetime.datetime,
    actor: User,
    location: Location | None = None,
    duration_minutes: int | None = None,
    patient_notes: str = "",
    internal_notes: str = "",
) -> Appointment:
    """Staff book a waiting request: the visit is booked (or, for a new time, the appointment is
    moved) by the ordinary rules — the provider's time is checked and the patient emailed — and the
    request is closed as booked, linked to it. A request answered meanwhile books nothing."""
    locked = _locked_pending(appointment_request, S.BOOKED)
    original = locked.reschedule_of
    duration = duration_minutes or appointment_type.duration_minutes
    if original is not None and original.status in REMINDED_STATUSES:
        changes = {
            "provider": provider,
            "appointment_type": appointment_type,
            "location": location,
            "starts_at": starts_at,
            "duration_minutes": duration,
            "patient_notes": patient_notes,
            "internal_notes": internal_notes,
        }
        appointment = appointment_update(appointment=original, changes=changes, actor=actor)
    else:
        appointment = appointment_book(
            patient=locked.patient,
            provider=provider,
            appointment_type=appointment_type,
            starts_at=starts_at,
            location=location,
            duration_minutes=duration,
            patient_notes=patient_notes,
            internal_notes=internal_notes,
            actor=actor,
        )
    _move(locked, S.BOOKED, actor, appointment=appointment)
    return appointment


@transaction.atomic
def appointment_request_decline(
    *, appointment_request: AppointmentRequest, message: str, actor: User
) -> AppointmentRequest:
    """Staff decline a waiting request with a message for the patient, who is emailed it with the
    clinic's contact."""
    locked = _locked_pending(appointment_request, S.DECLINED)
    _move(locked, S.DECLINED, actor, decline_message=message.strip())
    emails = request_declined_email_send(appointment_request=locked)
    audit.record(
        action="scheduling.appointment_request.decline_emailed",
        actor=actor,
        clinic=locked.clinic,
        patient=locked.patient,
        obj=locked,
        metadata={"emails": emails},
    )
    return locked


@transaction.atomic
def appointment_request_withdraw(*, appointment_request: AppointmentRequest, actor: User) -> AppointmentRequest:
    """The patient takes back a request that still waits."""
    locked = _locked_pending(appointment_request, S.WITHDRAWN)
    _move(locked, S.WITHDRAWN, actor)
    return locked


def _locked_pending(appointment_request: AppointmentRequest, to: str) -> AppointmentRequest:
    locked = (
        AppointmentRequest.objects.select_for_update(of=("self",))
        .select_related("clinic", "patient", "reschedule_of", "appointment_type", "provider", "location")
        .get(pk=appointment_request.pk)
    )
    if not APPOINTMENT_REQUEST_STATUS.allows(locked.status, to):
        raise APPOINTMENT_REQUEST_STATUS.refusal(locked.status, to)
    return locked


def _move(locked: AppointmentRequest, to: str, actor: User, **fields: object) -> None:
    now = timezone.now()
    transition(
        machine=APPOINTMENT_REQUEST_STATUS,
        obj=locked,
        to=to,
        actor=actor,
        fields={**fields, "status_changed_at": now, "status_changed_by": actor},
    )


def request_queue_viewed(*, clinic: Clinic, appointment_requests: Sequence[AppointmentRequest], actor: User) -> None:
    """Staff saw a page of the request queue (who asks, and why): one event naming the requests
    and patients on it (identifiers only), so it can be found per patient."""
    audit.record(
        action="scheduling.request_queue.viewed",
        actor=actor,
        clinic=clinic,
        metadata={
            "request_ids": [item.pk for item in appointment_requests],
            "patient_ids": sorted({item.patient_id for item in appointment_requests}),
        },
    )
