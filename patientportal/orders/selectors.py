import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import cast

from django.db.models import Count, IntegerField, Q, QuerySet, Subquery
from django.http import Http404

from patientportal.clinics.models import Clinic
from patientportal.orders.choices import Approval, OrderStatus
from patientportal.orders.models import Order
from patientportal.patients.models import Patient
from patientportal.patients.selectors import patient_page, patient_query, rows_beyond

# The filters of each queue of the staff orders page.
STAFF_QUEUES: dict[str, dict[str, object]] = {
    "awaiting": {"approval": Approval.AWAITING, "status": OrderStatus.PENDING},
    "to_prepare": {"status": OrderStatus.PROCESSING},
    "ready": {"status": OrderStatus.READY},
    "unpaid": {"status": OrderStatus.PENDING, "approval__in": [Approval.NOT_NEEDED, Approval.APPROVED]},
    "all": {},
}
# A search of the queue looks for the orders of at most this many patients (the first by
# name, as the patient list shows them): a common name in a big clinic matches hundreds.
SEARCH_PATIENTS_UP_TO = 50
# "All orders" is the record of every order: the latest are what is looked for. The
# other queues are work to do, first come first served.
NEWEST_FIRST_QUEUES = frozenset({"all"})


def orders_for_patient(*, patient: Patient) -> QuerySet[Order]:
    return Order.objects.for_patient(patient).order_by("-created_at", "-id")


def order_get_for_patient(*, patient: Patient, order_id: int) -> Order:
    """Scoped to the patient: another patient's or clinic's order is 404 (numbers are never looked up)."""
    try:
        order = Order.objects.for_patient(patient).select_related("clinic").get(pk=order_id)
    except Order.DoesNotExist:
        raise Http404 from None
    order.patient = patient
    return order


def order_get_for_clinic(*, clinic: Clinic, order_id: int) -> Order:
    try:
        order = Order.objects.for_clinic(clinic).select_related("patient").get(pk=order_id)
    except Order.DoesNotExist:
        raise Http404 from None
    order.clinic = clinic
    return order


@dataclass(frozen=True)
class OrderPage:
    orders: list[Order]
    has_previous: bool
    has_next: bool
    newest_first: bool


@dataclass(frozen=True)
class OrderSearch:
    """What the search box of the queue found, before the orders are read: the order with
    exactly that number, and the patients the patient search finds (their ids, at most
    SEARCH_PATIENTS_UP_TO of them; `more_patients` if more matched)."""

    numbered: Order | None
    patient_ids: list[int]
    more_patients: bool
    kind: str  # what the text was read as, for the audit event: "name", "phone", ...


def order_search(*, clinic: Clinic, text: str) -> OrderSearch:
    """Reads the queue's search box: the order number, exactly (order_number_unique_per_clinic),
    and the patients the patients' own search finds (patients.selectors.patient_page: its
    indexes, its order by name), bounded. Two queries, whatever the clinic's size."""
    number = text.strip().removeprefix("#").strip()
    numbered = (
        Order.objects.for_clinic(clinic).filter(number=number).select_related("patient").first() if number else None
    )
    query = patient_query(text)
    patients = patient_page(clinic=clinic, query=query, size=SEARCH_PATIENTS_UP_TO)
    return OrderSearch(
        numbered=numbered,
        patient_ids=[patient.pk for patient in patients.patients],
        more_patients=patients.has_next,
        kind=str(query.kind),
    )


def staff_queue_page(
    *,
    clinic: Clinic,
    queue: str,
    size: int,
    after: int | None = None,
    before: int | None = None,
    patient_ids: Sequence[int] | None = None,
    leaving_out: int | None = None,
) -> OrderPage:
    """One page of a staff queue: the first, or the page after the order `after` or
    before the order `before` (ids; its place in the order is looked up in the same
    query). Ordered by when the order was placed, then id, so orders placed at the same
    moment keep their place; the indexes order_queue_idx and order_queue_status_idx give
    that order, and no total is counted. An id that is not one of the clinic's orders
    gives an empty page: the caller starts again at the first. With `patient_ids`, only
    those patients' orders (a search, or one patient's orders: the index on (patient,
    created_at) finds them), without the order `leaving_out` (shown on its own)."""
    newest_first = queue in NEWEST_FIRST_QUEUES
    if patient_ids is not None and not patient_ids:
        return OrderPage([], has_previous=False, has_next=False, newest_first=newest_first)
    orders = Order.objects.for_clinic(clinic).filter(**STAFF_QUEUES.get(queue, STAFF_QUEUES["all"]))
    if patient_ids is not None:
        orders = orders.filter(patient_id__in=list(patient_ids))
    if leaving_out is not None:
        orders = orders.exclude(pk=leaving_out)
    cursor_id = before if before is not None else after
    backwards = before is not None
    descending = newest_first != backwards  # the direction the query reads in
    if cursor_id is not None:
        cursor = Order.objects.for_clinic(clinic).filter(pk=cursor_id).order_by()
        orders = orders.filter(
            rows_beyond(("created_at", "id"), (Subquery(cursor.values("created_at")), cursor_id), backwards=descending)
        )
    order = ("-created_at", "-id") if descending else ("created_at", "id")
    rows = list(orders.select_related("patient").order_by(*order)[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    if backwards:
        rows.reverse()
        return OrderPage(rows, has_previous=more, has_next=True, newest_first=newest_first)
    return OrderPage(rows, has_previous=cursor_id is not None, has_next=more, newest_first=newest_first)


class _CountUpTo(Subquery):
    """How many rows a query with a LIMIT gives: counts no further than the limit."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) AS counted)"
    output_field = IntegerField()


def queue_counts(*, clinic: Clinic, up_to: int, urgent_at: datetime.datetime | None = None) -> dict[str, int]:
    """The number of orders in each work queue, in one query, counting no further than
    `up_to` + 1 in each (shown as "more than"): each count reads at most that many
    entries of order_queue_status_idx, however many orders the clinic has. With `urgent_at`,
    also "urgent": the orders whose card authorisation lapses within a day of that time
    (order_authorised_until_idx), in the same query."""
    counts = {
        name: _CountUpTo(Order.objects.for_clinic(clinic).filter(**filters).order_by().values("pk")[: up_to + 1])
        for name, filters in STAFF_QUEUES.items()
        if name != "all"
    }
    if urgent_at is not None:
        urgent = Order.objects.for_clinic(clinic).authorisation_urgent(urgent_at).order_by().values("pk")
        counts["urgent"] = _CountUpTo(urgent[: up_to + 1])
    row: Mapping[str, object] = Clinic.objects.filter(pk=clinic.pk).values(**counts).get()
    return {name: cast(int, row[name]) for name in counts}


def dashboard_counts(*, patient: Patient) -> dict[str, int]:
    """Pending (Pending or Processing) and ready-for-pickup counts, in one query."""
    return Order.objects.for_patient(patient).aggregate(
        pending=Count("pk", filter=Q(status__in=[OrderStatus.PENDING, OrderStatus.PROCESSING])),
        ready=Count("pk", filter=Q(status=OrderStatus.READY)),
    )
