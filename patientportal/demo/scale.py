"""A large, realistic data set for measuring the staff and portal pages at scale
(`manage.py seed_scale`, issue 18; docs/operations.md, "Scale data set").

At `--patients 1000000`: 92 clinics, one of them (`metro-health`, every feature) with
100,000 patients and the rest falling off in size; about 10 appointments per patient
from four years back to three months ahead, 1.1 M orders with their items, history and
payments, 1.3 M documents (all pointing at one stored sample file), signature requests,
3 M audit events; accounts and portal links for about a third of the patients. Every row
respects the models' check constraints and the state-machine tables: a row's state is
reached by walking the allowed moves, and each move is written where the application
writes it (OrderEvent, SignatureEvent, the appointment's status_changed_at/by).

How it is fast:
- Rows are made in Python by one seeded `random.Random`, patient by patient (a patient's
  appointments, orders, documents and audit events right after the patient), held for a
  chunk of patients and then written table by table. The loops that run per row draw as
  little as they can: on this kind of machine each `random()` costs about as much as
  building a row.
- On PostgreSQL each chunk is one binary `COPY` per table, sent from a thread of its own
  so the server stores one chunk while Python makes the next. Before the first row the
  written tables lose their foreign keys, their secondary indexes and unique constraints,
  and their primary keys where no other table's foreign key needs them; after the last
  row all of it is created again from the definitions read from the catalogue at the
  start (so indexes added by later migrations come back exactly). Building an index once
  from sorted data is much cheaper than keeping it up to date row by row, and a foreign
  key added to a full table is checked by one join instead of a trigger per row (with
  them in place, `--keep-indexes`, the load takes twice as long at 20,000 patients, and
  the gap grows with the size). Everything happens in one transaction: a failure leaves
  the database as it was, indexes and all.
- Elsewhere (SQLite, or `--method insert`) each chunk is written with `executemany`: the
  same rows, so the same data for the same seed. (Not `bulk_create`: it would overwrite
  every `auto_now`/`auto_now_add` column with the current time.)
- Then the sequences are moved past the ids used, and `VACUUM (ANALYZE)` runs (`ANALYZE`
  inside an outer transaction, as in tests): the planner knows the sizes, and the pages
  are marked all-visible as on a database that has been running a while.
"""

import dataclasses
import datetime
import hashlib
import ipaddress
import itertools
import math
import queue
import random
import threading
import time
import zoneinfo
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from allauth.account.models import EmailAddress
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils.text import slugify

from patientportal.accounts.models import User
from patientportal.audit.models import AuditEvent
from patientportal.catalog.choices import Category, StockReason
from patientportal.catalog.models import Product, StockAdjustment
from patientportal.clinics.choices import Role
from patientportal.clinics.features import AddOn, Feature, Plan, features_for
from patientportal.clinics.models import Clinic, StaffMembership
from patientportal.demo.files import demo_pdf
from patientportal.documents.choices import DocumentType, SignatureEventKind, SignatureMethod, SignatureStatus
from patientportal.documents.consent import (
    ACKNOWLEDGEMENT_TEXT,
    ACKNOWLEDGEMENT_VERSION,
    CONSENT_TEXT,
    CONSENT_VERSION,
    text_sha256,
)
from patientportal.documents.files import pdf_page_count, sha256_hex
from patientportal.documents.models import Document, Signature, SignatureEvent, SignatureRequest
from patientportal.documents.signature_input import typed_signature_png
from patientportal.orders.choices import Approval, OrderStatus, PaymentStatus
from patientportal.orders.models import Order, OrderEvent, OrderItem, OrderNumberSequence
from patientportal.orders.tax import tax_cents
from patientportal.patients.choices import InvitationStatus, PortalAccessStatus, PortalStatus
from patientportal.patients.models import Invitation, Patient, PortalAccess
from patientportal.payments.choices import PaymentAttemptStatus
from patientportal.payments.models import Payment, Refund
from patientportal.scheduling.choices import TYPE_COLOURS, AppointmentStatus
from patientportal.scheduling.models import Appointment, AppointmentType, Location, Provider

# --- What is asked for ------------------------------------------------------------------------

MAX_PATIENTS = 5_000_000  # 50 M appointments; more is a mistake, not a benchmark
DEFAULT_PASSWORD = "scale-password-123"  # noqa: S105 - a published benchmark password
BIG_CLINIC_SLUG = "metro-health"
BIG_CLINIC_NAME = "Metro Health Group"
OWNER_EMAIL = "scale-owner@example.com"
STAFF_EMAIL = "scale-staff@example.com"
PATIENT_EMAIL = "scale-patient@example.com"
KNOWN_EMAILS = (OWNER_EMAIL, STAFF_EMAIL, PATIENT_EMAIL)

# Per patient, on average (the targets of issue 18 for 1 M patients).
APPOINTMENTS_PER_PATIENT = 10.0
ORDERS_PER_PATIENT = 1.1  # over all patients; only portal users of clinics with the shop order
DOCUMENTS_PER_PATIENT = 1.3
BENCHMARK_PATIENT_ROWS = 50  # appointments, orders and documents of the benchmark patient
ACCOUNT_SHARE = 0.36  # patients whose record is linked to a portal account

# Patients arrive over five years; appointments span four years back and three months ahead,
# orders the last three years (the shop is younger than the clinics).
HISTORY_DAYS = 5 * 365
APPOINTMENT_START_DAY = 365  # day index in the calendar, which starts HISTORY_DAYS ago
ORDER_START_DAY = 2 * 365
FUTURE_DAYS = 90
# The working day of the schedule: 08:00 to 18:00 local time in 15-minute slots.
DAY_START_HOUR, SLOTS, SLOT_MINUTES = 8, 40, 15

VISITS = 4_096  # pre-drawn visits per clinic (see Visit)
CHUNK_PATIENTS = 10_000  # patients whose rows are held in memory before they are written
BATCH_ROWS = 2_000  # rows per executemany on the insert path


class ScaleError(Exception):
    """The data set cannot be loaded here (the command turns it into a CommandError)."""


@dataclasses.dataclass(frozen=True)
class Settings:
    patients: int
    seed: int
    now: datetime.datetime  # the moment the data set is "taken": past and future are relative to it
    password_hash: str
    clinics: int | None = None
    method: str = "auto"  # "copy" (PostgreSQL), "insert" (any database) or "auto"
    rebuild_indexes: bool = True  # drop and re-create indexes and foreign keys around COPY
    vacuum: bool = True


def default_clinic_count(patients: int) -> int:
    """92 clinics at a million patients (a mid-sized multi-tenant deployment), fewer below."""
    return min(patients, 92, max(3, round(patients / 10_870)))


def clinic_sizes(patients: int, clinics: int) -> list[int]:
    """Patients per clinic, the big clinic first: a tenth of everyone (and always the
    biggest), the rest falling off like 1/(i+5) — a few large groups, many small practices."""
    if clinics == 1:
        return [patients]
    weights = [1 / (index + 5) for index in range(clinics - 1)]
    largest_share = weights[0] / sum(weights)  # of the others, the biggest clinic's part
    # With few clinics a tenth is not the most: then just more than the next one.
    big = max(round(patients * 0.1), math.ceil(patients * largest_share / (1 + largest_share)))
    big = min(big, patients - (clinics - 1))
    rest = patients - big
    sizes = [max(1, math.floor(rest * weight / sum(weights))) for weight in weights]
    # Rounding: hand out or take back the difference, largest clinics first.
    index = 0
    while sum(sizes) != rest:
        step = 1 if sum(sizes) < rest else -1
        if sizes[index] + step >= 1:
            sizes[index] += step
        index = (index + 1) % len(sizes)
    while big <= sizes[0] and sizes[0] > 1:  # a tie left by the rounding
        sizes[0] -= 1
        big += 1
    return [big, *sizes]


def check_arguments(patients: int, clinics: int | None) -> None:
    if patients < 1:
        raise ScaleError("--patients must be at least 1.")
    if patients > MAX_PATIENTS:
        raise ScaleError(f"--patients {patients:,} is more than this command makes ({MAX_PATIENTS:,}).")
    if clinics is not None and not 1 <= clinics <= min(patients, 1000):
        raise ScaleError(f"--clinics must be between 1 and {min(patients, 1000)} (at most one per patient).")


def check_database_is_empty() -> None:
    """Refuse to mix benchmark rows into a database that holds anything of a clinic."""
    if Clinic.objects.exists():
        raise ScaleError(
            "The database already holds clinics: seed_scale loads only into an empty, migrated database "
            "(e.g. createdb portal_scale && DATABASE_URL=… manage.py migrate)."
        )
    taken = sorted(User.objects.filter(email__in=KNOWN_EMAILS).values_list("email", flat=True))
    if taken:
        raise ScaleError(f"Accounts for the benchmark already exist: {', '.join(taken)}.")


# --- Tables -------------------------------------------------------------------------------------


@dataclasses.dataclass(eq=False)
class Table:
    """One table as the loader writes it: the columns its rows give, in order, and the
    constant values of the model's other columns (their defaults)."""

    model: type[models.Model]
    given: str  # the columns the rows give, in order, separated by spaces
    fields: list[Any] = dataclasses.field(default_factory=list)  # model fields, in row order
    constant: tuple[object, ...] = ()

    def __post_init__(self) -> None:
        self.columns = tuple(self.given.split())
        by_attname = {field.attname: field for field in self.model._meta.concrete_fields}
        unknown = [name for name in self.columns if name not in by_attname]
        if unknown:
            raise ScaleError(f"{self.name}: no such columns {unknown}")
        self.fields = [by_attname[name] for name in self.columns]
        constant: list[object] = []
        for field in by_attname.values():
            if field.attname in self.columns or getattr(field, "generated", False) or _has_db_default(field):
                continue  # given, computed by the database, or filled in by it
            if not (field.has_default() or field.null):
                # A column added since this was written: give its value in the rows below.
                raise ScaleError(f"{self.name}.{field.attname} has no default; seed_scale must be taught it.")
            self.fields.append(field)
            constant.append(field.get_default())
        self.constant = tuple(constant)

    @property
    def name(self) -> str:
        return self.model._meta.db_table


def _has_db_default(field: Any) -> bool:
    return field.db_default is not models.NOT_PROVIDED


