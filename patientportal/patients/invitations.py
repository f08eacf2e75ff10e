"""Invitations: the services that send, revoke and accept them (PRODUCT.md F-2, F-3).

Tokens are 256 random bits from `secrets`, sent only in the email; the
database keeps their SHA-256. Every change to a patient's invitations first
locks the patient row (then the invitation row), always in that order.
"""

import datetime
import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import DatabaseError, OperationalError, transaction
from django.urls import reverse
from django.utils import timezone

from patientportal.accounts.emails import emails_match, normalize_email
from patientportal.accounts.models import User
from patientportal.audit import services as audit
from patientportal.audit.transitions import transition
from patientportal.core.choices import DeliveryStatus
from patientportal.core.deliveries import deliveries_about
from patientportal.core.emails import queue_templated_email
from patientportal.core.models import EmailDelivery
from patientportal.patients.choices import (
    ADULT_AGE,
    ENDS_AT_ADULTHOOD,
    PROXY_RELATIONSHIPS,
    AccessLevel,
    InvitationStatus,
    PortalStatus,
)
from patientportal.patients.errors import PatientError
from patientportal.patients.machines import INVITATION
from patientportal.patients.models import Invitation, Patient, PortalAccess
from patientportal.patients.services import (
    OWN_LINK,
    LinkTerms,
    invitation_revoke_locked,
    patient_lock,
    portal_access_grant,
    portal_status_move,
)

MAX_PENDING_INVITATIONS = 3
MIN_EXPIRY = datetime.timedelta(hours=1)
MAX_EXPIRY = datetime.timedelta(days=7)
# An invitation whose email was not delivered can be sent again while nobody has used or cancelled it.
RESENDABLE = (InvitationStatus.PENDING, InvitationStatus.EXPIRED)

logger = logging.getLogger(__name__)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_url(token: str) -> str:
    # The token goes after "#": browsers never send the fragment, so it appears in no request
    # line and no access log; the page's script posts it (portal.invitation_views.invitation_link).
    return f"{settings.SITE_URL}{reverse('invitation_link')}#{token}"


@dataclass(frozen=True)
class Proxy:
    """Someone to invite to use a record on the patient's behalf: their name and their own email
    (the record's email stays the patient's), who they are to the patient and what they may open."""

    name: str
    email: str
    relationship: str
    level: str

    def terms(self) -> LinkTerms:
        return LinkTerms(relationship=self.relationship, level=self.level, proxy_name=self.name)


def invitation_terms(invitation: Invitation) -> LinkTerms:
    """The terms of the link that accepting this invitation makes."""
    if not invitation.is_proxy:
        return OWN_LINK
    return LinkTerms(relationship=invitation.relationship, level=invitation.level, proxy_name=invitation.proxy_name)


def is_minor_on(patient: Patient, now: datetime.datetime) -> bool:
    """Is the patient under 18 on this day in the clinic's time zone?"""
    return patient.age_on(timezone.localdate(now, patient.clinic.zone)) < ADULT_AGE


def invitation_send(
    *,
    patient: Patient,
    expires_in: datetime.timedelta,
    actor: User,
    now: datetime.datetime | None = None,
    proxy: Proxy | None = None,
) -> tuple[Invitation, str]:
    """Create a pending invitation and email the link: to the patient's email, or with `proxy` to
    a proxy's own. Returns the invitation and the token (which is not stored).

    The invitation, its audit event, its email and the email's task are written
    in one transaction: if any of them cannot be written, none is, and staff are
    told to try again (a retry cannot leave two invitations, one without email)."""
    try:
        return _invitation_send_atomic(patient=patient, expires_in=expires_in, actor=actor, now=now, proxy=proxy)
    except DatabaseError as error:
        logger.warning("Invitation not made: the database failed (%s).", type(error).__name__)
        raise PatientError("email_not_queued") from error


