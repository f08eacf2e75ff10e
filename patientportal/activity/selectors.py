"""Reading the audit trail back, always scoped: one page of a patient's access history (the
record's events, in its clinic), one page of a clinic's trail, and the clinic's trail in
chunks for its CSV. Pages go by position, newest first (keyset: after or before an event's
id; no total is counted). docs/performance.md says which index answers each query.

Each event is read in one query with what names it: the actor (select_related), the actor's
role in the event's clinic, and the label of the object it touched (an order's number, a
document's title, an appointment's start), each a subquery run only for the events of that
kind (CASE), by primary key. A page therefore costs one query whatever it holds.
"""

import datetime
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.db.models import BigIntegerField, BooleanField, Case, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Cast
from django.utils.translation import gettext as _

from patientportal.accounts.models import User
from patientportal.activity.words import Labels, Voice, describe
from patientportal.audit.models import AuditEvent
from patientportal.clinics.choices import Role
from patientportal.clinics.models import Clinic, StaffMembership
from patientportal.documents.models import Document, SignatureRequest
from patientportal.orders.models import Order
from patientportal.patients.choices import Relationship
from patientportal.patients.models import Patient, PortalAccess
from patientportal.patients.selectors import rows_beyond
from patientportal.payments.models import Payment
from patientportal.scheduling.models import Appointment

NEWEST_FIRST = ("-occurred_at", "-id")
OLDEST_FIRST = ("occurred_at", "id")


class Side(StrEnum):
    """The two lists of a patient's access history."""

    STAFF = "staff"  # the clinic's team, and the portal's operators
    OWN = "own"  # the patient, and whoever shares access to the record


@dataclass(frozen=True)
class Entry:
    """One event as a person reads it: when, who (a name, never an id), in what role, and
    what was done, in words. `event` carries the rest (the trail's links and its CSV)."""

    pk: int
    occurred_at: datetime.datetime
    who: str
    role: str
    what: str
    event: AuditEvent


@dataclass(frozen=True)
class EntryPage:
    entries: list[Entry]
    has_previous: bool
    has_next: bool


@dataclass(frozen=True)
class TrailFilter:
    """What the clinic's trail is narrowed to. `patient_ids` None: every patient (and events
    of no patient); `codes` None: every action; `since`/`until` a half-open range."""

    patient_ids: Sequence[int] | None = None
    actor_id: int | None = None
    codes: Sequence[str] | None = None
    since: datetime.datetime | None = None
    until: datetime.datetime | None = None


def _object_pk() -> Cast:
    # object_id is text (any model's key); these object types' keys are integers.
    return Cast(OuterRef("object_id"), output_field=BigIntegerField())


def _key_of(rows: QuerySet[Any], field: str) -> Subquery:
    """The field of the object an event touched, looked up by its key (in the event's clinic)."""
    return Subquery(rows.filter(pk=_object_pk(), clinic_id=OuterRef("clinic_id")).order_by().values(field)[:1])


def _label(object_type: str, rows: QuerySet[Any], field: str) -> Case:
    """The field, for the events of that object type only (the subquery runs for no other row)."""
    return Case(When(object_type=object_type, then=_key_of(rows, field)), default=None)


def _document_title(*, portal: bool) -> Case:
    """A document's title, through the signature request when that is what the event touched.
    For the patient, only the titles of the documents the clinic shows in the portal."""
    documents, requests = Document.objects.all(), SignatureRequest.objects.all()
    if portal:
        documents, requests = documents.in_portal(), requests.filter(document__visible_in_portal=True)
    return Case(
        When(object_type="documents.document", then=_key_of(documents, "title")),
        When(object_type="documents.signaturerequest", then=_key_of(requests, "document__title")),
        default=None,
    )


def _described(events: QuerySet[AuditEvent], *, portal: bool) -> QuerySet[AuditEvent]:
    """The events with what names them, in the same query."""
    return events.select_related("actor", "patient").annotate(
        actor_role=Subquery(
            StaffMembership.objects.filter(clinic_id=OuterRef("clinic_id"), user_id=OuterRef("actor_id"))
            .order_by()
            .values("role")[:1]
        ),
        # Who the account is to the record (the patient, or a proxy's relationship); None: not linked.
        actor_relationship=Subquery(
            PortalAccess.objects.filter(patient_id=OuterRef("patient_id"), user_id=OuterRef("actor_id"))
            .order_by()
            .values("relationship")[:1]
        ),
        order_number=_label("orders.order", Order.objects.all(), "number"),
        document_title=_document_title(portal=portal),
        appointment_at=_label("scheduling.appointment", Appointment.objects.all(), "starts_at"),
        payment_order_number=_label("payments.payment", Payment.objects.all(), "order__number"),
    )