CLINIC = Table(
    Clinic,
    "id name slug time_zone currency tax_rate_bp plan add_ons unpaid_order_hours created_at updated_at"
    " phone email website street street_2 city region postal_code country",
)
USER = Table(
    User,
    "id password last_login is_superuser email first_name last_name is_active is_staff date_joined",
)
EMAIL_ADDRESS = Table(EmailAddress, "id user_id email verified primary")
MEMBERSHIP = Table(StaffMembership, "id user_id clinic_id role created_at")
PROVIDER = Table(Provider, "id clinic_id name credentials active created_at")
LOCATION = Table(Location, "id clinic_id name address phone active created_at")
APPOINTMENT_TYPE = Table(
    AppointmentType,
    "id clinic_id name duration_minutes colour active created_at",
)
PRODUCT = Table(
    Product,
    (
        "id clinic_id name sku category description image thumbnail price_cents cost_cents taxable "
        "track_inventory stock reorder_threshold reorder_quantity requires_consultation requires_prescription "
        "minimum_age visible_in_portal active created_at updated_at"
    ),
)
STOCK_ADJUSTMENT = Table(
    StockAdjustment,
    "id clinic_id product_id change stock_after reason note actor_id order_id created_at",
)
PATIENT = Table(
    Patient,
    (
        "id clinic_id first_name last_name date_of_birth email phone portal_status portal_status_changed_at "
        "created_at updated_at"
    ),
)
PORTAL_ACCESS = Table(
    PortalAccess,
    "id user_id patient_id clinic_id status created_at status_changed_at",
)
INVITATION = Table(
    Invitation,
    (
        "id clinic_id patient_id email token_hash status created_by_id created_at expires_at accepted_by_id "
        "accepted_at revoked_by_id revoked_at"
    ),
)
APPOINTMENT = Table(
    Appointment,
    (
        "id clinic_id patient_id provider_id appointment_type_id location_id starts_at duration_minutes "
        "ends_at status patient_notes internal_notes created_by_id created_at updated_at status_changed_at "
        "status_changed_by_id"
    ),
)
ORDER = Table(
    Order,
    (
        "id clinic_id patient_id number status payment_status approval currency tax_rate_bp subtotal_cents "
        "taxable_subtotal_cents tax_cents total_cents notes rejection_reason cancellation_reason placed_by_id "
        "created_at updated_at payable_since paid_at"
    ),
)
ORDER_ITEM = Table(
    OrderItem,
    (
        "id order_id product_id name sku unit_price_cents quantity taxable requires_prescription "
        "requires_consultation stock_tracked"
    ),
)
ORDER_EVENT = Table(OrderEvent, "id order_id machine from_value to_value actor_id note created_at")
ORDER_NUMBER = Table(OrderNumberSequence, "clinic_id last_number")
PAYMENT = Table(
    Payment,
    (
        "id clinic_id order_id provider reference charge_reference amount_cents currency status redirect_url "
        "note created_at updated_at"
    ),
)
REFUND = Table(Refund, "id payment_id amount_cents reference reason actor_id created_at")
DOCUMENT = Table(
    Document,
    (
        "id clinic_id patient_id doc_type title description file content_type size sha256 page_count "
        "visible_in_portal uploaded_by_id uploaded_at"
    ),
)
SIGNATURE_REQUEST = Table(
    SignatureRequest,
    "id document_id clinic_id patient_id status requested_by_id requested_at expires_at withdrawn_by_id withdrawn_at",
)
SIGNATURE = Table(
    Signature,
    (
        "id request_id clinic_id patient_id signer_id signer_email typed_name method image strokes signed_at "
        "ip_address user_agent consent_version consent_sha256 acknowledgement_version acknowledgement_sha256 "
        "language document_sha256 signed_copy signed_copy_sha256"
    ),
)
SIGNATURE_EVENT = Table(SignatureEvent, "id request_id kind actor_id at ip_address user_agent")
AUDIT = Table(
    AuditEvent,
    (
        "id occurred_at actor_id actor_email clinic_id patient_id action object_type object_id ip_address "
        "user_agent request_id metadata"
    ),
)

# Written in this order (a row's references are written before it, for databases that check at once).
TABLES = [
    CLINIC,
    USER,
    EMAIL_ADDRESS,
    MEMBERSHIP,
    PROVIDER,
    LOCATION,
    APPOINTMENT_TYPE,
    PRODUCT,
    STOCK_ADJUSTMENT,
    PATIENT,
    PORTAL_ACCESS,
    INVITATION,
    APPOINTMENT,
    ORDER,
    ORDER_ITEM,
    ORDER_EVENT,
    PAYMENT,
    REFUND,
    DOCUMENT,
    SIGNATURE_REQUEST,
    SIGNATURE,
    SIGNATURE_EVENT,
    AUDIT,
    ORDER_NUMBER,
]

Row = tuple[object, ...]


@dataclasses.dataclass
class TableStats:
    rows: int = 0
    write_seconds: float = 0.0
    index_seconds: float = 0.0


# --- Writers --------------------------------------------------------------------------------------


class Writer:
    """Writes rows of the tables above, and prepares and finishes the tables around the load."""

    def __init__(self, stats: dict[str, TableStats]) -> None:
        self.stats = stats

    def start(self, say: Callable[[str], None]) -> None:
        """Before the first row."""

    def write(self, table: Table, rows: list[Row]) -> None:
        raise NotImplementedError

    def stop(self, *, raise_failure: bool = True) -> None:
        """Wait for what is being written (also on the way out after an error, then quietly)."""

    def finish(self, say: Callable[[str], None]) -> None:
        """After the last row, still inside the transaction."""


class InsertWriter(Writer):
    """Any database: parametrised INSERTs, values converted by the model fields."""

    def write(self, table: Table, rows: list[Row]) -> None:
        started = time.perf_counter()
        quote = connection.ops.quote_name
        columns = ", ".join(quote(field.column) for field in table.fields)
        marks = ", ".join(["%s"] * len(table.fields))
        sql = f"INSERT INTO {quote(table.name)} ({columns}) VALUES ({marks})"  # noqa: S608 - names from models
        fields = table.fields
        with connection.cursor() as cursor:
            for start in range(0, len(rows), BATCH_ROWS):
                cursor.executemany(
                    sql,
                    [
                        [
                            field.get_db_prep_save(_plain(value), connection)
                            for field, value in zip(fields, row + table.constant, strict=True)
                        ]
                        for row in rows[start : start + BATCH_ROWS]
                    ],
                )
        self.stats[table.name].write_seconds += time.perf_counter() - started


def _plain(value: object) -> object:
    """The rows carry addresses as `ipaddress` objects (what psycopg's binary COPY takes); the
    model field wants text."""
    return str(value) if isinstance(value, ipaddress.IPv4Address) else value


def copy_type(field: Any) -> str:
    """The PostgreSQL type name psycopg's binary COPY needs for a model field."""
    db_type = str(field.db_type(connection)).split("(")[0].strip()
    aliases = {
        "timestamp with time zone": "timestamptz",
        "bigint": "int8",
        "integer": "int4",
        "smallint": "int2",
        "boolean": "bool",
    }
    return aliases.get(db_type, db_type)


@dataclasses.dataclass
class Detached:
    """What was dropped from a table for the load, to be created again after it, as the
    catalogue defined it."""

    table: str
    constraints: list[tuple[str, str]] = dataclasses.field(default_factory=list)  # primary key, unique
    indexes: list[str] = dataclasses.field(default_factory=list)  # CREATE [UNIQUE] INDEX statements
    foreign_keys: list[tuple[str, str]] = dataclasses.field(default_factory=list)


class CopyWriter(Writer):
    """PostgreSQL: binary COPY through psycopg 3, from a thread of its own, so the server
    stores one chunk while the next is being made. Around the load the indexes, keys and
    foreign keys of the written tables are dropped and created again."""

    def __init__(self, stats: dict[str, TableStats], *, rebuild_indexes: bool) -> None:
        super().__init__(stats)
        self.rebuild_indexes = rebuild_indexes
        self.detached: list[Detached] = []
        # One chunk waiting while another is written: memory stays bounded.
        self.queue: queue.Queue[tuple[Table, list[Row]] | None] = queue.Queue(maxsize=1)
        self.failure: BaseException | None = None
        self.thread: threading.Thread | None = None

    def start(self, say: Callable[[str], None]) -> None:
        with connection.cursor() as cursor:
            # For this transaction only: memory to build each index in one sort, and for the
            # joins that check the foreign keys.
            cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
            cursor.execute("SET LOCAL work_mem = '256MB'")
            if self.rebuild_indexes:
                self.detached = _detach(cursor, [table.name for table in TABLES])
        dropped = sum(len(item.constraints) + len(item.indexes) + len(item.foreign_keys) for item in self.detached)
        if dropped:
            say(f"  dropped {dropped} keys, indexes and foreign keys for the load")
        # The thread uses the same connection, hence the same transaction; the main thread
        # does not touch the database until the thread has stopped.
        psycopg_connection = connection.connection
        self.thread = threading.Thread(target=self._copy_chunks, args=[psycopg_connection], daemon=True)
        self.thread.start()

    def write(self, table: Table, rows: list[Row]) -> None:
        if self.failure is not None:
            self.stop()  # raises it
        self.queue.put((table, rows))

    def _copy_chunks(self, psycopg_connection: Any) -> None:
        while (item := self.queue.get()) is not None:
            if self.failure is None:  # after a failure, only empty the queue
                try:
                    self._copy(psycopg_connection, *item)
                except BaseException as error:  # noqa: BLE001 - handed to the main thread, raised there
                    self.failure = error

    def _copy(self, psycopg_connection: Any, table: Table, rows: list[Row]) -> None:
        started = time.perf_counter()
        quote = connection.ops.quote_name
        columns = ", ".join(quote(field.column) for field in table.fields)
        constant = table.constant
        with (
            psycopg_connection.cursor() as cursor,
            cursor.copy(f"COPY {quote(table.name)} ({columns}) FROM STDIN (FORMAT BINARY)") as copy,
        ):
            copy.set_types([copy_type(field) for field in table.fields])
            write_row = copy.write_row
            for row in rows:
                write_row(row + constant if constant else row)
        self.stats[table.name].write_seconds += time.perf_counter() - started

    def stop(self, *, raise_failure: bool = True) -> None:
        if self.thread is not None:
            self.queue.put(None)
            self.thread.join()
            self.thread = None
        if self.failure is not None and raise_failure:
            failure, self.failure = self.failure, None
            raise failure

    def finish(self, say: Callable[[str], None]) -> None:
        self.stop()
        with connection.cursor() as cursor:
            # Keys and indexes first: adding a foreign key checks the rows against the referenced key.
            for item in self.detached:
                started = time.perf_counter()
                for name, definition in item.constraints:
                    cursor.execute(f"ALTER TABLE {_qn(item.table)} ADD CONSTRAINT {_qn(name)} {definition}")
                for statement in item.indexes:
                    cursor.execute(statement)
                self.stats[item.table].index_seconds += time.perf_counter() - started
                if item.constraints or item.indexes:
                    count = len(item.constraints) + len(item.indexes)
                    say(f"  {item.table}: {count} keys and indexes in {_seconds(started)}")
            for item in self.detached:
                started = time.perf_counter()
                for name, definition in item.foreign_keys:
                    cursor.execute(f"ALTER TABLE {_qn(item.table)} ADD CONSTRAINT {_qn(name)} {definition}")
                self.stats[item.table].index_seconds += time.perf_counter() - started
                if item.foreign_keys:
                    say(f"  {item.table}: {len(item.foreign_keys)} foreign keys checked in {_seconds(started)}")


