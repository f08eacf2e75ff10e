import datetime
from collections.abc import Collection
from dataclasses import dataclass

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404

from patientportal.accounts.models import User
from patientportal.clinics.models import Clinic
from patientportal.patients.models import Patient
from patientportal.scheduling.choices import (
    FINISHED_STATUSES,
    FREEING_STATUSES,
    NOT_UPCOMING_STATUSES,
    AppointmentRequestStatus,
    AppointmentStatus,
)
from patientportal.scheduling.models import (
    Appointment,
    AppointmentRequest,
    AppointmentType,
    Location,
    Provider,
    ReminderPreference,
    SetupItem,
)


def upcoming_for_patient(*, patient: Patient, now: datetime.datetime) -> QuerySet[Appointment]:
    """Starts in the future and still expected to happen; soonest first."""
    return (
        Appointment.objects.for_patient(patient)
        .with_related()
        .filter(starts_at__gt=now)
        .exclude(status__in=NOT_UPCOMING_STATUSES)
        .order_by("starts_at", "id")
    )


def past_for_patient(*, patient: Patient, now: datetime.datetime) -> QuerySet[Appointment]:
    """Everything that has started, whatever its status, and what is already
    over though its start time is still ahead (checked in early and completed,
    or a no-show); newest first."""
    return (
        Appointment.objects.for_patient(patient)
        .with_related()
        .filter(Q(starts_at__lte=now) | Q(status__in=FINISHED_STATUSES))
        .order_by("-starts_at", "-id")
    )


def cancelled_future_for_patient(*, patient: Patient, now: datetime.datetime) -> QuerySet[Appointment]:
    """Future appointments the clinic cancelled, so the patient knows not to come."""
    return (
        Appointment.objects.for_patient(patient)
        .with_related()
        .filter(starts_at__gt=now, status=AppointmentStatus.CANCELLED)
        .order_by("starts_at", "id")
    )


def appointment_get_for_patient(*, patient: Patient, appointment_id: int) -> Appointment:
    try:
        return Appointment.objects.for_patient(patient).with_related().get(pk=appointment_id)
    except Appointment.DoesNotExist:
        raise Http404 from None


def appointment_get_for_clinic(*, clinic: Clinic, appointment_id: int) -> Appointment:
    try:
        appointment = (
            Appointment.objects.for_clinic(clinic).with_related().select_related("patient").get(pk=appointment_id)
        )
    except Appointment.DoesNotExist:
        raise Http404 from None
    appointment.clinic = clinic
    appointment.patient.clinic = clinic
    return appointment


def day_bounds(*, clinic: Clinic, day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """The UTC instants where the clinic's local day starts and ends (DST-aware)."""
    zone = clinic.zone
    start = datetime.datetime.combine(day, datetime.time.min, tzinfo=zone)
    end = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone)
    return start, end


def appointments_for_day(
    *, clinic: Clinic, day: datetime.date, provider_ids: Collection[int] | None = None
) -> QuerySet[Appointment]:
    """The appointments of the clinic's day, of the providers `provider_ids` only if given
    (the schedule shows a few providers at a time: a large clinic has thousands of
    appointments a day)."""
    start, end = day_bounds(clinic=clinic, day=day)
    appointments = Appointment.objects.for_clinic(clinic).filter(starts_at__gte=start, starts_at__lt=end)
    if provider_ids is not None:
        appointments = appointments.filter(provider_id__in=provider_ids)
    return appointments.with_related().select_related("patient").order_by("starts_at", "provider__name", "id")


@dataclass(frozen=True)
class ProviderDay:
    """A provider on the day's schedule, and how many appointments they have that day."""

    provider_id: int
    name: str
    credentials: str
    booked: int  # still taking the provider's time
    total: int  # with the cancelled ones and no-shows

    @property
    def not_booked(self) -> int:
        """Cancelled, or no-show."""
        return self.total - self.booked

    @property
    def display_name(self) -> str:
        return f"{self.name}, {self.credentials}" if self.credentials else self.name


def providers_on_day(*, clinic: Clinic, day: datetime.date) -> list[ProviderDay]:
    """The clinic's active providers, and the inactive ones with appointments on the day,
    by name, each with their appointments of the day counted by the database (no
    appointment is built): one query."""
    start, end = day_bounds(clinic=clinic, day=day)
    rows = (
        Provider.objects.for_clinic(clinic)
        .annotate(
            total=_count_of_day(start, end, booked_only=False),
            booked=_count_of_day(start, end, booked_only=True),
        )
        .order_by("name", "id")
        .values("pk", "name", "credentials", "active", "total", "booked")
    )
    return [
        ProviderDay(
            provider_id=row["pk"],
            name=row["name"],
            credentials=row["credentials"],
            booked=row["booked"],
            total=row["total"],
        )
        for row in rows
        # Filtered here rather than in SQL, which would count each provider's day once more.
        if row["active"] or row["total"]
    ]


