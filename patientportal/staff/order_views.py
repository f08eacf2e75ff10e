"""The clinic's order queue and the actions on an order (PRODUCT.md F-8, F-9)."""

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST
from django_stubs_ext import StrPromise

from patientportal.clinics.choices import Role
from patientportal.core.money import format_money
from patientportal.orders import selectors
from patientportal.orders import services as orders
from patientportal.orders.choices import PaymentStatus
from patientportal.orders.errors import OrderError
from patientportal.orders.models import Order
from patientportal.patients.models import Patient
from patientportal.patients.selectors import patient_get_for_clinic
from patientportal.payments import services as payments
from patientportal.payments.errors import PaymentError
from patientportal.payments.issues import ISSUE_ROLES
from patientportal.payments.selectors import (
    order_issues_open,
    order_left_to_refund_cents,
    order_refunds,
    payment_issue_count,
)
from patientportal.staff.access import StaffRequest, staff_view
from patientportal.staff.forms import ListPageForm, OrderSearchForm

ORDERS_PER_PAGE = 30
# The tabs count no further than this (shown as "1,000+").
QUEUE_COUNTS_UP_TO = 1_000
ORDER_ROLES = (Role.OWNER, Role.ADMIN, Role.STAFF)
QUEUE_TITLES = {
    "awaiting": gettext_lazy("Awaiting approval"),
    "to_prepare": gettext_lazy("To prepare"),
    "ready": gettext_lazy("Ready for pickup"),
    "unpaid": gettext_lazy("Waiting for payment"),
    "all": gettext_lazy("All orders"),
}


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason (the patient sees it)"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


@dataclass(frozen=True)
class _Looking:
    """What the queue is narrowed to: a search (the text and what it found), or one
    patient's orders (the record's "All orders of this patient"), or neither."""

    text: str = ""
    search: selectors.OrderSearch | None = None
    patient: Patient | None = None

    @property
    def patient_ids(self) -> list[int] | None:
        if self.patient is not None:
            return [self.patient.pk]
        return self.search.patient_ids if self.search is not None else None

    @property
    def numbered(self) -> Order | None:
        return self.search.numbered if self.search is not None else None

    @property
    def numbered_rows(self) -> list[Order]:
        return [self.numbered] if self.numbered is not None else []

    @property
    def kind(self) -> str:
        """For the audit event: what was looked for, never the text."""
        if self.patient is not None:
            return "patient"
        if self.search is None:
            return ""
        return "number" if self.numbered is not None else self.search.kind

    @property
    def params(self) -> str:
        """What the tabs keep of the address, "&q=…" or "&patient=…"."""
        if self.text:
            return "&" + urlencode({"q": self.text})
        return f"&patient={self.patient.pk}" if self.patient is not None else ""


def _looking_for(request: StaffRequest) -> _Looking:
    """A search typed in the box; else the patient filter, loaded in the clinic (another
    clinic's patient is a 404, as everywhere)."""
    form = OrderSearchForm(request.GET)
    text = form.text()
    if text:
        return _Looking(text=text, search=selectors.order_search(clinic=request.clinic, text=text))
    patient_id = form.patient_id()
    if patient_id is not None:
        return _Looking(patient=patient_get_for_clinic(clinic=request.clinic, patient_id=patient_id))
    return _Looking()


@require_GET
@staff_view(roles=ORDER_ROLES)
def order_queue(request: StaffRequest) -> HttpResponse:
    """The tabs of orders to deal with, and All orders; the search box narrows the open tab
    to the orders of the patients it finds (the order with exactly that number is shown
    above them, whatever its tab)."""
    clinic = request.clinic
    queue = request.GET.get("queue", "awaiting")
    if queue not in QUEUE_TITLES:
        queue = "awaiting"
    looking = _looking_for(request)
    after, before = ListPageForm(request.GET).place()
    leaving_out = looking.numbered.pk if looking.numbered else None

    def page_from(after: int | None, before: int | None) -> selectors.OrderPage:
        return selectors.staff_queue_page(
            clinic=clinic,
            queue=queue,
            size=ORDERS_PER_PAGE,
            after=after,
            before=before,
            patient_ids=looking.patient_ids,
            leaving_out=leaving_out,
        )

    page = page_from(after, before)
    if not page.orders and (after or before):
        # The order the link went on from is not one of this clinic's: from the top.
        page = page_from(None, None)
    # The event names the orders by id, oldest first, whichever way the tab lists them.
    shown = sorted([*page.orders, *([looking.numbered] if looking.numbered else [])], key=lambda order: order.pk)
    orders.order_queue_viewed(clinic=clinic, queue=queue, orders=shown, actor=request.user, searched=looking.kind)
    counts = selectors.queue_counts(clinic=clinic, up_to=QUEUE_COUNTS_UP_TO, urgent_at=timezone.now())
    urgent = counts.pop("urgent")
    attention = (
        payment_issue_count(clinic=clinic, up_to=QUEUE_COUNTS_UP_TO) if request.membership.role in ISSUE_ROLES else 0
    )
    return render(
        request,
        "staff/orders/queue.html",
        {
            "queue": queue,
            "queues": QUEUE_TITLES,
            "attention_count": attention,
            "queue_title": QUEUE_TITLES[queue],
            "page": page,
            "counts": counts,
            "urgent": urgent,
            "counts_up_to": QUEUE_COUNTS_UP_TO,
            "form": OrderSearchForm(initial={"q": looking.text}),
            "looking": looking,
            "search_patients_up_to": selectors.SEARCH_PATIENTS_UP_TO,
        },
    )


