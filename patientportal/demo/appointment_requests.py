"""The demo clinics' appointment policy and the requests waiting in Riverside's queue: Maria asks
for a flu shot, Chen for a new time for tomorrow's telehealth check-in. Made the way patients and
staff make them (clinic settings, the request service), so their events are in the audit trail."""

import datetime
from collections.abc import Callable

from django.utils import timezone

from patientportal.accounts.models import User
from patientportal.clinics.models import Clinic
from patientportal.clinics.services import clinic_settings_update
from patientportal.patients.models import Patient
from patientportal.scheduling.choices import REMINDED_STATUSES, DayPart
from patientportal.scheduling.models import Appointment, AppointmentRequest, AppointmentType
from patientportal.scheduling.requests import appointment_request_create
from patientportal.scheduling.services import setup_item_save
from patientportal.scheduling.windows import Window

# clinic slug: (cancellation window in hours, appointment types patients may not cancel online)
POLICIES = {
    "riverside": (24, ["Annual physical"]),
    "harbor": (48, ["Laser treatment"]),
}


def seed_appointment_policy(*, clinic: Clinic, operator: User) -> None:
    """The clinic's cancellation window, requests on, and the types kept off online cancelling."""
    hours, not_online = POLICIES[clinic.slug]
    clinic_settings_update(
        clinic=clinic,
        changes={"cancellation_window_hours": hours, "accepts_appointment_requests": True},
        actor=operator,
    )
    clinic.refresh_from_db()
    for appointment_type in AppointmentType.objects.for_clinic(clinic).filter(name__in=not_online):
        setup_item_save(instance=appointment_type, values={"patients_may_cancel": False}, actor=operator)


def seed_requests(*, clinic: Clinic, portal_user_of: Callable[[Patient], User]) -> None:
    """Riverside's queue: a new visit and a new time, each waiting for the front desk."""
    if clinic.slug != "riverside" or AppointmentRequest.objects.for_clinic(clinic).exists():
        return
    today = timezone.localtime(timezone.now(), clinic.zone).date()
    maria = Patient.objects.for_clinic(clinic).get(first_name="Maria", last_name="Garcia")
    appointment_request_create(
        patient=maria,
        appointment_type=AppointmentType.objects.for_clinic(clinic).get(name="Flu shot"),
        windows=[
            Window(day=today + datetime.timedelta(days=6), part=DayPart.MORNING),
            Window(day=today + datetime.timedelta(days=7), part=DayPart.AFTERNOON),
            Window(day=today + datetime.timedelta(days=9), part=DayPart.MORNING),
        ],
        reason="Flu shot before travelling in December.",
        actor=portal_user_of(maria),
    )
    chen = Patient.objects.for_clinic(clinic).get(first_name="Chen", last_name="Li")
    # From tomorrow on (today's visits are the front desk's demo: checked in, completed, ...).
    tomorrow_starts = datetime.datetime.combine(today + datetime.timedelta(days=1), datetime.time(), clinic.zone)
    tomorrow = (
        Appointment.objects.for_patient(chen)
        .filter(starts_at__gte=tomorrow_starts, status__in=REMINDED_STATUSES)
        .order_by("starts_at")
        .first()
    )
    if tomorrow is not None:
        appointment_request_create(
            patient=chen,
            appointment_type=tomorrow.appointment_type,
            provider=tomorrow.provider,
            windows=[
                Window(day=today + datetime.timedelta(days=2), part=DayPart.EVENING),
                Window(day=today + datetime.timedelta(days=3), part=DayPart.EVENING),
            ],
            reason="I have to work late tomorrow.",
            reschedule_of=tomorrow,
            actor=portal_user_of(chen),
        )