@transaction.atomic
def _invitation_send_atomic(
    *,
    patient: Patient,
    expires_in: datetime.timedelta,
    actor: User,
    now: datetime.datetime | None,
    proxy: Proxy | None,
) -> tuple[Invitation, str]:
    now = now or timezone.now()
    if not MIN_EXPIRY <= expires_in <= MAX_EXPIRY:
        raise PatientError("expiry_out_of_range")
    locked = patient_lock(patient)
    terms = proxy.terms() if proxy else OWN_LINK
    address = _proxy_address(locked, proxy, actor=actor, now=now) if proxy else _patient_address(locked)
    # Counted under the patient's lock, so two staff clicking at once cannot both get a fourth;
    # per person invited: the patient's own, and each proxy's, at most 3 each.
    pending = Invitation.objects.for_patient(locked).to_addressee(relationship=terms.relationship, email=address)
    if pending.pending_at(now).count() >= MAX_PENDING_INVITATIONS:
        raise PatientError("too_many_pending_proxy" if proxy else "too_many_pending")
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        clinic=locked.clinic,
        patient=locked,
        email=address,
        relationship=terms.relationship,
        level=terms.level,
        proxy_name=terms.proxy_name,
        token_hash=token_hash(token),
        created_by=actor,
        created_at=now,
        expires_at=now + expires_in,
    )
    metadata: dict[str, object] = {"expires_in_hours": round(expires_in.total_seconds() / 3600, 2)}
    if proxy:
        metadata |= {"relationship": terms.relationship, "level": terms.level}
    audit.record(
        action="patients.invitation.sent",
        actor=actor,
        clinic=locked.clinic,
        patient=locked,
        obj=invitation,
        metadata=metadata,
    )
    _email_invitation(invitation=invitation, token=token, actor=actor)
    return invitation, token


def _patient_address(patient: Patient) -> str:
    if patient.portal_status != PortalStatus.ENABLED:
        raise PatientError("portal_not_enabled")
    if not patient.email:
        raise PatientError("no_email")
    return normalize_email(patient.email)


def _proxy_address(patient: Patient, proxy: Proxy, *, actor: User, now: datetime.datetime) -> str:
    """The proxy's own address, once the invitation is allowed. A record not yet in the portal (a
    child's, often without an email of its own) is turned on by its first proxy's invitation; a
    record whose portal access staff turned off stays off."""
    if proxy.relationship not in PROXY_RELATIONSHIPS or proxy.level not in AccessLevel.values:
        raise PatientError("proxy_terms")
    if not proxy.name.strip():
        raise PatientError("proxy_name_required")
    address = normalize_email(proxy.email)
    if not address:
        raise PatientError("no_email")
    if proxy.relationship in ENDS_AT_ADULTHOOD and not is_minor_on(patient, now):
        raise PatientError("not_a_minor")
    if patient.portal_status == PortalStatus.DISABLED:
        raise PatientError("portal_not_enabled")
    if patient.portal_status == PortalStatus.NOT_ENABLED:
        portal_status_move(patient=patient, to=PortalStatus.ENABLED, actor=actor, now=now)
    return address


def _email_invitation(*, invitation: Invitation, token: str, actor: User) -> None:
    clinic = invitation.clinic
    expires_local = timezone.localtime(invitation.expires_at, clinic.zone)
    # A proxy is told whose record: the patient's first name only, to the address staff chose.
    queue_templated_email(
        template_prefix="patients/email/invitation",
        to=invitation.email,
        about=invitation,
        context={
            "clinic": clinic,
            "invited_by": actor.get_full_name(),
            "expires_at": expires_local,
            "time_zone": clinic.time_zone,
            "url": invitation_url(token),
            "proxy_for": invitation.patient.first_name if invitation.is_proxy else "",
            "relationship": invitation.get_relationship_display(),
            "level": invitation.get_level_display(),
        },
    )


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, actor: User, now: datetime.datetime | None = None) -> Invitation:
    now = now or timezone.now()
    patient_lock(invitation.patient)
    invitation.refresh_from_db()
    if invitation.status_at(now) != InvitationStatus.PENDING:
        raise PatientError("not_pending")
    invitation_revoke_locked(invitation, actor=actor, now=now, why="revoked by staff")
    return invitation


