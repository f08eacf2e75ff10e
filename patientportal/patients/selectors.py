import datetime
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from django.db.models import F, Func, Q, QuerySet, Subquery, TextField
from django.db.models.functions import Lower
from django.http import Http404

from patientportal.accounts.models import User
from patientportal.clinics.models import Clinic
from patientportal.patients.choices import AccessLevel, PortalStatus, Relationship
from patientportal.patients.models import Invitation, Patient, PortalAccess

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.models.sql.compiler import SQLCompiler, _AsSqlType

# What a search box query means (docs/performance.md, "Patient search"): the whole query
# decides the kind; a name query is split into words, every word must match.
MAX_NAME_WORDS = 5
MIN_PHONE_DIGITS = 3  # fewer digits would find a good part of the clinic: searched as a name
# A word this long or longer may match anywhere in the name; a shorter one only the
# beginning of the first or last name ("Li", "Wu", "J"), which the trigram index can
# still narrow down.
MIN_NAME_PART = 3
PHONE_PUNCTUATION = re.compile(r"[\s+\-().]")
DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y")  # ISO, and the US way it is written on forms


class SearchKind(StrEnum):
    NONE = ""
    NAME = "name"
    EMAIL = "email"
    PHONE = "phone"
    DATE_OF_BIRTH = "date_of_birth"


@dataclass(frozen=True)
class PatientQuery:
    """A staff search, read: which field it looks in and with what."""

    kind: SearchKind
    words: tuple[str, ...] = ()  # NAME
    text: str = ""  # EMAIL: the text; PHONE: the digits
    day: datetime.date | None = None  # DATE_OF_BIRTH


def patient_query(text: str) -> PatientQuery:
    """Reads a search box: a date (2001-02-03 or 2/3/2001) is a date of birth; only
    digits once spaces, +, -, ( ) and dots are taken out (at least three) are a phone
    number; anything with an @ is an email address or its beginning; the rest are
    words of the first or last name."""
    text = " ".join(text.split())
    if not text:
        return PatientQuery(SearchKind.NONE)
    for date_format in DATE_FORMATS:
        try:
            day = datetime.datetime.strptime(text, date_format).date()
        except ValueError:
            continue
        return PatientQuery(SearchKind.DATE_OF_BIRTH, day=day)
    digits = PHONE_PUNCTUATION.sub("", text)
    if digits.isdigit() and digits.isascii() and len(digits) >= MIN_PHONE_DIGITS:
        return PatientQuery(SearchKind.PHONE, text=digits)
    if "@" in text:
        return PatientQuery(SearchKind.EMAIL, text=text)
    return PatientQuery(SearchKind.NAME, words=tuple(text.split()[:MAX_NAME_WORDS]))


class NameText(Func):
    """The text a name search looks in: a space, the first name, a space, the last name;
    the space before each name lets a short word be asked to start one."""

    # Written out rather than built with Concat: PostgreSQL uses an expression index only
    # for the very same expression, and the trigram index of patients' migration 0003 is on
    # UPPER() of exactly this (the icontains lookup adds the UPPER()).
    template = "(' ' || %(expressions)s)"
    arg_joiner = " || ' ' || "
    output_field = TextField()

    def __init__(self) -> None:
        super().__init__(F("first_name"), F("last_name"))


def _without(characters: str) -> str:
    template = "%(expressions)s"
    for character in characters:
        template = f"REPLACE({template}, '{character}', '')"
    return template


class PhoneDigits(Func):
    """The digits of the phone number, so "555 0199", "(555) 0199" and "555-0199" are one."""

    # SQLite has no regular expressions: the punctuation people type, taken out one by one.
    template = _without(" -()+./")
    output_field = TextField()

    def __init__(self) -> None:
        super().__init__(F("phone"))

    def as_postgresql(self, compiler: "SQLCompiler", connection: "BaseDatabaseWrapper") -> "_AsSqlType":
        # The very expression of the trigram index of patients' migration 0003.
        return self.as_sql(compiler, connection, template="regexp_replace(%(expressions)s, '[^0-9]', '', 'g')")


def patient_search(*, clinic: Clinic, query: PatientQuery) -> QuerySet[Patient]:
    """The clinic's patients that `query` finds, in no particular order."""
    return patients_matching(Patient.objects.for_clinic(clinic), query)


def patients_matching(patients: QuerySet[Patient], query: PatientQuery) -> QuerySet[Patient]:
    """Those of `patients` that `query` finds."""
    if query.kind == SearchKind.DATE_OF_BIRTH and query.day is not None:
        return patients.filter(date_of_birth=query.day)
    if query.kind == SearchKind.PHONE:
        return patients.alias(phone_digits=PhoneDigits()).filter(phone_digits__contains=query.text)
    if query.kind == SearchKind.EMAIL:
        # The beginning, not any part: a B-tree (patient_email_prefix_idx) finds it at once,
        # where a trigram index spent 50-100 ms on a whole address at a million patients
        # (every address shares the trigrams of its domain). docs/performance.md.
        return patients.filter(email__istartswith=query.text)
    if query.kind == SearchKind.NAME:
        patients = patients.alias(name_text=NameText())
        for word in query.words:
            # A short word starts a name (" wu" in " Ann Wu"); a longer one may be anywhere in it.
            part = word if len(word) >= MIN_NAME_PART else f" {word}"
            patients = patients.filter(name_text__icontains=part)
    return patients


@dataclass(frozen=True)
class PatientPage:
    patients: list[Patient]
    has_previous: bool
    has_next: bool


# The order of the patient list and of search results: by name, then id so that people
# of the same name keep their place between pages. The index patient_clinic_name_id_idx
# (clinic, lower(last_name), lower(first_name), id) gives it.
PATIENT_ORDER = ("last_key", "first_key", "id")


