from django.db.models import Count, Q, QuerySet
from django.http import Http404

from patientportal.clinics.models import Clinic
from patientportal.orders.choices import Approval, OrderStatus
from patientportal.orders.models import Order
from patientportal.patients.models import Patient

# The filters of each queue of the staff orders page.
STAFF_QUEUES: dict[str, dict[str, object]] = {
    "awaiting": {"approval": Approval.AWAITING, "status": OrderStatus.PENDING},
    "to_prepare": {"status": OrderStatus.PROCESSING},
    "ready": {"status": OrderStatus.READY},
    "unpaid": {"status": OrderStatus.PENDING, "approval__in": [Approval.NOT_NEEDED, Approval.APPROVED]},
    "all": {},
}


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


def staff_queue(*, clinic: Clinic, queue: str) -> QuerySet[Order]:
    filters = STAFF_QUEUES.get(queue, STAFF_QUEUES["all"])
    return Order.objects.for_clinic(clinic).filter(**filters).select_related("patient").order_by("created_at", "id")


def queue_counts(*, clinic: Clinic) -> dict[str, int]:
    return {
        name: Order.objects.for_clinic(clinic).filter(**filters).count()
        for name, filters in STAFF_QUEUES.items()
        if name != "all"
    }


def dashboard_counts(*, patient: Patient) -> dict[str, int]:
    """Pending (Pending or Processing) and ready-for-pickup counts, in one query."""
    return Order.objects.for_patient(patient).aggregate(
        pending=Count("pk", filter=Q(status__in=[OrderStatus.PENDING, OrderStatus.PROCESSING])),
        ready=Count("pk", filter=Q(status=OrderStatus.READY)),
    )