@require_GET
@staff_view(roles=ORDER_ROLES)
def order_detail(request: StaffRequest, order_id: int) -> HttpResponse:
    order = selectors.order_get_for_clinic(clinic=request.clinic, order_id=order_id)
    orders.order_viewed(order=order, actor=request.user)
    refunds = order_refunds(order=order)
    return render(
        request,
        "staff/orders/detail.html",
        {
            "order": order,
            "items": list(order.items.all()),
            "events": list(order.events.select_related("actor")),
            "payments": list(order.payments.all()),
            "refunds": refunds,
            "left_to_refund_cents": order_left_to_refund_cents(order=order) if order.holds_payment else 0,
            "reason_form": ReasonForm(),
            "can_refund": request.membership.role in payments.REFUND_ROLES,
            "issues": order_issues_open(order=order) if request.membership.role in ISSUE_ROLES else [],
        },
    )


def _approved(order: Order) -> str:
    if order.payment_status == PaymentStatus.PAID:
        return _("Order approved and the %(total)s authorised on the patient's card captured: it is paid.") % {
            "total": format_money(order.total_cents, order.currency)
        }
    if order.events.filter(machine="payment", to_value=PaymentStatus.UNPAID).exists():
        return _("Order approved. The hold on the patient's card had ended, so the patient was asked to pay.")
    return _("Order approved. The patient can now pay.")


# Each action: the order service (called with keywords: the order, the actor, and the reason
# if it takes one), whether it takes the reason the patient sees, and the message on success
# (or what makes it from the order, when it depends on what happened).
ACTIONS: dict[str, tuple[Callable[..., Order], bool, StrPromise | Callable[[Order], str]]] = {
    "approve": (payments.order_approve, False, _approved),
    "ready": (orders.order_mark_ready, False, gettext_lazy("Marked ready for pickup. The patient was told.")),
    "complete": (orders.order_complete, False, gettext_lazy("Order completed.")),
    "reject": (payments.order_reject, True, gettext_lazy("Order rejected. Its stock was returned.")),
    "cancel": (payments.order_cancel, True, gettext_lazy("Order cancelled. Its stock was returned.")),
    "refund": (payments.order_refund, True, gettext_lazy("Payment refunded. The patient was told by email.")),
    "refund_flagged": (payments.flagged_payment_refund, True, gettext_lazy("The flagged payment was refunded.")),
}
# Actions that only some of ORDER_ROLES may take (cancelling a paid order also refunds:
# the refund service refuses that one for the other roles).
ACTION_ROLES = {"refund": payments.REFUND_ROLES, "refund_flagged": payments.REFUND_ROLES}


@require_POST
@staff_view(roles=ORDER_ROLES)
def order_action(request: StaffRequest, order_id: int, action: str) -> HttpResponse:
    clinic = request.clinic
    if action not in ACTIONS:
        raise Http404
    if action in ACTION_ROLES and request.membership.role not in ACTION_ROLES[action]:
        raise PermissionDenied
    order = selectors.order_get_for_clinic(clinic=clinic, order_id=order_id)
    service, needs_reason, done = ACTIONS[action]
    kwargs: dict[str, object] = {"order": order, "actor": request.user}
    if needs_reason:
        form = ReasonForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Please give a reason; the patient will see it."))
            return redirect("staff:order_detail", clinic_slug=clinic.slug, order_id=order.pk)
        kwargs["reason"] = form.cleaned_data["reason"]
    try:
        moved = service(**kwargs)
    except (OrderError, PaymentError) as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done(moved) if callable(done) else done)
    return redirect("staff:order_detail", clinic_slug=clinic.slug, order_id=order.pk)