def _name_keys(patients: QuerySet[Patient]) -> QuerySet[Patient]:
    return patients.alias(last_key=Lower("last_name"), first_key=Lower("first_name"))


def patient_page(
    *,
    clinic: Clinic,
    query: PatientQuery,
    size: int,
    after: int | None = None,
    before: int | None = None,
) -> PatientPage:
    """One page of the clinic's patients matching `query`, by name: the first page, or
    the page after the patient `after` or before the patient `before` (ids; the place
    of that patient in the order is looked up in the same query, so the address holds
    no name). No total is counted. An id that is not one of the clinic's patients gives
    an empty page: the caller starts again at the first."""
    patients = _name_keys(patient_search(clinic=clinic, query=query))
    cursor_id = before if before is not None else after
    backwards = before is not None
    if cursor_id is not None:
        cursor = Patient.objects.for_clinic(clinic).filter(pk=cursor_id).order_by()
        cursor_keys = (
            Subquery(cursor.values(key=Lower("last_name"))),
            Subquery(cursor.values(key=Lower("first_name"))),
            cursor_id,
        )
        patients = patients.filter(rows_beyond(PATIENT_ORDER, cursor_keys, backwards=backwards))
    order = [f"-{key}" for key in PATIENT_ORDER] if backwards else PATIENT_ORDER
    rows = list(patients.order_by(*order)[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    if backwards:
        rows.reverse()
        return PatientPage(rows, has_previous=more, has_next=True)
    return PatientPage(rows, has_previous=cursor_id is not None, has_next=more)


def rows_beyond(keys: Sequence[str], values: Sequence[object], *, backwards: bool = False) -> Q:
    """Keyset pagination: the rows that come after the row whose sort keys are `values`
    in the order of `keys` (all ascending), or before it when `backwards`. The first
    key's bound is repeated on its own so that an index on the keys starts its scan
    there (a B-tree does not use an OR for its range)."""
    after, bound = ("lt", "lte") if backwards else ("gt", "gte")
    beyond = Q()
    same = Q()
    for key, value in zip(keys, values, strict=True):
        beyond |= same & Q(**{f"{key}__{after}": value})
        same &= Q(**{key: value})
    return Q(**{f"{keys[0]}__{bound}": values[0]}) & beyond


def patient_count(*, clinic: Clinic, up_to: int) -> int:
    """How many patients the clinic has, counting no further than `up_to` + 1: a larger
    clinic answers `up_to` + 1, shown as "more than". A clinic of 100,000 patients would
    otherwise read its whole index on every load of the staff home page."""
    return Patient.objects.for_clinic(clinic).order_by().values("pk")[: up_to + 1].count()


def patient_get_for_clinic(*, clinic: Clinic, patient_id: int) -> Patient:
    try:
        patient = Patient.objects.for_clinic(clinic).get(pk=patient_id)
    except Patient.DoesNotExist:
        raise Http404 from None
    patient.clinic = clinic  # already loaded by the caller; saves a query
    return patient


def portal_accesses_for_user(*, user: User) -> list[PortalAccess]:
    """Every record the account may use in the portal, with patient and clinic."""
    return list(
        PortalAccess.objects.active()
        .filter(user=user, patient__portal_status=PortalStatus.ENABLED)
        .select_related("patient__clinic")
        .order_by("clinic__name", "patient__last_name", "patient__first_name", "id")
    )


def portal_users_for_patient(*, patient: Patient, full_access_only: bool = False) -> list[User]:
    """The accounts that can use this record in the portal now (the patient, or a proxy).
    `full_access_only`: leave out proxies limited to appointments and documents (orders and
    receipts are not theirs to see)."""
    if patient.portal_status != PortalStatus.ENABLED:
        return []
    accesses = PortalAccess.objects.for_patient(patient).active()
    if full_access_only:
        accesses = accesses.filter(level=AccessLevel.FULL)
    accesses = accesses.filter(user__is_active=True).select_related("user").order_by("created_at", "id")
    return [access.user for access in accesses]


def record_address_for_orders(patient: Patient) -> str:
    """The record's own address, for emails about its orders (updates, receipts) — or "" when that
    address is the sign-in address of a proxy limited to appointments and documents, who may not
    see the record's orders (a child's record often still carries a parent's address)."""
    if not patient.email:
        return ""
    limited = (
        PortalAccess.objects.for_patient(patient)
        .active()
        .exclude(level=AccessLevel.FULL)
        .filter(user__email__iexact=patient.email)
    )
    return "" if limited.exists() else patient.email


def portal_accesses_for_patient(*, patient: Patient) -> list[PortalAccess]:
    return list(PortalAccess.objects.for_patient(patient).select_related("user").order_by("created_at", "id"))


def invitations_for_patient(*, patient: Patient) -> list[Invitation]:
    return list(
        Invitation.objects.for_patient(patient)
        .select_related("created_by", "accepted_by", "revoked_by")
        .order_by("-created_at", "-id")
    )


def invitation_get_for_patient(*, patient: Patient, invitation_id: int) -> Invitation:
    try:
        invitation = Invitation.objects.for_patient(patient).get(pk=invitation_id)
    except Invitation.DoesNotExist:
        raise Http404 from None
    invitation.patient = patient
    return invitation


def proxy_get_for_patient(*, patient: Patient, access_id: int) -> PortalAccess:
    """One of the record's proxies; anything else (the patient's own link, another record's) is a 404."""
    try:
        access = (
            PortalAccess.objects.for_patient(patient)
            .exclude(relationship=Relationship.SELF)
            .select_related("user")
            .get(pk=access_id)
        )
    except PortalAccess.DoesNotExist:
        raise Http404 from None
    access.patient = patient
    return access
