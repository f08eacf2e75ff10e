import datetime

from django.db.models import Q, QuerySet
from django.http import Http404

from patientportal.clinics.models import Clinic
from patientportal.patients.models import Patient
from patientportal.scheduling.choices import FINISHED_STATUSES, NOT_UPCOMING_STATUSES, AppointmentStatus
from patientportal.scheduling.models import Appointment, AppointmentType, Location, Provider, SetupItem


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


def appointments_for_day(*, clinic: Clinic, day: datetime.date) -> QuerySet[Appointment]:
    start, end = day_bounds(clinic=clinic, day=day)
    return (
        Appointment.objects.for_clinic(clinic)
        .with_related()
        .select_related("patient")
        .filter(starts_at__gte=start, starts_at__lt=end)
        .order_by("starts_at", "provider__name", "id")
    )


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
