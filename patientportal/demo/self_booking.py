"""Riverside lets patients book its follow-up visits online: self-booking on, "Follow-up visit"
bookable online, and its providers' working hours (Monday to Friday, 9–12 and 1–5, lunch off).
Made through the clinic settings and setup services, so the changes are in the audit trail."""

import datetime

from patientportal.accounts.models import User
from patientportal.clinics.models import Clinic
from patientportal.clinics.services import clinic_settings_update
from patientportal.scheduling.models import AppointmentType, Location, Provider
from patientportal.scheduling.services import setup_item_save
from patientportal.scheduling.working_hours import working_hours_add

SELF_BOOKING_CLINICS = {"riverside": ["Follow-up visit"]}
WORKDAYS = range(5)  # Monday to Friday
STRETCHES = ((datetime.time(9), datetime.time(12)), (datetime.time(13), datetime.time(17)))


def seed_self_booking(*, clinic: Clinic, operator: User) -> None:
    bookable = SELF_BOOKING_CLINICS.get(clinic.slug)
    if bookable is None:
        return
    clinic_settings_update(clinic=clinic, changes={"patients_may_book_online": True}, actor=operator)
    clinic.refresh_from_db()
    for appointment_type in AppointmentType.objects.for_clinic(clinic).filter(name__in=bookable):
        setup_item_save(instance=appointment_type, values={"bookable_online": True}, actor=operator)
    locations = list(Location.objects.for_clinic(clinic).active())
    for index, provider in enumerate(Provider.objects.for_clinic(clinic).active()):
        provider.clinic = clinic
        location = locations[index % len(locations)] if locations else None
        for weekday in WORKDAYS:
            for starts, ends in STRETCHES:
                working_hours_add(
                    provider=provider, weekday=weekday, starts=starts, ends=ends, location=location, actor=operator
                )