def _labels(event: AuditEvent) -> Labels:
    values = event.__dict__
    return Labels(
        order_number=values.get("order_number"),
        document_title=values.get("document_title"),
        appointment_at=values.get("appointment_at"),
        payment_order_number=values.get("payment_order_number"),
    )


def _who(event: AuditEvent, *, voice: Voice, viewer: User | None) -> tuple[str, str]:
    """(who, role): a name, never an id; the role in the event's clinic at the time of reading."""
    actor: User | None = event.actor
    if actor is None:
        return _("The portal"), _("Automatic")
    name = actor.get_full_name()
    if event.metadata.get("via") == "admin":
        return name, _("Portal operator")
    relationship = event.__dict__.get("actor_relationship")
    if relationship is not None:
        return _linked_who(event, name=name, relationship=relationship, voice=voice, you=viewer == actor)
    role = event.__dict__.get("actor_role")
    if role in Role.values:
        return name, str(Role(role).label)
    if actor.is_staff or actor.is_superuser:
        return name, _("Portal operator")
    if event.action.startswith("patients.invitation."):
        # An account not (yet) linked to the record used its invitation link: not staff, and perhaps
        # not someone the patient knows. The clinic sees who; the patient, that it happened.
        if voice == Voice.PORTAL:
            return _("Someone with an invitation link"), ""
        return name, _("Not linked to the record")
    return name, _("Former staff member")


def _linked_who(event: AuditEvent, *, name: str, relationship: str, voice: Voice, you: bool) -> tuple[str, str]:
    """An account linked to the record: the patient, or a proxy named with their relationship (the
    one they had when they acted, kept in the event, else the link's now), acting on the patient's
    behalf."""
    if voice == Voice.PORTAL and you:
        return _("You"), ""
    acted_as = str(event.metadata.get("proxy_relationship") or relationship)
    if acted_as == Relationship.SELF:
        return name, _("The patient") if voice == Voice.PORTAL else _("Patient portal")
    label = Relationship(acted_as).label if acted_as in Relationship.values else _("Proxy")
    return name, _("%(relationship)s, on the patient's behalf") % {"relationship": label}


def _entry(event: AuditEvent, *, voice: Voice, zone: datetime.tzinfo, viewer: User | None = None) -> Entry:
    who, role = _who(event, voice=voice, viewer=viewer)
    what = describe(action=event.action, metadata=event.metadata, labels=_labels(event), voice=voice, zone=zone)
    return Entry(pk=event.pk, occurred_at=event.occurred_at, who=who, role=role, what=what, event=event)


def _within(
    events: QuerySet[AuditEvent], since: datetime.datetime | None, until: datetime.datetime | None
) -> QuerySet[AuditEvent]:
    if since is not None:
        events = events.filter(occurred_at__gte=since)
    if until is not None:
        events = events.filter(occurred_at__lt=until)
    return events


def _read(
    events: QuerySet[AuditEvent], *, order: Sequence[str], size: int, portal: bool, ids_first: bool
) -> list[AuditEvent]:
    """Up to `size` events in `order`, with what names them. `ids_first`: the ids are chosen by
    a query that the patient index answers alone (it carries the actor: an index-only scan
    skips the other side's events without reading the table), then the rows read by key."""
    if ids_first:
        ids = events.order_by(*order).values("pk")[:size]
        return list(_described(AuditEvent.objects.filter(pk__in=ids), portal=portal).order_by(*order))
    return list(_described(events, portal=portal).order_by(*order)[:size])


def _page(
    events: QuerySet[AuditEvent],
    *,
    scope: QuerySet[AuditEvent],
    after: int | None,
    before: int | None,
    size: int,
    portal: bool,
    ids_first: bool = False,
) -> tuple[list[AuditEvent], bool, bool]:
    """(rows, has_previous, has_next), newest first: the first page, or the page after the event
    `after` or before the event `before` (its time is read in the same query, from `scope`, so an
    id from elsewhere finds nothing: an empty page, and the caller starts at the top)."""
    cursor_id = before if before is not None else after
    backwards = before is not None
    if cursor_id is not None:
        cursor = scope.filter(pk=cursor_id).order_by().values("occurred_at")[:1]
        # Newest first, so going on (after) reads older events: the keys below the cursor's.
        events = events.filter(
            rows_beyond(("occurred_at", "id"), (Subquery(cursor), cursor_id), backwards=not backwards)
        )
    order = OLDEST_FIRST if backwards else NEWEST_FIRST
    rows = _read(events, order=order, size=size + 1, portal=portal, ids_first=ids_first)
    more = len(rows) > size
    rows = rows[:size]
    if backwards:
        rows.reverse()
        return rows, more, True
    return rows, cursor_id is not None, more