def invitation_email(invitation: Invitation) -> EmailDelivery | None:
    """The delivery of the invitation's email (the latest, should there be several)."""
    deliveries = deliveries_about([invitation]).get(str(invitation.pk), [])
    return deliveries[-1] if deliveries else None


@transaction.atomic
def invitation_resend(
    *, invitation: Invitation, actor: User, now: datetime.datetime | None = None
) -> tuple[Invitation, str]:
    """Send again an invitation whose email was not delivered. The token exists only in
    that email, so a new invitation is made with a fresh link and the same time to expire;
    the old one, if still pending, is revoked (its link was never received, and only one
    should work). Only the patient's latest invitation: once resent (or followed by a new
    one) it is done. Returns the new invitation and its token."""
    now = now or timezone.now()
    locked = patient_lock(invitation.patient)
    invitation.refresh_from_db()
    delivery = invitation_email(invitation)
    same_person = Invitation.objects.for_patient(locked).to_addressee(
        relationship=invitation.relationship, email=invitation.email
    )
    newer = same_person.filter(created_at__gt=invitation.created_at).exists()
    if newer or delivery is None or delivery.status != DeliveryStatus.FAILED:
        raise PatientError("not_resendable")
    status = invitation.status_at(now)
    if status not in RESENDABLE:
        raise PatientError("not_resendable")
    if status == InvitationStatus.PENDING:
        invitation_revoke_locked(invitation, actor=actor, now=now, why="email not delivered; sent again")
    expires_in = min(MAX_EXPIRY, max(MIN_EXPIRY, invitation.expires_at - invitation.created_at))
    proxy = (
        Proxy(invitation.proxy_name, invitation.email, invitation.relationship, invitation.level)
        if invitation.is_proxy
        else None
    )
    new, token = invitation_send(patient=invitation.patient, expires_in=expires_in, actor=actor, now=now, proxy=proxy)
    audit.record(
        action="patients.invitation.resent",
        actor=actor,
        clinic=new.clinic,
        patient=new.patient,
        obj=new,
        metadata={"replaces": invitation.pk, "email_error": delivery.last_error},
    )
    return new, token


def invitation_find_by_digest(*, digest: str) -> Invitation | None:
    """The invitation whose token has this SHA-256 (what the session keeps), whatever its state; None if unknown."""
    invitation = Invitation.objects.select_related("clinic", "patient").filter(token_hash=digest).first()
    # The lookup is by hash; comparing the digests again in constant time
    # keeps any timing difference away from the secret.
    if invitation is None or not hmac.compare_digest(invitation.token_hash, digest):
        return None
    return invitation


def invitation_problem(*, invitation: Invitation | None, now: datetime.datetime | None = None) -> str | None:
    """Why this invitation cannot be used now (an error code), or None if it can."""
    now = now or timezone.now()
    if invitation is None:
        return "unknown"
    if invitation.patient.portal_status != PortalStatus.ENABLED:
        return "portal_disabled"
    problems: dict[str, str | None] = {
        InvitationStatus.PENDING: None,
        InvitationStatus.EXPIRED: "expired",
        InvitationStatus.REVOKED: "revoked",
        InvitationStatus.ACCEPTED: "used",
        # The patient accepted another invitation to this record: to them, this one is used.
        InvitationStatus.SUPERSEDED: "used",
    }
    return problems[invitation.status_at(now)]


def account_owns_email(*, user: User, email: str) -> bool:
    """Does the account hold this address, verified? Compared with the project's
    one normalisation (accounts.emails), never by database case-folding."""
    verified = EmailAddress.objects.filter(user=user, verified=True).values_list("email", flat=True)
    return any(emails_match(address, email) for address in verified)


def invitation_accept(*, token: str, user: User, now: datetime.datetime | None = None) -> PortalAccess:
    return invitation_accept_by_digest(digest=token_hash(token), user=user, now=now)