def _count_of_day(start: datetime.datetime, end: datetime.datetime, *, booked_only: bool) -> Coalesce:
    """The provider's appointments between start and end (an index range of
    (provider, starts_at)), without the cancelled ones and no-shows if `booked_only`."""
    appointments = Appointment.objects.filter(provider=OuterRef("pk"), starts_at__gte=start, starts_at__lt=end)
    if booked_only:
        appointments = appointments.exclude(status__in=FREEING_STATUSES)
    counted = appointments.order_by().values("provider").annotate(count=Count("pk")).values("count")
    return Coalesce(Subquery(counted), 0)


def booked_count_for_day(*, clinic: Clinic, day: datetime.date, up_to: int) -> int:
    """How many appointments of the clinic's day still take a provider's time, counting
    no further than `up_to` + 1 (shown as "more than")."""
    start, end = day_bounds(clinic=clinic, day=day)
    booked = (
        Appointment.objects.for_clinic(clinic)
        .filter(starts_at__gte=start, starts_at__lt=end)
        .exclude(status__in=FREEING_STATUSES)
    )
    return booked.order_by().values("pk")[: up_to + 1].count()


def appointments_for_patient_staff(*, patient: Patient) -> QuerySet[Appointment]:
    return Appointment.objects.for_patient(patient).with_related().order_by("-starts_at", "-id")


SETUP_MODELS: dict[str, type[SetupItem]] = {
    "providers": Provider,
    "locations": Location,
    "appointment-types": AppointmentType,
}


def setup_items(*, clinic: Clinic, kind: str) -> QuerySet[SetupItem]:
    return SETUP_MODELS[kind].objects.for_clinic(clinic).order_by("-active", "name", "id")


def setup_item_get(*, clinic: Clinic, kind: str, item_id: int) -> SetupItem:
    try:
        item = SETUP_MODELS[kind].objects.for_clinic(clinic).get(pk=item_id)
    except SETUP_MODELS[kind].DoesNotExist:
        raise Http404 from None
    item.clinic = clinic
    return item


def booking_choices(*, clinic: Clinic) -> dict[str, QuerySet[SetupItem]]:
    """What a booking form offers: the clinic's active providers, types and locations."""
    return {
        "providers": Provider.objects.for_clinic(clinic).active(),
        "appointment_types": AppointmentType.objects.for_clinic(clinic).active(),
        "locations": Location.objects.for_clinic(clinic).active(),
    }


def reminders_on(*, patient: Patient, user: User) -> bool:
    """Whether this account gets appointment reminders for this record (yes until turned off)."""
    return not ReminderPreference.objects.filter(patient=patient, user=user, reminders=False).exists()


# How far back the portal lists requests already answered (waiting ones are always listed).
ANSWERED_REQUESTS_SHOWN_DAYS = 60
REQUESTS_SHOWN = 10


def requests_for_patient(*, patient: Patient, now: datetime.datetime) -> list[AppointmentRequest]:
    """The record's requests for the portal: every waiting one and those answered in the last
    ANSWERED_REQUESTS_SHOWN_DAYS days, newest first, at most REQUESTS_SHOWN; one query."""
    since = now - datetime.timedelta(days=ANSWERED_REQUESTS_SHOWN_DAYS)
    return list(
        AppointmentRequest.objects.for_patient(patient)
        .with_related()
        .filter(Q(status=AppointmentRequestStatus.PENDING) | Q(created_at__gte=since))
        .order_by("-created_at", "-id")[:REQUESTS_SHOWN]
    )


def request_queue(*, clinic: Clinic) -> QuerySet[AppointmentRequest]:
    """The clinic's waiting requests, oldest first, with their patients (the staff queue)."""
    return (
        AppointmentRequest.objects.for_clinic(clinic)
        .filter(status=AppointmentRequestStatus.PENDING)
        .with_related()
        .select_related("patient")
        .order_by("created_at", "id")
    )


def pending_request_count(*, clinic: Clinic, up_to: int) -> int:
    """How many requests wait for the clinic, counting no further than `up_to` + 1."""
    waiting = AppointmentRequest.objects.for_clinic(clinic).filter(status=AppointmentRequestStatus.PENDING)
    return waiting.order_by().values("pk")[: up_to + 1].count()


def appointment_request_get_for_clinic(*, clinic: Clinic, request_id: int) -> AppointmentRequest:
    try:
        found = (
            AppointmentRequest.objects.for_clinic(clinic).with_related().select_related("patient").get(pk=request_id)
        )
    except AppointmentRequest.DoesNotExist:
        raise Http404 from None
    found.clinic = clinic
    found.patient.clinic = clinic
    return found


def appointment_request_get_for_patient(*, patient: Patient, request_id: int) -> AppointmentRequest:
    try:
        found = AppointmentRequest.objects.for_patient(patient).with_related().get(pk=request_id)
    except AppointmentRequest.DoesNotExist:
        raise Http404 from None
    found.patient = patient
    return found
