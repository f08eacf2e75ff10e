"""Earlier visits of the demo records, so that "Who viewed my record" and the clinic's audit
trail have something to show in `make run`: the front desk opened Maria Garcia's record today
(the moment the demo data is loaded, after the record's own events, so it is the first thing
she sees), her doctor read her lab results yesterday, Harbor's admin and nurse looked at Leo's
and Olivia's records, and Maria opened her portal last night.

The application gives an event the time it happens; demo data has to make history, so these
are written as `audit.record` writes them but with their own time, the way fixtures are loaded
(`save_base(raw=True)`: an insert, as always — nothing is changed afterwards)."""

import datetime
import secrets
from dataclasses import dataclass

from django.db import models

from patientportal.accounts.models import User
from patientportal.audit.models import AuditEvent
from patientportal.documents.models import Document
from patientportal.patients.models import Patient


@dataclass(frozen=True)
class Visit:
    clinic: str
    patient: str  # first name
    actor: str  # email
    days_ago: int
    at: datetime.time  # in the clinic's time zone
    action: str = "patients.patient.viewed"
    page: str | None = "overview"
    document: str | None = None  # a title: the event is about that document


VISITS = [
    Visit("riverside", "Maria", "frontdesk@riverside.example", 0, datetime.time(8, 40)),
    Visit("riverside", "Maria", "frontdesk@riverside.example", 0, datetime.time(8, 41), page="appointments"),
    Visit("riverside", "Maria", "dr.ruiz@riverside.example", 1, datetime.time(14, 5), page="documents"),
    Visit(
        "riverside",
        "Maria",
        "dr.ruiz@riverside.example",
        1,
        datetime.time(14, 6),
        action="documents.document.viewed",
        page=None,
        document="Lipid panel",
    ),
    Visit("riverside", "Maria", "maria@patient.example", 1, datetime.time(21, 15), page="portal.dashboard"),
    Visit("riverside", "Chen", "frontdesk@riverside.example", 2, datetime.time(10, 20)),
    Visit("harbor", "Leo", "admin@harbor.example", 2, datetime.time(9, 5)),
    Visit("harbor", "Olivia", "nurse@harbor.example", 1, datetime.time(11, 30), page="documents"),
    Visit(
        "harbor",
        "Olivia",
        "nurse@harbor.example",
        1,
        datetime.time(11, 32),
        action="documents.document.downloaded",
        page=None,
        document="New patient intake form",
    ),
]


def _when(visit: Visit, zone: datetime.tzinfo, now: datetime.datetime) -> datetime.datetime:
    """Earlier days at their time of day. Today's visits are the demo's last step, a few
    milliseconds apart just before `now`: the record and its events were made while the demo
    loaded, minutes ago at most, and a visit is read after the record exists (and shows first)."""
    if visit.days_ago == 0:
        later_today = [other for other in VISITS if other.days_ago == 0 and other.at > visit.at]
        return now - datetime.timedelta(milliseconds=1 + len(later_today))
    day = now.astimezone(zone).date() - datetime.timedelta(days=visit.days_ago)
    return datetime.datetime.combine(day, visit.at, zone)


def _target(visit: Visit, patient: Patient) -> models.Model:
    if visit.document is None:
        return patient
    return Document.objects.for_clinic(patient.clinic).get(patient=patient, title=visit.document)


def record_demo_visits(*, now: datetime.datetime) -> None:
    """Once: nothing is added if the front desk's visit of Maria's record is there already."""
    if AuditEvent.objects.filter(action="patients.patient.viewed", actor__email=VISITS[0].actor).exists():
        return
    for visit in VISITS:
        patient = Patient.objects.select_related("clinic").get(clinic__slug=visit.clinic, first_name=visit.patient)
        actor = User.objects.get(email=visit.actor)
        target = _target(visit, patient)
        AuditEvent(
            occurred_at=_when(visit, patient.clinic.zone, now),
            actor=actor,
            actor_email=actor.email,
            clinic=patient.clinic,
            patient=patient,
            action=visit.action,
            object_type=target._meta.label_lower,
            object_id=str(target.pk),
            ip_address="203.0.113.10",  # TEST-NET-3: an address for examples
            user_agent="Mozilla/5.0 (demo data)",
            request_id=secrets.token_hex(16),
            metadata={"page": visit.page} if visit.page else {},
        ).save_base(raw=True)