def invitation_accept_by_digest(*, digest: str, user: User, now: datetime.datetime | None = None) -> PortalAccess:
    """Link the account to the invited patient's record. A refusal is audited
    (outside the rolled-back transaction) and raised as a PatientError."""
    found = invitation_find_by_digest(digest=digest)
    try:
        return _invitation_accept_retrying(found=found, user=user, now=now or timezone.now())
    except PatientError as refusal:
        invitation_refusal_record(invitation=found, code=refusal.code, actor=user)
        raise


ACCEPT_ATTEMPTS = 3
# PostgreSQL's "deadlock detected" and "could not serialize": the whole transaction
# was rolled back, so running it again is safe and is what the server asks for.
RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})


def _invitation_accept_retrying(*, found: Invitation | None, user: User, now: datetime.datetime) -> PortalAccess:
    """Several sessions may accept at once (two tabs, a double click on two devices):
    a transaction the database aborted is run again, and if it keeps failing the
    person is asked to try again rather than shown a server error."""
    for attempt in range(1, ACCEPT_ATTEMPTS + 1):
        try:
            return _invitation_accept_locked(found=found, user=user, now=now)
        except OperationalError as error:
            if getattr(error.__cause__, "sqlstate", None) not in RETRYABLE_SQLSTATES:
                raise
            if attempt == ACCEPT_ATTEMPTS:
                raise PatientError("busy") from error
    raise AssertionError("unreachable")  # the loop returns or raises


@transaction.atomic
def _invitation_accept_locked(*, found: Invitation | None, user: User, now: datetime.datetime) -> PortalAccess:
    # Every check runs again here, under the patient's and the invitation's locks.
    if found is None:
        raise PatientError("unknown")
    patient = patient_lock(found.patient)
    # Only the invitation's own row (`of`): locking its clinic too deadlocks with any
    # session that is writing an audit event for that clinic (its foreign-key check
    # holds the clinic row while it waits for the patient's).
    invitation = Invitation.objects.select_for_update(of=("self",)).select_related("clinic").get(pk=found.pk)
    invitation.patient = patient
    problem = invitation_problem(invitation=invitation, now=now)
    if problem:
        raise PatientError(problem)
    if not account_owns_email(user=user, email=invitation.email):
        raise PatientError("email_mismatch")
    if invitation.relationship in ENDS_AT_ADULTHOOD and not is_minor_on(patient, now):
        raise PatientError("not_a_minor_anymore")
    try:
        transition(
            machine=INVITATION,
            obj=invitation,
            to=InvitationStatus.ACCEPTED,
            actor=user,
            fields={"accepted_by": user, "accepted_at": now},
            audit_action="patients.invitation.accepted",
        )
    except PatientError:
        raise PatientError("used") from None
    _invitations_supersede(accepted=invitation, user=user)
    return portal_access_grant(user=user, patient=patient, actor=user, terms=invitation_terms(invitation))


def _invitations_supersede(*, accepted: Invitation, user: User) -> None:
    """The person is linked now: their other pending invitations to the record end, so a leftover
    link (perhaps to an address the patient no longer uses) cannot link a second account later,
    and staff no longer see them as waiting. Only that person's: a proxy accepting leaves the
    patient's own invitations (and other proxies') pending, and the other way round. Runs under
    the patient's lock, like every acceptance."""
    others = (
        Invitation.objects.select_for_update(of=("self",))
        .filter(patient=accepted.patient, status=InvitationStatus.PENDING)
        .to_addressee(relationship=accepted.relationship, email=accepted.email)
    )
    for other in others.exclude(pk=accepted.pk):
        transition(
            machine=INVITATION,
            obj=other,
            to=InvitationStatus.SUPERSEDED,
            actor=user,
            audit_action="patients.invitation.superseded",
            audit_metadata={"accepted_invitation": accepted.pk},
        )


def invitation_refusal_record(*, invitation: Invitation | None, code: str, actor: User | None = None) -> None:
    """Every refused use of an invitation link is an audit event (with why), signed in or not."""
    audit.record(
        action="patients.invitation.refused",
        actor=actor,
        clinic=invitation.clinic if invitation else None,
        patient=invitation.patient if invitation else None,
        obj=invitation,
        metadata={"reason": code},
    )