def _qn(name: str) -> str:
    return connection.ops.quote_name(name)


def _detach(cursor: Any, tables: list[str]) -> list[Detached]:
    """Drop the tables' foreign keys; then their primary keys and unique constraints that no
    remaining foreign key relies on (one from a table not written here), and their other
    indexes. Return how to create them again, read from the catalogue as it is now — indexes
    added by later migrations included."""
    detached = {table: Detached(table) for table in tables}
    for table in tables:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname",
            [table],
        )
        detached[table].foreign_keys = [(name, definition) for name, definition in cursor.fetchall()]
        for name, _definition in detached[table].foreign_keys:
            cursor.execute(f"ALTER TABLE {_qn(table)} DROP CONSTRAINT {_qn(name)}")
    for table in tables:
        cursor.execute(
            "SELECT c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
            "WHERE c.conrelid = %s::regclass AND c.contype IN ('p', 'u') AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = c.conindid) "
            "ORDER BY c.contype, c.conname",
            [table],
        )
        detached[table].constraints = [(name, definition) for name, definition in cursor.fetchall()]
        cursor.execute(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "WHERE i.indrelid = %s::regclass AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) ORDER BY 1",
            [table],
        )
        indexes = cursor.fetchall()
        detached[table].indexes = [definition for _name, definition in indexes]
        for name, _definition in detached[table].constraints:
            cursor.execute(f"ALTER TABLE {_qn(table)} DROP CONSTRAINT {_qn(name)}")
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {name}")  # regclass text: already quoted where needed
    return list(detached.values())


def _seconds(started: float) -> str:
    return f"{time.perf_counter() - started:.1f} s"


# --- Words and numbers the rows are made of -------------------------------------------------------


def words(text: str) -> list[str]:
    return text.split()


FIRST_NAMES = words(
    "James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara Richard Susan Joseph "
    "Jessica Thomas Sarah Charles Karen Christopher Lisa Daniel Nancy Matthew Betty Anthony Sandra Mark Margaret "
    "Donald Ashley Steven Kimberly Andrew Emily Paul Donna Joshua Michelle Kenneth Carol Kevin Amanda Brian Melissa "
    "George Deborah Timothy Stephanie Ronald Rebecca Jason Sharon Edward Laura Jeffrey Cynthia Ryan Dorothy Jacob "
    "Amy Gary Kathleen Nicholas Angela Eric Shirley Jonathan Emma Stephen Brenda Larry Pamela Justin Nicole Scott "
    "Anna Brandon Samantha Benjamin Katherine Samuel Christine Gregory Debra Alexander Rachel Patrick Carolyn Frank "
    "Janet Raymond Maria Jack Olivia Dennis Heather Jerry Helen Tyler Catherine Aaron Diane Jose Julie Adam Victoria "
    "Nathan Joyce Henry Lauren Zachary Kelly Douglas Christina Peter Ruth Kyle Joan Noah Virginia Ethan Judith "
    "Jeremy Evelyn Christian Hannah Walter Andrea Keith Megan Austin Cheryl Roger Jacqueline Terry Madison Sean "
    "Teresa Gerald Abigail Carl Sophia Dylan Martha Harold Sara Jordan Gloria Jesse Janice Bryan Kathryn Lawrence "
    "Ann Arthur Isabella Gabriel Judy Bruce Charlotte Logan Julia Billy Grace Joe Amber Alan Alice Juan Jean Elijah "
    "Denise Willie Frances Albert Danielle Wayne Marilyn Randy Natalie Mason Beverly Vincent Diana Liam Brittany "
    "Roy Theresa Bobby Kayla Caleb Alexis Bradley Doris Russell Lori Lucas Tiffany Priya Wei Aisha Mohammed Chen "
    "Fatima Hiroshi Yuki Ana Carlos Sofia Luis Mei Raj Amara Kwame Ines Mateo Leila Omar Nadia Ivan Elena"
)
LAST_NAMES = words(
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez Wilson "
    "Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark Ramirez Lewis "
    "Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera "
    "Campbell Mitchell Carter Roberts Gomez Phillips Evans Turner Diaz Parker Cruz Edwards Collins Reyes Stewart "
    "Morris Morales Murphy Cook Rogers Gutierrez Ortiz Morgan Cooper Peterson Bailey Reed Kelly Howard Ramos Kim "
    "Cox Ward Richardson Watson Brooks Chavez Wood James Bennett Gray Mendoza Ruiz Hughes Price Alvarez Castillo "
    "Sanders Patel Myers Long Ross Foster Jimenez Powell Jenkins Perry Russell Sullivan Bell Coleman Butler "
    "Henderson Barnes Gonzales Fisher Vasquez Simmons Romero Jordan Patterson Alexander Hamilton Graham Reynolds "
    "Griffin Wallace Moreno West Cole Hayes Bryant Herrera Gibson Ellis Tran Medina Aguilar Stevens Murray Ford "
    "Castro Marshall Owens Harrison Fernandez McDonald Woods Washington Kennedy Wells Vargas Henry Chen Freeman "
    "Webb Tucker Guzman Burns Crawford Olson Simpson Porter Hunter Gordon Mendez Silva Shaw Snyder Mason Dixon "
    "Munoz Hunt Hicks Holmes Palmer Wagner Black Robertson Boyd Rose Stone Salazar Fox Warren Mills Meyer Rice "
    "Schmidt Garza Daniels Ferguson Nichols Stephens Soto Weaver Ryan Gardner Payne Grant Dunn Kelley Spencer "
    "Hawkins Arnold Pierce Vazquez Hansen Peters Santos Hart Bradley Knight Elliott Cunningham Duncan Armstrong "
    "Hudson Carroll Lane Riley Andrews Alvarado Ray Delgado Berry Perkins Hoffman Johnston Matthews Pena Richards "
    "Okafor Nakamura Kowalski Novak Haddad Singh Khan Yamamoto Rossi Muller Dubois Ivanova Mensah Osei Larsen"
)
TOWNS = words(
    "Riverside Lakeview Hillcrest Oakwood Maple Grove Cedar Park Brookfield Fairview Springdale Westfield Ashford "
    "Kingsbridge Elmwood Northgate Stonebridge Greenfield Harborview Pinecrest Willowbrook Bayside Clearwater "
    "Summit Meadowbrook Redwood Silverlake Foxhill Highland Glenwood Sunnyvale Millbrook Eastwood Bridgeport"
)
PRACTICES = [
    "Family Practice",
    "Dermatology",
    "Medical Group",
    "Pediatrics",
    "Internal Medicine",
    "Women's Health",
    "Skin & Laser Center",
    "Health Center",
    "Primary Care",
    "Wellness Clinic",
]
# (time zone, currency, weight, tax rates in basis points)
REGIONS = [
    ("America/New_York", "USD", 22, (0, 400, 600, 825, 887)),
    ("America/Chicago", "USD", 16, (0, 625, 725, 825)),
    ("America/Denver", "USD", 8, (0, 290, 560)),
    ("America/Los_Angeles", "USD", 16, (0, 725, 950)),
    ("America/Toronto", "CAD", 8, (500, 1300)),
    ("Europe/London", "GBP", 10, (0, 2000)),
    ("Europe/Berlin", "EUR", 10, (700, 1900)),
    ("Australia/Sydney", "AUD", 10, (0, 1000)),
]
CREDENTIALS = ["MD", "MD", "DO", "NP", "PA-C", "RN"]
# (name, minutes, telehealth: no location)
VISIT_TYPES = [
    ("Follow-up visit", 20, False),
    ("Annual physical", 60, False),
    ("New patient visit", 45, False),
    ("Consultation", 30, False),
    ("Telehealth check-in", 15, True),
    ("Lab draw", 15, False),
    ("Vaccination", 15, False),
    ("Skin check", 30, False),
    ("Procedure", 60, False),
]
VISIT_WEIGHTS = [30, 8, 6, 14, 14, 10, 6, 8, 4]
STREETS = ["Main Street", "Oak Avenue", "Park Road", "Harbor Drive", "Hill Street", "Mill Lane", "Station Road"]
PATIENT_NOTES = [
    "Please come fasting: no food after midnight.",
    "Bring your current medications with you.",
    "We will call you at your phone number on file.",
    "Please arrive 10 minutes early to complete forms.",
    "Bring your insurance card and a photo ID.",
]
INTERNAL_NOTES = [
    "Prefers morning appointments.",
    "Interpreter requested.",
    "Follow up on lab results.",
    "Check blood pressure again.",
    "Referred by Dr. Patel.",
]
# (base name, category, price in cents, requires prescription, requires consultation, taxable, tracked)
CATALOGUE = [
    ("Vitamin D3 2000 IU", Category.SUPPLEMENTS, 1400, False, False, True, True),
    ("Omega-3 Fish Oil", Category.SUPPLEMENTS, 2200, False, False, True, True),
    ("Magnesium Glycinate", Category.SUPPLEMENTS, 1800, False, False, True, True),
    ("Probiotic Daily", Category.SUPPLEMENTS, 2600, False, False, True, True),
    ("Multivitamin for Adults", Category.SUPPLEMENTS, 1700, False, False, True, True),
    ("Daily Mineral Sunscreen SPF 50", Category.COSMETICS, 2800, False, False, True, True),
    ("Gentle Hydrating Cleanser", Category.COSMETICS, 1850, False, False, True, True),
    ("Barrier Repair Moisturizer", Category.COSMETICS, 3200, False, False, True, True),
    ("Vitamin C Serum", Category.COSMETICS, 3900, False, False, True, True),
    ("Blood Pressure Monitor", Category.DEVICES, 5900, False, False, True, True),
    ("Digital Thermometer", Category.DEVICES, 2500, False, False, True, True),
    ("Pulse Oximeter", Category.DEVICES, 3400, False, False, True, True),
    ("Compression Socks", Category.DEVICES, 1900, False, False, True, True),
    ("Benzoyl Peroxide 5% Gel", Category.MEDICATIONS, 1600, False, False, True, True),
    ("Hydrocortisone 1% Cream", Category.MEDICATIONS, 900, False, False, True, True),
    ("Tretinoin Cream 0.025%", Category.MEDICATIONS, 6500, True, False, True, True),
    ("Skin Consultation Voucher", Category.SERVICES, 9500, False, False, False, False),
    ("Chemical Peel Session", Category.SERVICES, 15000, False, True, False, False),
    ("Reusable Ice Roller", Category.OTHER, 1500, False, False, True, True),
    ("Silk Pillowcase", Category.OTHER, 4500, False, False, True, True),
]
VARIANTS = ["", " (travel size)", " (value pack)", " — fragrance-free", " (60 count)", " (refill)"]
DOCUMENT_TYPES = [
    (DocumentType.LAB_RESULT, 30, ["Lipid panel", "Complete blood count", "Metabolic panel", "HbA1c", "Thyroid panel"]),
    (DocumentType.IMAGING_REPORT, 9, ["Chest X-ray report", "Ultrasound report", "Dermatoscopy images"]),
    (DocumentType.CONSENT_FORM, 14, ["Consent to treatment", "Privacy practices acknowledgement", "Procedure consent"]),
    (DocumentType.INTAKE_FORM, 9, ["New patient intake form", "Health history update"]),
    (DocumentType.PRESCRIPTION, 9, ["Prescription", "Prescription renewal"]),
    (DocumentType.REFERRAL, 7, ["Referral letter", "Specialist referral"]),
    (DocumentType.INSURANCE_CARD, 8, ["Insurance card (front and back)"]),
    (DocumentType.INVOICE, 8, ["Invoice", "Statement of account"]),
    (DocumentType.OTHER, 6, ["Correspondence", "Scanned document"]),
]
SIGNABLE = {DocumentType.CONSENT_FORM, DocumentType.INTAKE_FORM}
SHOWN_TO_PATIENTS = {
    DocumentType.LAB_RESULT: 0.8,
    DocumentType.IMAGING_REPORT: 0.8,
    DocumentType.PRESCRIPTION: 0.9,
    DocumentType.INVOICE: 0.9,
    DocumentType.REFERRAL: 0.6,
    DocumentType.INSURANCE_CARD: 0.3,
    DocumentType.OTHER: 0.3,
}
USER_AGENTS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
    "Mozilla/5.0 (Linux; Android 15; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
]
SIGNATURE_DUE_DAYS = 30
INVITATION_DAYS = 7
REJECTION_REASONS = ["Needs an appointment first.", "Not suitable with your current medication."]
MINUTES = [datetime.timedelta(minutes=minute) for minute in range(24 * 60)]
DAY = datetime.timedelta(days=1)
HOUR = datetime.timedelta(hours=1)
FULL = [b"\x01" * slots for slots in range(SLOTS + 1)]  # occupied schedule slots, by length


