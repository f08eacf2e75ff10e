"""Proxies (issue 16, part 3): people who use a patient's record in the portal on the patient's
behalf, as themselves. A proxy is a `PortalAccess` whose relationship is not SELF, made by
accepting an invitation sent to the proxy's own address (`invitations.invitation_send` with a
`Proxy`), with an access level: full, or appointments and documents only (no shop, cart,
orders or receipts; `portal.access` enforces it on every portal URL).

Staff revoke a proxy here (`proxy_revoke`; open sessions lose the record on their next request).
A parent's or guardian's access ends by itself on the day the patient turns 18 in the clinic's
time zone, and the clinic's owners and admins are told a week before (`proxies_age_out`, a
periodic job). Exactly once: ending a link is a compare-and-set move of its status (a second
run finds nothing active); each warning is a `ProxyAgeOutWarning` row, unique per record and
day, written in the transaction that makes its staff notifications (`notifications.notify_staff`,
kind "Parental access ending at 18", owners and admins), so if that transaction does not commit
(a database outage) neither exists and the next round tries again.
"""

import datetime
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from patientportal.accounts.emails import normalize_email
from patientportal.accounts.models import User
from patientportal.audit import services as audit
from patientportal.audit.transitions import transition
from patientportal.notifications.choices import NotificationKind
from patientportal.notifications.services import notify_staff
from patientportal.patients.choices import (
    ADULT_AGE,
    ENDS_AT_ADULTHOOD,
    InvitationStatus,
    PortalAccessStatus,
    Relationship,
)
from patientportal.patients.errors import PatientError
from patientportal.patients.invitations import is_minor_on
from patientportal.patients.machines import PORTAL_ACCESS
from patientportal.patients.models import Invitation, Patient, PortalAccess, ProxyAgeOutWarning
from patientportal.patients.services import invitation_revoke_locked, patient_lock

logger = logging.getLogger(__name__)

WARN_AHEAD = datetime.timedelta(days=7)
# A local date is at most a day ahead of UTC's (UTC+14): a birth date bound that holds everywhere.
WIDEST_ZONE_AHEAD = datetime.timedelta(days=1)


@transaction.atomic
def proxy_revoke(*, access: PortalAccess, actor: User, now: datetime.datetime | None = None) -> PortalAccess:
    """End a proxy's access to the record at once (their open sessions lose it on the next request),
    with their pending invitations to it. The patient's own link is not a proxy's: refused."""
    now = now or timezone.now()
    patient = patient_lock(access.patient)
    locked = PortalAccess.objects.select_for_update().select_related("user").get(pk=access.pk)
    if not locked.is_proxy or locked.status != PortalAccessStatus.ACTIVE:
        raise PatientError("proxy_not_active")
    _link_end(locked, actor=actor, now=now, action="patients.proxy.revoked")
    address = normalize_email(locked.user.email)
    pending = Invitation.objects.for_patient(patient).exclude(relationship=Relationship.SELF).filter(email=address)
    for invitation in pending.pending_at(now):
        invitation_revoke_locked(invitation, actor=actor, now=now, why="proxy revoked")
    return locked


def _link_end(access: PortalAccess, *, actor: User | None, now: datetime.datetime, action: str) -> None:
    transition(
        machine=PORTAL_ACCESS,
        obj=access,
        to=PortalAccessStatus.DISABLED,
        actor=actor,
        fields={"status_changed_at": now},
        audit_action=action,
        audit_metadata={"relationship": access.relationship, "level": access.level},
    )


def _born_by(day: datetime.date) -> datetime.date:
    """A loose bound: everyone who may be 18 on `day` somewhere was born on or before it."""
    return datetime.date(day.year - ADULT_AGE, 12, 31)


def _parental_patients(*, born_by: datetime.date, with_invitations: bool) -> list[Patient]:
    """Records with an active parental link (and, if asked, a pending parental invitation) whose
    patient was born by `born_by`: few, whatever the size of the installation."""
    links = PortalAccess.objects.filter(
        relationship__in=ENDS_AT_ADULTHOOD, status=PortalAccessStatus.ACTIVE, patient__date_of_birth__lte=born_by
    ).values("patient_id")
    ids = set(links.values_list("patient_id", flat=True))
    if with_invitations:
        invitations = Invitation.objects.filter(
            relationship__in=ENDS_AT_ADULTHOOD, status=InvitationStatus.PENDING, patient__date_of_birth__lte=born_by
        )
        ids |= set(invitations.values_list("patient_id", flat=True))
    return list(Patient.objects.filter(pk__in=ids).select_related("clinic").order_by("pk"))


def proxies_age_out(*, now: datetime.datetime | None = None) -> list[str]:
    """The periodic job: end the parental access of patients who are 18 today in their clinic's
    time zone, and tell the clinic a week before. Returns what it did (ids only, no names)."""
    now = now or timezone.now()
    done: list[str] = []
    today_somewhere = (now + WIDEST_ZONE_AHEAD).date()
    for patient in _parental_patients(born_by=_born_by(today_somewhere), with_invitations=True):
        if not is_minor_on(patient, now):
            done.extend(_age_out(patient, now=now))
    for patient in _parental_patients(born_by=_born_by(today_somewhere + WARN_AHEAD), with_invitations=False):
        local_today = timezone.localdate(now, patient.clinic.zone)
        if local_today < patient.adult_on() <= local_today + WARN_AHEAD and _warn(patient, now=now):
            done.append(f"warned:{patient.pk}")
    return done


@transaction.atomic
def _age_out(patient: Patient, *, now: datetime.datetime) -> list[str]:
    locked = patient_lock(patient)
    ended: list[str] = []
    links = PortalAccess.objects.select_for_update().filter(
        patient=locked, relationship__in=ENDS_AT_ADULTHOOD, status=PortalAccessStatus.ACTIVE
    )
    for access in links:
        _link_end(access, actor=None, now=now, action="patients.proxy.aged_out")
        ended.append(f"ended:{access.pk}")
    pending = Invitation.objects.for_patient(locked).filter(relationship__in=ENDS_AT_ADULTHOOD).pending_at(now)
    for invitation in pending:
        invitation_revoke_locked(invitation, actor=None, now=now, why="patient turned 18")
        ended.append(f"invitation:{invitation.pk}")
    return ended


def _warn(patient: Patient, *, now: datetime.datetime) -> bool:
    """Tell the clinic's owners and admins, once. False if it was already done."""
    try:
        with transaction.atomic():
            warning = ProxyAgeOutWarning.objects.create(
                clinic=patient.clinic, patient=patient, adult_on=patient.adult_on(), sent_at=now
            )
            _warning_notify(warning, patient=patient)
            audit.record(
                action="patients.proxy.age_out_warned",
                clinic=patient.clinic,
                patient=patient,
                obj=warning,
                metadata={"adult_on": patient.adult_on().isoformat()},
            )
    except IntegrityError:
        return False  # another run told them first
    return True


def _warning_notify(warning: ProxyAgeOutWarning, *, patient: Patient) -> None:
    """Tell the clinic's owners and admins (a staff notification, emailed at once unless they chose
    otherwise). The title names no one: the record's page says whose access it is."""
    with translation.override(settings.LANGUAGE_CODE):
        title = _("A parent's or guardian's access to a record ends on %(day)s (the patient turns 18)") % {
            "day": formats.date_format(warning.adult_on, "F j")
        }
    notify_staff(
        patient.clinic,
        NotificationKind.PROXY_ACCESS_ENDING,
        title=title,
        url=reverse("staff:patient_detail", args=[patient.clinic.slug, patient.pk]),
    )