def access_history_page(
    *,
    patient: Patient,
    side: Side,
    viewer: User,
    size: int,
    since: datetime.datetime | None = None,
    until: datetime.datetime | None = None,
    after: int | None = None,
    before: int | None = None,
) -> EntryPage:
    """ "Who viewed my record": one page of the record's events by people, newest first. STAFF:
    the clinic's team and the operators (anyone who is not linked to the record); OWN: the
    accounts linked to it, disabled links included (the patient and whoever shares access).
    Events of the system (no account) are in neither.

    audit_patient_time_idx (patient, occurred_at, id, with the actor) reads them in order; a
    month is a range of it. Which side an event is on is asked as a CASE, not `actor_id IN
    (…)`: the planner cannot see that a patient's own account acts almost only on its own
    record, and for `IN` it would fetch all of that account's events by the actor index and
    sort them (300 ms for 20,000 events) instead of reading the index in order until the page
    is full (docs/performance.md)."""
    record = AuditEvent.objects.for_patient(patient)
    linked = PortalAccess.objects.for_patient(patient).values("user_id")
    on_side = Case(
        When(actor_id__in=linked, then=Value(side == Side.OWN)),
        default=Value(side != Side.OWN),
        output_field=BooleanField(),
    )
    events = _within(record.filter(on_side, actor__isnull=False), since, until)
    rows, has_previous, has_next = _page(
        events, scope=record, after=after, before=before, size=size, portal=True, ids_first=True
    )
    zone = patient.clinic.zone
    return EntryPage(
        [_entry(row, voice=Voice.PORTAL, zone=zone, viewer=viewer) for row in rows], has_previous, has_next
    )


def _clinic_trail(*, clinic: Clinic, filters: TrailFilter) -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.for_clinic(clinic)
    if filters.patient_ids is not None:
        events = events.filter(patient_id__in=list(filters.patient_ids))
    if filters.actor_id is not None:
        events = events.filter(actor_id=filters.actor_id)
    if filters.codes is not None:
        events = events.filter(action__in=list(filters.codes))
    return _within(events, filters.since, filters.until)


def clinic_trail_page(
    *, clinic: Clinic, filters: TrailFilter, size: int, after: int | None = None, before: int | None = None
) -> EntryPage:
    """One page of the clinic's own events (never another clinic's), newest first."""
    rows, has_previous, has_next = _page(
        _clinic_trail(clinic=clinic, filters=filters),
        scope=AuditEvent.objects.for_clinic(clinic),
        after=after,
        before=before,
        size=size,
        portal=False,
    )
    return EntryPage([_entry(row, voice=Voice.STAFF, zone=clinic.zone) for row in rows], has_previous, has_next)


def clinic_trail_chunks(*, clinic: Clinic, filters: TrailFilter, chunk: int, limit: int) -> Iterator[list[Entry]]:
    """The clinic's trail, newest first, `chunk` events a query, at most `limit` events: for a
    download that is written as it is read, whatever the size of the trail."""
    scope = AuditEvent.objects.for_clinic(clinic)
    events = _clinic_trail(clinic=clinic, filters=filters)
    after: int | None = None
    left = limit
    while left > 0:
        rows, _previous, more = _page(
            events, scope=scope, after=after, before=None, size=min(chunk, left), portal=False
        )
        if not rows:
            return
        yield [_entry(row, voice=Voice.STAFF, zone=clinic.zone) for row in rows]
        left -= len(rows)
        if not more:
            return
        after = rows[-1].pk


def trail_actor_name(*, clinic: Clinic, actor_id: int) -> str | None:
    """The name of someone who acted in the clinic (a team member, a former one, an operator, a
    patient's account), for the trail's "Only …" filter; None for anyone else, so an id typed in
    the address tells nothing about another clinic's people."""
    acted_here = Q(staff_memberships__clinic=clinic) | Q(
        pk__in=AuditEvent.objects.for_clinic(clinic).filter(actor_id=actor_id).values("actor_id")[:1]
    )
    user = User.objects.filter(acted_here, pk=actor_id).order_by().first()
    return user.get_full_name() if user is not None else None


def month_range(month: datetime.date, zone: datetime.tzinfo) -> tuple[datetime.datetime, datetime.datetime]:
    """The instants a calendar month of the clinic spans: [first day 00:00, next month's first day 00:00)."""
    first = datetime.datetime.combine(month.replace(day=1), datetime.time(), zone)
    following = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return first, datetime.datetime.combine(following, datetime.time(), zone)


def days_range(
    first: datetime.date | None, last: datetime.date | None, zone: datetime.tzinfo
) -> tuple[datetime.datetime | None, datetime.datetime | None]:
    """From the start of `first` to the end of `last` (both included), in the clinic's time zone."""
    since = datetime.datetime.combine(first, datetime.time(), zone) if first else None
    until = datetime.datetime.combine(last + datetime.timedelta(days=1), datetime.time(), zone) if last else None
    return since, until