def skewed_count(rng: random.Random, mean: float) -> int:
    """A count with the given mean and a long tail (many patients have a few rows, some many)."""
    return int(rng.gammavariate(1.6, mean / 1.6) + 0.5)


def expanded(items: Sequence[Any], weights: Sequence[int]) -> list[Any]:
    """A list in which each item appears `weight` times: a weighted pick is one index."""
    return [item for item, weight in zip(items, weights, strict=True) for _ in range(weight)]


DOCUMENT_KINDS = expanded([(kind, titles) for kind, _w, titles in DOCUMENT_TYPES], [w for _k, w, _t in DOCUMENT_TYPES])
CONSENT_SHA256 = text_sha256(CONSENT_TEXT)
ACKNOWLEDGEMENT_SHA256 = text_sha256(ACKNOWLEDGEMENT_TEXT)
EMAIL_SHARE = 0.8  # patients with an email address on file: only they can be invited
# Among patients with an email address: how their record stands in the portal (the rest: never enabled).
PORTAL_SITUATIONS = [
    ("linked", ACCOUNT_SHARE / EMAIL_SHARE),
    ("disabled", 0.01),  # linked once, then the clinic disabled the portal for the record
    ("invited", 0.03),  # an invitation sent in the last days, still open
    ("expired", 0.02),  # an invitation never used
    ("revoked", 0.01),
]
LINES_PER_ORDER = (1, 1, 1, 1, 2, 2, 2, 3, 3, 4)
QUANTITIES = (1, 1, 1, 1, 1, 1, 2, 2, 3)
# Documentation address ranges (RFC 5737): staff at their clinic's address, patients from anywhere.
PATIENT_IPS = [ipaddress.IPv4Address(f"{net}.{host}") for net in ("198.51.100", "192.0.2") for host in range(1, 255)]
LINKED_SHARE = EMAIL_SHARE * (PORTAL_SITUATIONS[0][1] + PORTAL_SITUATIONS[1][1])


# --- The data ----------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Samples:
    """The files every document and signature row points at, stored once."""

    document_name: str
    document_size: int
    document_sha256: str
    document_page_count: int
    signature_image_name: str
    signed_copy_name: str
    signed_copy_sha256: str


def store_samples() -> Samples:
    """The shared sample files, through the default storage as seed_demo writes its files."""
    document_name, document = _sample(
        "scale/sample-document.pdf",
        lambda: demo_pdf(
            "Sample document (scale data set)",
            ["This file stands in for every document of the scale data set used for benchmarks."] * 3,
        ),
    )
    image_name, _image = _sample("scale/sample-signature.png", lambda: typed_signature_png("Sample Patient"))
    copy_name, signed_copy = _sample(
        "scale/sample-signed-copy.pdf",
        lambda: demo_pdf("Signed copy (scale data set)", ["A stand-in for the signed copies of the scale data set."]),
    )
    return Samples(
        document_name=document_name,
        document_size=len(document),
        document_sha256=sha256_hex(document),
        document_page_count=pdf_page_count(document),
        signature_image_name=image_name,
        signed_copy_name=copy_name,
        signed_copy_sha256=sha256_hex(signed_copy),
    )


def _sample(name: str, make: Callable[[], bytes]) -> tuple[str, bytes]:
    """The file stored under `name` by an earlier load, else made and stored now. Reused because
    a PDF made again differs (its creation date), and the rows must be the same for the same seed."""
    if default_storage.exists(name):
        with default_storage.open(name, "rb") as stored:
            return name, stored.read()
    data = make()
    return default_storage.save(name, ContentFile(data)), data


@dataclasses.dataclass(frozen=True, slots=True)
class Account:
    """A user who acts in the rows: staff, or the patient's portal account."""

    id: int
    email: str


@dataclasses.dataclass(frozen=True, slots=True)
class VisitType:
    id: int
    minutes: int
    slots: int
    length: datetime.timedelta
    telehealth: bool


@dataclasses.dataclass(frozen=True, slots=True)
class Visit:
    """What one appointment takes besides its day and provider, drawn in advance: a clinic has
    VISITS of these and each appointment picks one. One draw instead of ten, where draws are
    most of the cost (ten million rows); the mix over many rows is the same."""

    type_id: int
    minutes: int
    length: datetime.timedelta
    slot: int  # first slot of the day
    slots: int  # slots taken
    time: datetime.timedelta  # from local midnight
    lead: datetime.timedelta  # booked this long before
    pick: float  # draws the status
    staff: int  # who booked it and moves its status
    location: int | None
    patient_notes: str
    internal_notes: str


@dataclasses.dataclass(frozen=True, slots=True)
class ShopProduct:
    id: int
    name: str
    sku: str
    price: int
    taxable: bool
    prescription: bool
    consultation: bool
    tracked: bool


@dataclasses.dataclass(slots=True)
class ClinicData:
    """One clinic and what its patients' rows are made from."""

    id: int
    slug: str
    name: str
    currency: str
    tax_rate_bp: int
    features: frozenset[Feature]
    patients: int
    created_at: datetime.datetime
    days: list[datetime.datetime]  # per calendar day: the UTC instant of local midnight
    ip: ipaddress.IPv4Address  # where its staff work from
    staff: list[Account] = dataclasses.field(default_factory=list)  # everyone who acts for the clinic
    providers: list[int] = dataclasses.field(default_factory=list)
    locations: list[int] = dataclasses.field(default_factory=list)
    visits: list[Visit] = dataclasses.field(default_factory=list)
    products: list[ShopProduct] = dataclasses.field(default_factory=list)  # those patients can order
    order_number: int = 1000  # as OrderNumberSequence: the first order is 1001
    occupied: bytearray = dataclasses.field(default_factory=bytearray)  # day × provider × slot, while loading


@dataclasses.dataclass(slots=True)
class PatientData:
    id: int
    clinic: ClinicData
    first_name: str
    last_name: str
    email: str
    created_day: int  # calendar day index
    created_at: datetime.datetime
    benchmark: bool
    account: Account | None = None  # the portal account linked to the record
    linked_day: int = 0
    linked_at: datetime.datetime | None = None


@dataclasses.dataclass
class Counts:
    """What the benchmark patient got, for the summary and the tests."""

    patient_id: int = 0
    appointments: int = 0
    orders: int = 0
    documents: int = 0


class ScaleData:
    """Makes the rows. One seeded random generator drives everything, in a fixed order,
    so the same settings (and the same starting ids) give the same rows."""

    def __init__(self, settings: Settings, writer: Writer, samples: Samples, say: Callable[[str], None]) -> None:
        self.settings = settings
        self.writer = writer
        self.samples = samples
        self.say = say
        self.rng = random.Random(settings.seed)  # noqa: S311 - made-up data, not secrets
        self.random = self.rng.random
        self.now = settings.now
        # The calendar: HISTORY_DAYS back from today (UTC) to FUTURE_DAYS ahead, one index per day.
        self.first_day = settings.now.astimezone(datetime.UTC).date() - datetime.timedelta(days=HISTORY_DAYS)
        self.today_index = HISTORY_DAYS
        self.day_count = HISTORY_DAYS + 1 + FUTURE_DAYS
        # Days to book visits on, weekdays five times as often as weekend days: a draw from
        # booking_days[booking_start[first day]:] is a day from then on.
        self.booking_days: list[int] = []
        self.booking_start: list[int] = []
        for index in range(self.day_count):
            self.booking_start.append(len(self.booking_days))
            weekend = (self.first_day + DAY * index).weekday() >= 5
            self.booking_days.extend([index] * (1 if weekend else 5))
        self.rows: dict[Table, list[Row]] = {table: [] for table in TABLES}
        self.ids = {table: itertools.count(_next_id(table)) for table in TABLES if table is not ORDER_NUMBER}
        self.benchmark = Counts()
        self.clinics: list[ClinicData] = []
        self.orders_per_shopper = 0.0
        self._zone_days: dict[str, list[datetime.datetime]] = {}
        self.done = self.reported = 0  # patients made, and when last said
        self.started = self.last_report = time.perf_counter()

    def take(self, table: Table) -> int:
        return next(self.ids[table])

    # `random.randrange` and `choice` cost several times a scaled `random()`; these run per row.
    def below(self, limit: int) -> int:
        return int(self.random() * limit)

    def pick(self, items: Sequence[Any]) -> Any:
        return items[int(self.random() * len(items))]

    def patient_ip(self) -> ipaddress.IPv4Address:
        return PATIENT_IPS[int(self.random() * len(PATIENT_IPS))]

    def add(self, table: Table, row: Row) -> None:
        self.rows[table].append(row)

    # -- the run

    def run(self) -> None:
        self._clinics()
        self.flush()
        for clinic in self.clinics:
            self._clinic_patients(clinic)
        for clinic in self.clinics:
            if clinic.order_number > 1000:  # the next order a clinic takes continues the numbers
                self.add(ORDER_NUMBER, (clinic.id, clinic.order_number))
        self.flush()

    def flush(self) -> None:
        """Hand the rows made so far to the writer, table by table."""
        for table in TABLES:
            rows = self.rows[table]
            if rows:
                self.writer.write(table, rows)
                self.writer.stats[table.name].rows += len(rows)
                self.rows[table] = []

    def _progress(self) -> None:
        now = time.perf_counter()
        finished = self.done == self.settings.patients
        if self.done != self.reported and (now - self.last_report >= 15 or finished):
            self.last_report, self.reported = now, self.done
            self.say(
                f"  patients {self.done:,} of {self.settings.patients:,} "
                f"({100 * self.done / self.settings.patients:.0f} %), {now - self.started:.0f} s"
            )

    # -- clinics and what they set up

    def _clinics(self) -> None:
        count = self.settings.clinics or default_clinic_count(self.settings.patients)
        for index, size in enumerate(clinic_sizes(self.settings.patients, count)):
            self.clinics.append(self._clinic(index, size))
        for clinic in self.clinics:
            self._staff(clinic)
            self._scheduling_setup(clinic)
            self._products(clinic)
        # Orders come only from portal users of clinics with the shop: the mean per such
        # patient that gives ORDERS_PER_PATIENT over everyone.
        shoppers = LINKED_SHARE * sum(c.patients for c in self.clinics if Feature.SHOP in c.features and c.products)
        self.orders_per_shopper = ORDERS_PER_PATIENT * self.settings.patients / max(1.0, shoppers)

    def _clinic(self, index: int, patients: int) -> ClinicData:
        rng = self.rng
        if index == 0:  # the benchmark clinic: every feature, a sales tax, the largest
            zone, currency, name, slug, tax = "America/New_York", "USD", BIG_CLINIC_NAME, BIG_CLINIC_SLUG, 825
            plan, add_ons = Plan.PREMIUM, [AddOn.PORTAL]
        else:
            zone, currency, _weight, taxes = rng.choices(REGIONS, weights=[region[2] for region in REGIONS])[0]
            name = f"{rng.choice(TOWNS)} {rng.choice(PRACTICES)}"
            slug, tax = f"{slugify(name)}-{index}", rng.choice(taxes)
            plan, add_ons = rng.choices(
                [(Plan.PROFESSIONAL, []), (Plan.PREMIUM, []), (Plan.PREMIUM, [AddOn.PORTAL])], weights=[40, 38, 22]
            )[0]
        created_at = self.now - DAY * (HISTORY_DAYS + 30 + rng.randrange(200))
        clinic_id = self.take(CLINIC)
        add_on_values = [str(add_on) for add_on in add_ons]
        # Contact as a clinic fills it in on its settings page; 555-01xx numbers are fictional.
        town = name.split()[0]
        contact = (
            f"+1 555-01{index % 100:02d}",
            f"frontdesk@{slug}.example",
            f"https://{slug}.example",
            f"{rng.randrange(10, 990)} {rng.choice(STREETS)}",
            "",
            town,
            "",
            f"{rng.randrange(10000, 99999)}",
            "United States" if currency == "USD" else "",
        )
        settings_row = (zone, currency, tax, str(plan), add_on_values, 72)
        self.add(CLINIC, (clinic_id, name, slug, *settings_row, created_at, created_at, *contact))
        return ClinicData(
            id=clinic_id,
            slug=slug,
            name=name,
            currency=currency,
            tax_rate_bp=tax,
            features=features_for(plan, add_on_values),
            patients=patients,
            created_at=created_at,
            days=self._days_in(zone),
            ip=ipaddress.IPv4Address(f"203.0.113.{index % 254 + 1}"),
        )

    def _days_in(self, zone_name: str) -> list[datetime.datetime]:
        """For each calendar day, the UTC instant of local midnight: a local time of that day
        is this plus its hours. The offset is the one at noon, so daylight-saving changes
        (at night) never move the working hours."""
        if zone_name not in self._zone_days:
            zone = zoneinfo.ZoneInfo(zone_name)
            days = []
            for index in range(self.day_count):
                day = self.first_day + DAY * index
                offset = datetime.datetime.combine(day, datetime.time(12), zone).utcoffset() or datetime.timedelta()
                days.append(datetime.datetime.combine(day, datetime.time(0), datetime.UTC) - offset)
            self._zone_days[zone_name] = days
        return self._zone_days[zone_name]

    def _account(self, email: str, first_name: str, last_name: str, joined: datetime.datetime) -> Account:
        """An account that can sign in: the one password hash, and a verified primary address
        (allauth requires one: ACCOUNT_EMAIL_VERIFICATION is "mandatory")."""
        user_id = self.take(USER)
        hashed = self.settings.password_hash
        self.add(USER, (user_id, hashed, None, False, email, first_name, last_name, True, False, joined))
        self.add(EMAIL_ADDRESS, (self.take(EMAIL_ADDRESS), user_id, email, True, True))
        return Account(user_id, email)

    def _staff(self, clinic: ClinicData) -> None:
        """An owner, an admin, front-desk staff and provider accounts, more for bigger clinics.
        The benchmark clinic's owner and its last staff member are the known identities."""
        rng = self.rng
        roles = [Role.OWNER, Role.ADMIN] + [Role.STAFF] * max(2, clinic.patients // 8_000)
        roles += [Role.PROVIDER] * max(1, clinic.patients // 20_000)
        big = clinic.slug == BIG_CLINIC_SLUG
        if big:
            roles.append(Role.STAFF)
        for number, role in enumerate(roles):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            email = f"{role}{number}@{clinic.slug}.staff.example"
            if big and number == 0:
                email, first, last = OWNER_EMAIL, "Olivia", "Owner"
            elif big and number == len(roles) - 1:
                email, first, last = STAFF_EMAIL, "Sam", "Staff"
            joined = clinic.created_at + DAY * rng.randrange(0, 400)
            account = self._account(email, first, last, joined)
            self.add(MEMBERSHIP, (self.take(MEMBERSHIP), account.id, clinic.id, str(role), joined))
            clinic.staff.append(account)

    def _scheduling_setup(self, clinic: ClinicData) -> None:
        rng = self.rng
        created = clinic.created_at + HOUR
        # Enough providers that most visits find a free slot at the first or second try.
        for _ in range(max(2, clinic.patients // 1_000)):
            provider_id = self.take(PROVIDER)
            name = f"Dr. {rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
            self.add(PROVIDER, (provider_id, clinic.id, name, rng.choice(CREDENTIALS), True, created))
            clinic.providers.append(provider_id)
        for number in range(min(5, 1 + clinic.patients // 25_000)):
            location_id = self.take(LOCATION)
            street = STREETS[number % len(STREETS)]
            address = f"{rng.randrange(10, 990)} {street}, {clinic.name.split()[0]}"
            phone = f"+1 555-01{(number * 17 + len(clinic.locations)) % 100:02d}"
            self.add(LOCATION, (location_id, clinic.id, f"{street} Office", address, phone, True, created))
            clinic.locations.append(location_id)
        chosen = sorted({0, *rng.sample(range(len(VISIT_TYPES)), rng.randrange(4, len(VISIT_TYPES) + 1))})
        types, weights = [], []
        for position, index in enumerate(chosen):  # every clinic has follow-up visits (index 0)
            name, minutes, telehealth = VISIT_TYPES[index]
            type_id = self.take(APPOINTMENT_TYPE)
            colour = TYPE_COLOURS[position % len(TYPE_COLOURS)][0]
            self.add(APPOINTMENT_TYPE, (type_id, clinic.id, name, minutes, colour, True, created))
            slots = -(-minutes // SLOT_MINUTES)
            types.append(VisitType(type_id, minutes, slots, datetime.timedelta(minutes=minutes), telehealth))
            weights.append(VISIT_WEIGHTS[index])
        clinic.visits = [self._visit(clinic, rng.choices(types, weights)[0]) for _ in range(VISITS)]

    def _visit(self, clinic: ClinicData, kind: VisitType) -> Visit:
        rng = self.rng
        slot = rng.randrange(SLOTS - kind.slots + 1)
        return Visit(
            type_id=kind.id,
            minutes=kind.minutes,
            length=kind.length,
            slot=slot,
            slots=kind.slots,
            time=MINUTES[DAY_START_HOUR * 60 + slot * SLOT_MINUTES],
            lead=MINUTES[1] * rng.randrange(30, 60 * 24 * 60),
            pick=rng.random(),
            staff=rng.choice(clinic.staff).id,
            location=None if kind.telehealth else rng.choice(clinic.locations),
            patient_notes=rng.choice(PATIENT_NOTES) if rng.random() < 0.15 else "",
            internal_notes=rng.choice(INTERNAL_NOTES) if rng.random() < 0.1 else "",
        )

    def _products(self, clinic: ClinicData) -> None:
        """A catalogue for every clinic (staff list it even without the shop), with its opening stock."""
        rng = self.rng
        owner = clinic.staff[0]
        created = clinic.created_at + DAY
        for number in range(min(250, 20 + clinic.patients // 1_000)):
            base, category, price, prescription, consultation, taxable, tracked = CATALOGUE[number % len(CATALOGUE)]
            name = base + VARIANTS[(number // len(CATALOGUE)) % len(VARIANTS)]
            if number >= len(CATALOGUE) * len(VARIANTS):
                name += f" #{number}"
            price = max(100, price + rng.randrange(-4, 5) * 50)
            stock = rng.randrange(0, 120) if tracked else 0
            visible, active = rng.random() > 0.05, rng.random() > 0.03
            product_id = self.take(PRODUCT)
            sku = f"{str(category)[:3].upper()}-{number + 1:04d}"
            self.add(
                PRODUCT,
                (
                    product_id,
                    clinic.id,
                    name,
                    sku,
                    str(category),
                    f"{base}. Sold at {clinic.name}.",
                    "",
                    "",
                    price,
                    price // 2,
                    taxable,
                    tracked,
                    stock,
                    5,
                    20,
                    consultation,
                    prescription,
                    18 if prescription else 0,
                    visible,
                    active,
                    created,
                    created,
                ),
            )
            if tracked and stock:
                self.add(
                    STOCK_ADJUSTMENT,
                    (
                        self.take(STOCK_ADJUSTMENT),
                        clinic.id,
                        product_id,
                        stock,
                        stock,
                        str(StockReason.RESTOCK),
                        "Opening stock",
                        owner.id,
                        None,
                        created,
                    ),
                )
            if visible and active:
                product = ShopProduct(product_id, name, sku, price, taxable, prescription, consultation, tracked)
                clinic.products.append(product)

    # -- patients and everything that hangs off them

    def _clinic_patients(self, clinic: ClinicData) -> None:
        # The providers' schedule grid, to book free slots; needed for one clinic at a time.
        clinic.occupied = bytearray(self.day_count * len(clinic.providers) * SLOTS)
        for number in range(clinic.patients):
            self._patient(clinic, benchmark=clinic.slug == BIG_CLINIC_SLUG and number == 0)
            self.done += 1
            if self.done % CHUNK_PATIENTS == 0:
                self.flush()
                self._progress()
        clinic.occupied = bytearray()
        self.flush()
        self._progress()

    def _patient(self, clinic: ClinicData, *, benchmark: bool) -> None:
        rng = self.rng
        first, last = self.pick(FIRST_NAMES), self.pick(LAST_NAMES)
        patient_id = self.take(PATIENT)
        # Arrived some time in the last five years (the benchmark patient at the start), before opening time.
        created_day = 0 if benchmark else self.below(self.today_index - 6)
        created_at = clinic.days[created_day] + MINUTES[7 * 60 + self.below(60)]
        email = f"{first}.{last}.{patient_id}@mail.example".lower() if rng.random() < EMAIL_SHARE else ""
        situation = self._portal_situation(bool(email))
        if benchmark:
            email, situation = PATIENT_EMAIL, "linked"
        patient = PatientData(patient_id, clinic, first, last, email, created_day, created_at, benchmark)
        portal_status, changed_at = self._portal(patient, situation)
        born = datetime.date(1930, 1, 1) + DAY * self.below(33_000)
        phone = f"+1 555 {self.below(10_000_000):07d}" if rng.random() < 0.85 else ""
        self.add(
            PATIENT,
            (
                patient_id,
                clinic.id,
                first,
                last,
                min(born, self.first_day + DAY * HISTORY_DAYS),
                email,
                phone,
                portal_status,
                changed_at,
                created_at,
                changed_at or created_at,
            ),
        )
        if rng.random() < 0.6:  # the others were imported before the portal kept an audit trail
            self._audit(created_at, self.pick(clinic.staff), clinic, patient_id, "patients.patient.created")
        count = BENCHMARK_PATIENT_ROWS if benchmark else None
        self._appointments(patient, count)
        if patient.account is not None and Feature.SHOP in clinic.features and clinic.products:
            self._orders(patient, count)
        self._documents(patient, count)
        if benchmark:
            self.benchmark.patient_id = patient_id

    def _portal_situation(self, has_email: bool) -> str:
        pick = self.rng.random()
        if not has_email:
            return "none"
        for situation, share in PORTAL_SITUATIONS:
            if pick < share:
                return situation
            pick -= share
        return "none"

    def _portal(self, patient: PatientData, situation: str) -> tuple[str, datetime.datetime | None]:
        """The record's portal status and when it last changed; for a linked record the account,
        its link and the accepted invitation, for the others the invitation as it stands."""
        if situation == "none":
            return str(PortalStatus.NOT_ENABLED), None
        clinic = patient.clinic
        staff = self.pick(clinic.staff)
        if situation == "invited":  # in the last four days
            sent = self.now - MINUTES[60 + self.below(1380)] * (1 + self.below(4))
        else:  # at least eight days ago, so an unused one has expired
            sent = patient.created_at + DAY * self.below(max(1, self.today_index - patient.created_day - 8))
        invitation_id = self.take(INVITATION)
        token_hash = hashlib.sha256(f"scale:{self.settings.seed}:{invitation_id}".encode()).hexdigest()
        accepted_by = accepted_at = revoked_by = revoked_at = None
        status, portal_status, changed_at = InvitationStatus.PENDING, PortalStatus.ENABLED, sent
        if situation in ("linked", "disabled"):
            accepted_at = sent + MINUTES[5 + self.below(1435)]
            account = self._account(patient.email, patient.first_name, patient.last_name, accepted_at)
            accepted_by, status = account.id, InvitationStatus.ACCEPTED
            patient.account, patient.linked_at = account, accepted_at
            patient.linked_day = (accepted_at.date() - self.first_day).days + 1
            link_status, link_changed = PortalAccessStatus.ACTIVE, accepted_at
            if situation == "disabled":
                link_changed = min(accepted_at + DAY * (1 + self.below(59)), self.now)
                link_status, portal_status, changed_at = (
                    PortalAccessStatus.DISABLED,
                    PortalStatus.DISABLED,
                    link_changed,
                )
            self.add(
                PORTAL_ACCESS,
                (
                    self.take(PORTAL_ACCESS),
                    account.id,
                    patient.id,
                    clinic.id,
                    str(link_status),
                    accepted_at,
                    link_changed,
                ),
            )
        elif situation == "revoked":
            revoked_by, revoked_at, status = staff.id, sent + HOUR * (1 + self.below(71)), InvitationStatus.REVOKED
        self.add(
            INVITATION,
            (
                invitation_id,
                clinic.id,
                patient.id,
                patient.email,
                token_hash,
                str(status),
                staff.id,
                sent,
                sent + DAY * INVITATION_DAYS,
                accepted_by,
                accepted_at,
                revoked_by,
                revoked_at,
            ),
        )
        return str(portal_status), changed_at

    def _appointments(self, patient: PatientData, count: int | None) -> None:
        """Visits on free slots of the clinic's providers, from when the patient arrived (at most
        four years back) to three months ahead, weekends quieter. Ten rows a patient: the
        hottest loop, hence the local names and the pre-drawn visits (`Visit`)."""
        random_ = self.random
        clinic = patient.clinic
        days, start = self.booking_days, self.booking_start[max(APPOINTMENT_START_DAY, patient.created_day)]
        span = len(days) - start
        visits, providers, occupied, day_starts = clinic.visits, clinic.providers, clinic.occupied, clinic.days
        provider_count = len(providers)
        add, ids = self.rows[APPOINTMENT].append, self.ids[APPOINTMENT]
        wanted = skewed_count(self.rng, APPOINTMENTS_PER_PATIENT) if count is None else count
        for _ in range(wanted):
            for _attempt in range(12):  # a free slot; after that, double-book (it happens)
                day = days[start + int(random_() * span)]
                visit = visits[int(random_() * VISITS)]
                provider = int(random_() * provider_count)
                cell = (day * provider_count + provider) * SLOTS + visit.slot
                if occupied.find(1, cell, cell + visit.slots) < 0:
                    break
            occupied[cell : cell + visit.slots] = FULL[visit.slots]
            add(self._appointment(next(ids), patient, providers[provider], visit, day_starts[day] + visit.time))
        if patient.benchmark:
            self.benchmark.appointments = wanted

    def _appointment(
        self, appointment_id: int, patient: PatientData, provider: int, visit: Visit, starts: datetime.datetime
    ) -> Row:
        """One appointment. Its status follows the clock, reached from "scheduled" along the table
        (with when it last moved): past visits mostly completed, some cancelled or missed; those
        under way checked in; future ones scheduled, confirmed or cancelled."""
        now = self.now
        ends = starts + visit.length
        # Booked up to two months ahead, never before the patient arrived nor after now.
        booked = max(min(starts - visit.lead, now), patient.created_at)
        pick = visit.pick
        if ends <= now:
            if pick < 0.8:
                status, changed = AppointmentStatus.COMPLETED, ends
            elif pick < 0.93:
                status, changed = AppointmentStatus.CANCELLED, booked + (starts - booked) / 2
            else:
                status, changed = AppointmentStatus.NO_SHOW, min(ends + HOUR, now)
        elif starts <= now:
            status, changed = AppointmentStatus.CHECKED_IN, starts - MINUTES[5]
        elif pick < 0.55:
            status, changed = AppointmentStatus.SCHEDULED, None
        elif pick < 0.9:
            status, changed = AppointmentStatus.CONFIRMED, max(booked, min(starts - 2 * DAY, now))
        else:
            status, changed = AppointmentStatus.CANCELLED, min(booked + HOUR, now)
        return (
            appointment_id,
            patient.clinic.id,
            patient.id,
            provider,
            visit.type_id,
            visit.location,
            starts,
            visit.minutes,
            ends,
            status,
            visit.patient_notes,
            visit.internal_notes,
            visit.staff,
            booked,
            changed or booked,
            changed,
            visit.staff if changed else None,
        )

    # -- orders

    def _orders(self, patient: PatientData, count: int | None) -> None:
        """Orders placed in the portal since the account was linked (and in the last three years)."""
        rng = self.rng
        clinic = patient.clinic
        wanted = skewed_count(rng, self.orders_per_shopper) if count is None else count
        first = max(ORDER_START_DAY, patient.linked_day)
        span = self.today_index + 1 - first
        if span <= 0:
            wanted = 0
        for _ in range(wanted):
            day = first + self.below(span)
            placed = min(clinic.days[day] + MINUTES[8 * 60 + self.below(14 * 60)], self.now - MINUTES[1])
            self._order(patient, max(placed, patient.linked_at or placed))
        if patient.benchmark:
            self.benchmark.orders = wanted

    def _order(self, patient: PatientData, placed: datetime.datetime) -> None:
        rng = self.rng
        clinic = patient.clinic
        account = patient.account
        assert account is not None  # only portal users order
        order_id = self.take(ORDER)
        clinic.order_number += 1
        lines = rng.sample(clinic.products, min(len(clinic.products), self.pick(LINES_PER_ORDER)))
        quantities = [self.pick(QUANTITIES) for _ in lines]
        subtotal = sum(line.price * quantity for line, quantity in zip(lines, quantities, strict=True))
        taxable = sum(line.price * quantity for line, quantity in zip(lines, quantities, strict=True) if line.taxable)
        tax = tax_cents(taxable_subtotal_cents=taxable, rate_bp=clinic.tax_rate_bp)
        for line, quantity in zip(lines, quantities, strict=True):
            self.add(
                ORDER_ITEM,
                (
                    self.take(ORDER_ITEM),
                    order_id,
                    line.id,
                    line.name,
                    line.sku,
                    line.price,
                    quantity,
                    line.taxable,
                    line.prescription,
                    line.consultation,
                    line.tracked,
                ),
            )
        restricted = any(line.prescription or line.consultation for line in lines)
        walk = OrderWalk(self, clinic, order_id, account, placed, subtotal + tax)
        walk.run(restricted=restricted)
        self.add(
            ORDER,
            (
                order_id,
                clinic.id,
                patient.id,
                str(clinic.order_number),
                walk.status,
                walk.payment,
                walk.approval,
                clinic.currency,
                clinic.tax_rate_bp,
                subtotal,
                taxable,
                tax,
                subtotal + tax,
                "",
                walk.rejection,
                walk.cancellation,
                account.id,
                placed,
                walk.at,
                walk.payable_since,
                walk.paid_at,
            ),
        )
        metadata = {"total_cents": subtotal + tax, "needs_approval": restricted}
        target = ("orders.order", order_id)
        self._audit(placed, account, clinic, patient.id, "orders.order.placed", target, metadata, self.patient_ip())

    # -- documents and signatures

    def _documents(self, patient: PatientData, count: int | None) -> None:
        """Uploaded by staff since the patient arrived, all pointing at the one sample file;
        consent and intake forms are sent for signing where the plan has it."""
        rng = self.rng
        clinic = patient.clinic
        samples = self.samples
        signing = Feature.DOCUMENT_SIGNING in clinic.features
        wanted = skewed_count(rng, DOCUMENTS_PER_PATIENT) if count is None else count
        for _ in range(wanted):
            doc_type, titles = DOCUMENT_KINDS[int(rng.random() * len(DOCUMENT_KINDS))]
            day = patient.created_day + self.below(self.today_index + 1 - patient.created_day)
            uploaded = min(clinic.days[day] + MINUTES[8 * 60 + self.below(10 * 60)], self.now - MINUTES[1])
            uploaded = max(uploaded, patient.created_at)
            staff = clinic.staff[int(rng.random() * len(clinic.staff))]
            ask = signing and doc_type in SIGNABLE and rng.random() < 0.85
            visible = ask or rng.random() < SHOWN_TO_PATIENTS.get(doc_type, 0.5)
            document_id = self.take(DOCUMENT)
            self.add(
                DOCUMENT,
                (
                    document_id,
                    clinic.id,
                    patient.id,
                    str(doc_type),
                    rng.choice(titles),
                    "",
                    samples.document_name,
                    "application/pdf",
                    samples.document_size,
                    samples.document_sha256,
                    samples.document_page_count,
                    visible,
                    staff.id,
                    uploaded,
                ),
            )
            metadata = {"type": str(doc_type), "content_type": "application/pdf", "size": samples.document_size}
            target = ("documents.document", document_id)
            self._audit(uploaded, staff, clinic, patient.id, "documents.document.uploaded", target, metadata)
            if ask:
                self._signature_request(patient, document_id, staff, uploaded)
        if patient.benchmark:
            self.benchmark.documents = wanted

    def _signature_request(
        self, patient: PatientData, document_id: int, staff: Account, requested: datetime.datetime
    ) -> None:
        """Asked when uploaded, due in 30 days: most portal users sign, staff withdraw now and
        then; the rest stay pending (which reads as expired once the due date has passed)."""
        rng = self.rng
        clinic = patient.clinic
        request_id = self.take(SIGNATURE_REQUEST)
        expires = requested + DAY * SIGNATURE_DUE_DAYS
        signed_at = requested + MINUTES[10 + self.below(1430)] * (1 + self.below(19))
        pick = rng.random()
        status, withdrawn_by, withdrawn_at = SignatureStatus.PENDING, None, None
        self._signature_event(request_id, SignatureEventKind.REQUESTED, staff.id, requested, clinic.ip)
        target = ("documents.signaturerequest", request_id)
        metadata = {"due_days": SIGNATURE_DUE_DAYS, "again": False}
        self._audit(requested, staff, clinic, patient.id, "documents.signature.requested", target, metadata)
        signer = patient.account
        if signer and pick < 0.7 and (patient.linked_at or self.now) < signed_at < min(expires, self.now):
            status = SignatureStatus.SIGNED
            self._signature(patient, signer, request_id, signed_at)
        elif pick > 0.92 and requested + DAY < self.now:
            status, withdrawn_by, withdrawn_at = SignatureStatus.WITHDRAWN, staff.id, requested + DAY
            kind = SignatureEventKind.WITHDRAWN
            self._signature_event(request_id, kind, staff.id, withdrawn_at, clinic.ip)
        self.add(
            SIGNATURE_REQUEST,
            (
                request_id,
                document_id,
                clinic.id,
                patient.id,
                str(status),
                staff.id,
                requested,
                expires,
                withdrawn_by,
                withdrawn_at,
            ),
        )

    def _signature(self, patient: PatientData, signer: Account, request_id: int, signed_at: datetime.datetime) -> None:
        """The evidence of a typed signature, pointing at the shared sample image and signed copy."""
        samples = self.samples
        ip, agent = self.patient_ip(), self.pick(USER_AGENTS)
        for kind, minutes_before in (
            (SignatureEventKind.OPENED, 3),
            (SignatureEventKind.CONSENTED, 1),
            (SignatureEventKind.SIGNED, 0),
        ):
            self._signature_event(request_id, kind, signer.id, signed_at - MINUTES[minutes_before], ip, agent)
        self.add(
            SIGNATURE,
            (
                self.take(SIGNATURE),
                request_id,
                patient.clinic.id,
                patient.id,
                signer.id,
                signer.email,
                f"{patient.first_name} {patient.last_name}",
                str(SignatureMethod.TYPED),
                samples.signature_image_name,
                [],
                signed_at,
                ip,
                agent,
                CONSENT_VERSION,
                CONSENT_SHA256,
                ACKNOWLEDGEMENT_VERSION,
                ACKNOWLEDGEMENT_SHA256,
                "en",
                samples.document_sha256,
                samples.signed_copy_name,
                samples.signed_copy_sha256,
            ),
        )
        target = ("documents.signaturerequest", request_id)
        metadata = {"from": str(SignatureStatus.PENDING), "to": str(SignatureStatus.SIGNED)}
        self._audit(signed_at, signer, patient.clinic, patient.id, "documents.signature.signed", target, metadata, ip)

    def _signature_event(
        self,
        request_id: int,
        kind: str,
        actor: int,
        at: datetime.datetime,
        ip: ipaddress.IPv4Address,
        agent: str = USER_AGENTS[0],
    ) -> None:
        self.add(SIGNATURE_EVENT, (self.take(SIGNATURE_EVENT), request_id, str(kind), actor, at, ip, agent))

    # -- audit

    def _audit(
        self,
        at: datetime.datetime,
        actor: Account,
        clinic: ClinicData,
        patient_id: int,
        action: str,
        target: tuple[str, int] | None = None,
        metadata: Mapping[str, object] | None = None,
        ip: ipaddress.IPv4Address | None = None,
    ) -> None:
        """One event as `audit.record` writes it. `target` is the object (the patient when not
        given); `ip` the client's address (staff work from the clinic's)."""
        object_type, object_id = target or ("patients.patient", patient_id)
        self.rows[AUDIT].append(
            (
                next(self.ids[AUDIT]),
                at,
                actor.id,
                actor.email,
                clinic.id,
                patient_id,
                action,
                object_type,
                str(object_id),
                ip or clinic.ip,
                self.pick(USER_AGENTS),
                f"{self.rng.getrandbits(128):032x}",  # the request id, a uuid4 hex in the app
                metadata or {},
            )
        )


class OrderWalk:
    """One order's life along the three machines of `orders.choices`, from being placed to
    where the clock stops it. Each move is an OrderEvent at its time, as the services write
    them (the payment provider's and the unpaid timer's moves with no actor, staff moves by a
    staff account). A step that would come after "now" is not taken, so recent orders wait
    in the early states (awaiting approval, unpaid, processing, ready) and old ones are done."""

    def __init__(
        self,
        data: ScaleData,
        clinic: ClinicData,
        order_id: int,
        patient_account: Account,
        placed: datetime.datetime,
        total: int,
    ) -> None:
        self.data = data
        self.rng = data.rng
        self.clinic = clinic
        self.order_id = order_id
        self.total = total
        self.at = placed
        self.status, self.payment, self.approval = "", str(PaymentStatus.UNPAID), str(Approval.NOT_NEEDED)
        self.payable_since: datetime.datetime | None = None
        self.paid_at: datetime.datetime | None = None
        self.rejection = self.cancellation = ""
        self.staff = clinic.staff[int(self.rng.random() * len(clinic.staff))]
        self.move("status", OrderStatus.PENDING, patient_account.id, placed)

    def move(self, machine: str, to: str, actor: int | None, at: datetime.datetime, note: str = "") -> None:
        current = {"status": self.status, "payment": self.payment, "approval": self.approval}[machine]
        event = (self.data.take(ORDER_EVENT), self.order_id, machine, current, str(to), actor, note, at)
        self.data.add(ORDER_EVENT, event)
        setattr(self, machine, str(to))
        self.at = at

    def later(self, low_minutes: int, high_minutes: int) -> datetime.datetime | None:
        """A moment after the last move, or None if it would come after now (the walk stops)."""
        at = self.at + MINUTES[1] * (low_minutes + self.data.below(high_minutes - low_minutes))
        return at if at <= self.data.now else None

    def run(self, *, restricted: bool) -> None:
        if restricted and not self.approve():
            return
        self.payable_since = self.at
        if self.rng.random() < 0.09:
            self.never_paid()
        elif self.pay():
            self.fulfil()

    def approve(self) -> bool:
        """Awaiting approval; then approved (payable from then on) or rejected (and cancelled)."""
        self.approval = str(Approval.AWAITING)
        at = self.later(60, 48 * 60)
        if at is None:
            return False
        if self.rng.random() < 0.1:
            self.rejection = self.cancellation = self.rng.choice(REJECTION_REASONS)
            self.move("approval", Approval.REJECTED, self.staff.id, at, self.rejection)
            self.move("status", OrderStatus.CANCELLED, self.staff.id, at, self.cancellation)
            return False
        self.move("approval", Approval.APPROVED, self.staff.id, at)
        return True

    def never_paid(self) -> None:
        """Sometimes a declined card first; cancelled by the unpaid-order timer after 72 hours."""
        if self.rng.random() < 0.3 and not self.declined():
            return
        assert self.payable_since is not None
        timer = self.payable_since + 72 * HOUR
        if timer <= self.data.now:
            self.cancellation = "Not paid within 72 hours."
            self.move("status", OrderStatus.CANCELLED, None, timer, self.cancellation)

    def declined(self) -> bool:
        at = self.later(1, 60)
        if at is None:
            return False
        self.attempt(PaymentAttemptStatus.FAILED, at, at)
        self.move("payment", PaymentStatus.FAILED, None, at)
        return True

    def pay(self) -> bool:
        """Paid (after a declined card now and then), then processing; a few are refunded by
        staff and cancelled. True if the order goes on to be prepared."""
        if self.rng.random() < 0.04 and not self.declined():
            return False
        at = self.later(1, 600)
        if at is None:
            return False
        refund_at = None
        if self.rng.random() < 0.03:
            refund_at = at + MINUTES[1] * (60 + self.data.below(47 * 60))
            refund_at = refund_at if refund_at <= self.data.now else None
        status = PaymentAttemptStatus.SUCCEEDED if refund_at is None else PaymentAttemptStatus.REFUNDED
        payment_id = self.attempt(status, at, refund_at or at)
        self.move("payment", PaymentStatus.PAID, None, at)
        self.move("status", OrderStatus.PROCESSING, None, at)
        self.paid_at = at
        if refund_at is None:
            return True
        self.cancellation = "Cancelled by the clinic at the patient's request."
        self.data.add(
            REFUND,
            (
                self.data.take(REFUND),
                payment_id,
                self.total,
                f"re_scale_{payment_id}",
                self.cancellation,
                self.staff.id,
                refund_at,
            ),
        )
        self.move("payment", PaymentStatus.REFUNDED, self.staff.id, refund_at)
        self.move("status", OrderStatus.CANCELLED, self.staff.id, refund_at, self.cancellation)
        return False

    def fulfil(self) -> None:
        at = self.later(4 * 60, 72 * 60)
        if at is not None:
            self.move("status", OrderStatus.READY, self.staff.id, at)
            at = self.later(2 * 60, 7 * 24 * 60)
            if at is not None:
                self.move("status", OrderStatus.COMPLETED, self.staff.id, at)

    def attempt(self, status: str, at: datetime.datetime, updated: datetime.datetime) -> int:
        """One checkout at the provider, as the payments app records it."""
        payment_id = self.data.take(PAYMENT)
        charge = "" if status == PaymentAttemptStatus.FAILED else f"pi_scale_{payment_id}"
        self.data.add(
            PAYMENT,
            (
                payment_id,
                self.clinic.id,
                self.order_id,
                "stripe",
                f"cs_scale_{payment_id}",
                charge,
                self.total,
                self.clinic.currency,
                str(status),
                "",
                "",
                at - MINUTES[2],
                updated,
            ),
        )
        return payment_id


def _next_id(table: Table) -> int:
    """Ids are given explicitly (rows refer to each other before they are written); they
    follow whatever the table already holds (an operator's account, say)."""
    largest = table.model._default_manager.aggregate(largest=models.Max("pk"))["largest"]
    return (largest or 0) + 1


# --- The run -------------------------------------------------------------------------------------------


@dataclasses.dataclass
class Result:
    clinic_slug: str
    clinic_name: str
    clinic_patients: int
    benchmark: Counts
    stats: dict[str, TableStats]
    load_seconds: float  # making and writing the rows (the writer works beside the generator)
    index_seconds: float
    analyze_seconds: float
    analyze_command: str
    total_seconds: float
    method: str


def load(settings: Settings, say: Callable[[str], None]) -> Result:
    """Fill an empty database with the scale data set; see the module's docstring."""
    started = time.perf_counter()
    check_arguments(settings.patients, settings.clinics)
    check_database_is_empty()
    method = settings.method
    if method == "auto":
        method = "copy" if connection.vendor == "postgresql" else "insert"
    if method == "copy" and connection.vendor != "postgresql":
        raise ScaleError("--method copy needs PostgreSQL.")
    stats = {table.name: TableStats() for table in TABLES}
    writer: Writer = (
        CopyWriter(stats, rebuild_indexes=settings.rebuild_indexes) if method == "copy" else InsertWriter(stats)
    )
    samples = store_samples()
    say(f"Loading {settings.patients:,} patients ({method}, {connection.vendor}).")
    with transaction.atomic():
        data = ScaleData(settings, writer, samples, say)
        writer.start(say)
        try:
            load_started = time.perf_counter()
            data.run()
            writer.stop()  # the last chunk written; a failure of the writer raised here
            load_seconds = time.perf_counter() - load_started
            index_started = time.perf_counter()
            writer.finish(say)
            index_seconds = time.perf_counter() - index_started
        finally:
            # After an error: the writer must be done with the connection before the rollback.
            writer.stop(raise_failure=False)
        _reset_sequences()
    analyze_command, analyze_seconds = _analyze(say, vacuum=settings.vacuum)
    big = data.clinics[0]
    return Result(
        clinic_slug=big.slug,
        clinic_name=big.name,
        clinic_patients=big.patients,
        benchmark=data.benchmark,
        stats=stats,
        load_seconds=load_seconds,
        index_seconds=index_seconds,
        analyze_seconds=analyze_seconds,
        analyze_command=analyze_command,
        total_seconds=time.perf_counter() - started,
        method=method,
    )


def _reset_sequences() -> None:
    """Move the id sequences past the ids given (PostgreSQL; SQLite's AUTOINCREMENT follows by itself)."""
    statements = connection.ops.sequence_reset_sql(no_style(), [table.model for table in TABLES])
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def _analyze(say: Callable[[str], None], *, vacuum: bool) -> tuple[str, float]:
    """Statistics for the planner. On PostgreSQL VACUUM as well where it may run (not inside
    an outer transaction, as in tests): it marks the pages all-visible, so counts can use
    index-only scans as on a database that has been running a while, and leaves nothing for
    autovacuum to do in the middle of a benchmark."""
    started = time.perf_counter()
    postgres = connection.vendor == "postgresql"
    command = "VACUUM (ANALYZE)" if postgres and vacuum and not connection.in_atomic_block else "ANALYZE"
    with connection.cursor() as cursor:
        if postgres:
            for table in TABLES:
                cursor.execute(f"{command} {_qn(table.name)}")
        else:
            cursor.execute("ANALYZE")
    say(f"  {command} in {_seconds(started)}")
    return command, time.perf_counter() - started


def table_sizes(limit: int = 12) -> list[tuple[str, str, str]]:
    """The biggest tables and indexes (name, kind, size with its TOAST), PostgreSQL only."""
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, CASE c.relkind WHEN 'i' THEN 'index' ELSE 'table' END, "
            "pg_size_pretty(pg_table_size(c.oid)) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i') "
            "ORDER BY pg_table_size(c.oid) DESC LIMIT %s",
            [limit],
        )
        return [(name, kind, size) for name, kind, size in cursor.fetchall()]


def database_size() -> str:
    if connection.vendor != "postgresql":
        return ""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        row = cursor.fetchone()
    return str(row[0]) if row else ""


def summary_lines(result: Result) -> Iterable[str]:
    yield f"{'table':32} {'rows':>12} {'writer s':>9} {'index s':>9}"
    for name, stats in result.stats.items():
        if stats.rows:
            yield f"{name:32} {stats.rows:>12,} {stats.write_seconds:>9.1f} {stats.index_seconds:>9.1f}"
    yield f"{'total':32} {sum(stats.rows for stats in result.stats.values()):>12,}"
    yield (
        f"Rows made and written in {result.load_seconds:.0f} s, keys, indexes and foreign keys in "
        f"{result.index_seconds:.0f} s, {result.analyze_command} in {result.analyze_seconds:.0f} s; "
        f"{result.total_seconds:.0f} s in all."
    )
