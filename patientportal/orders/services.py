"""Orders: placing, the three state machines (status, payment, approval),
approval, fulfilment and cancellation (PRODUCT.md F-8, F-9). What moves money
(staff cancel with refund, the unpaid-order timer, closing checkouts) lives
in `payments`, which sits above this app.

Every move goes through `order_move`, which hands it to the one transition
helper (`audit.transitions`): the table in `orders.choices`, compare-and-set,
an OrderEvent and an audit event. Stock is taken when an order is placed and given back
exactly once, by the move to Cancelled.
"""

import datetime
from collections.abc import Sequence

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from patientportal.accounts.models import User
from patientportal.audit import services as audit
from patientportal.audit.transitions import transition
from patientportal.catalog.choices import StockReason
from patientportal.catalog.errors import CatalogError
from patientportal.catalog.models import Product
from patientportal.catalog.services import stock_adjust
from patientportal.clinics.models import Clinic
from patientportal.core.deliveries import about_label
from patientportal.core.emails import queue_templated_email
from patientportal.core.models import EmailDelivery
from patientportal.core.tasks import delivery_resend
from patientportal.notifications.choices import NotificationKind
from patientportal.notifications.services import notify_staff
from patientportal.orders.cart import cart_for_patient, cart_lock
from patientportal.orders.choices import Approval, OrderStatus, PaymentStatus
from patientportal.orders.errors import OrderError
from patientportal.orders.machines import MACHINES
from patientportal.orders.models import CartItem, Order, OrderEvent, OrderItem, OrderNumberSequence
from patientportal.orders.tax import tax_cents
from patientportal.patients.links import record_link_query
from patientportal.patients.models import Patient
from patientportal.patients.selectors import record_address_for_orders


def order_lock(order: Order) -> Order:
    locked = Order.objects.select_for_update().get(pk=order.pk)
    locked.clinic = order.clinic
    locked.patient = order.patient
    return locked


def order_move(*, order: Order, machine: str, to: str, actor: User | None, note: str = "", **extra: object) -> Order:
    """Move one machine ("status", "payment" or "approval") of a locked order along its table; refuse anything else."""
    transition(machine=MACHINES[machine], obj=order, to=to, actor=actor, note=note, fields=extra)
    return order


def _next_number(clinic: Clinic) -> str:
    sequence, _created = OrderNumberSequence.objects.get_or_create(clinic=clinic)
    sequence = OrderNumberSequence.objects.select_for_update().get(pk=sequence.pk)
    sequence.last_number += 1
    sequence.save(update_fields=["last_number"])
    return f"{sequence.last_number}"


@transaction.atomic
def order_place(*, patient: Patient, notes: str, actor: User, expected_total_cents: int | None = None) -> Order:
    """Turn the cart into an order, all or nothing: prices and names copied,
    stock taken, the cart emptied. Restricted items wait for staff approval.
    The cart row is locked first, so a double submit makes one order; with
    `expected_total_cents` (what the checkout page showed) a changed price is refused."""
    clinic = patient.clinic
    cart_lock(patient)
    cart = cart_for_patient(patient=patient)
    if not cart.lines:
        raise OrderError("cart_empty")
    if not cart.ready_for_checkout:
        raise OrderError("cart_not_ready")
    lines = sorted(cart.lines, key=lambda line: line.item.product_id)  # a fixed order for the row locks
    products = {
        product.pk: product
        for product in Product.objects.select_for_update().filter(pk__in=[line.item.product_id for line in lines])
    }
    restricted = any(
        products[line.item.product_id].requires_prescription or products[line.item.product_id].requires_consultation
        for line in lines
    )
    subtotal = sum(line.item.quantity * products[line.item.product_id].price_cents for line in lines)
    taxable = sum(
        line.item.quantity * products[line.item.product_id].price_cents
        for line in lines
        if products[line.item.product_id].taxable
    )
    tax = tax_cents(taxable_subtotal_cents=taxable, rate_bp=clinic.tax_rate_bp)
    if expected_total_cents is not None and expected_total_cents != subtotal + tax:
        raise OrderError("total_changed")
    now = timezone.now()
    order = Order.objects.create(
        clinic=clinic,
        patient=patient,
        number=_next_number(clinic),
        currency=clinic.currency,
        tax_rate_bp=clinic.tax_rate_bp,
        subtotal_cents=subtotal,
        taxable_subtotal_cents=taxable,
        tax_cents=tax,
        total_cents=subtotal + tax,
        notes=notes.strip()[:500],
        placed_by=actor,
        approval=Approval.AWAITING if restricted else Approval.NOT_NEEDED,
        payable_since=None if restricted else now,
    )
    for line in lines:
        product = products[line.item.product_id]
        OrderItem.objects.create(
            order=order,
            product=product,
            name=product.name,
            sku=product.sku,
            unit_price_cents=product.price_cents,
            quantity=line.item.quantity,
            taxable=product.taxable,
            requires_prescription=product.requires_prescription,
            requires_consultation=product.requires_consultation,
            stock_tracked=product.track_inventory,
        )
        if product.track_inventory:
            try:
                stock_adjust(
                    product=product,
                    change=-line.item.quantity,
                    reason=StockReason.ORDER,
                    actor=actor,
                    order_id=order.pk,
                    note=f"Order {order.number}",
                )
            except CatalogError:
                raise OrderError("sold_out_meanwhile", product=product.name) from None
    CartItem.objects.filter(cart__patient=patient).delete()
    OrderEvent.objects.create(order=order, machine="status", from_value="", to_value=OrderStatus.PENDING, actor=actor)
    audit.record(
        action="orders.order.placed",
        actor=actor,
        clinic=clinic,
        patient=patient,
        obj=order,
        metadata={"total_cents": order.total_cents, "needs_approval": restricted},
    )
    if restricted:
        order_notify_staff(order, NotificationKind.ORDER_AWAITING_APPROVAL, actor=actor)
    return order


def order_notify_staff(order: Order, kind: str, *, actor: User | None = None) -> None:
    """Tell the clinic's staff about the order by its number only (what it holds is health information)."""
    with translation.override(settings.LANGUAGE_CODE):  # the clinic's words, not the patient's language
        titles: dict[str, str] = {
            NotificationKind.ORDER_AWAITING_APPROVAL: _("Order %(number)s is waiting for approval"),
            NotificationKind.ORDER_PAID: _("Order %(number)s is paid and ready to prepare"),
        }
        title = titles[kind] % {"number": order.number}
    notify_staff(
        order.clinic,
        kind,
        title=title,
        url=reverse("staff:order_detail", args=[order.clinic.slug, order.pk]),
        exclude=actor,
    )


def order_viewed(*, order: Order, actor: User) -> None:
    """Staff opened an order: what a patient bought (prescription items among them) is health information."""
    audit.record(action="orders.order.viewed", actor=actor, clinic=order.clinic, patient=order.patient, obj=order)


def order_queue_viewed(*, clinic: Clinic, queue: str, orders: Sequence[Order], actor: User, searched: str = "") -> None:
    """Staff saw a page of the order queue: one event for the page, naming the
    patients and orders on it (identifiers only), so it can be found per patient.
    `searched` says what a search was read as ("name", "phone", "patient", ...): the
    text typed is health data and is not kept."""
    metadata: dict[str, object] = {
        "queue": queue,
        "order_ids": [order.pk for order in orders],
        "patient_ids": sorted({order.patient_id for order in orders}),
    }
    if searched:
        metadata["searched"] = searched
    audit.record(action="orders.queue.viewed", actor=actor, clinic=clinic, metadata=metadata)


def _release_stock(order: Order, actor: User | None) -> None:
    # Items refunded one by one are left out: put back then, or kept out by staff (damaged, used).
    for item in order.items.filter(stock_tracked=True, product__isnull=False).select_related("product"):
        assert item.product is not None  # filtered on product__isnull=False above
        if item.refundable_quantity == 0:
            continue
        stock_adjust(
            product=item.product,
            change=item.refundable_quantity,
            reason=StockReason.ORDER_RELEASED,
            actor=actor,
            order_id=order.pk,
            note=f"Order {order.number}",
        )


def cancel_locked_order(order: Order, *, actor: User | None, reason: str) -> Order:
    """Cancel a locked order: the move happens once, so the stock comes back once."""
    order_move(
        order=order,
        machine="status",
        to=OrderStatus.CANCELLED,
        actor=actor,
        note=reason,
        cancellation_reason=reason[:500],
    )
    _release_stock(order, actor)
    return order


def order_email_patient(order: Order, kind: str) -> None:
    """Tell the patient what happened to their order (kind: approved, approved_paid, approved_pay_now,
    authorisation_lapsed, rejected, ready, cancelled, cancelled_unpaid), at the record's own address
    (not when that is a proxy's who may not see orders)."""
    address = record_address_for_orders(order.patient)
    if not address:
        return
    queue_templated_email(
        template_prefix="orders/email/order_update",
        to=address,
        about=order,
        context={
            "kind": kind,
            "order": order,
            "clinic": order.clinic,
            "url": settings.SITE_URL
            + reverse("portal:order_detail", args=[order.pk])
            + record_link_query(order.patient_id),
        },
    )


@transaction.atomic
def order_email_resend(*, order: Order, delivery: EmailDelivery, actor: User) -> EmailDelivery:
    """Send again an email about this order that the mail server refused, with the content
    it had (`core.tasks.delivery_resend`), and audit who asked. Raises
    core.errors.EmailDeliveryError if it was not refused or its content is gone."""
    if about_label(order) != (delivery.about_type, delivery.about_id):
        raise ValueError("This email is not about this order.")
    resent = delivery_resend(delivery=delivery)
    audit.record(
        action="orders.email.resent",
        actor=actor,
        clinic=order.clinic,
        patient=order.patient,
        obj=resent,
        metadata={"kind": resent.kind, "order": order.pk, "email_error": resent.last_error},
    )
    return resent


def order_pending_locked(order: Order) -> Order:
    """The order, locked; refused unless it is still pending (approval and rejection need that)."""
    locked = order_lock(order)
    if locked.status != OrderStatus.PENDING:
        raise OrderError("not_pending")
    return locked


def order_approve_locked(order: Order, *, actor: User) -> Order:
    """Approve a locked pending order. It is payable from now (the unpaid timer starts here) unless
    its card is authorised, which the caller (payments) captures in the same transaction."""
    return order_move(order=order, machine="approval", to=Approval.APPROVED, actor=actor, payable_since=timezone.now())


def order_reject_locked(order: Order, *, reason: str, actor: User) -> Order:
    """Mark a locked pending order rejected; the caller cancels it (its stock comes back, once)."""
    if not reason.strip():
        raise OrderError("reason_required")
    return order_move(
        order=order,
        machine="approval",
        to=Approval.REJECTED,
        actor=actor,
        note=reason,
        rejection_reason=reason.strip()[:500],
    )


def _refuse_authorised(order: Order) -> None:
    # An authorised card is captured or released by payments.authorisations, never left behind.
    if order.payment_status == PaymentStatus.AUTHORISED:
        raise OrderError("authorised")


@transaction.atomic
def order_approve(*, order: Order, actor: User) -> Order:
    """Approve an order that holds no card authorisation (payments.authorisations.order_approve does both)."""
    locked = order_pending_locked(order)
    _refuse_authorised(locked)
    order_approve_locked(locked, actor=actor)
    order_email_patient(locked, "approved")
    return locked


@transaction.atomic
def order_reject(*, order: Order, reason: str, actor: User) -> Order:
    """Reject an order that holds no card authorisation (payments.authorisations.order_reject does both)."""
    if not reason.strip():
        raise OrderError("reason_required")
    locked = order_pending_locked(order)
    _refuse_authorised(locked)
    order_reject_locked(locked, reason=reason, actor=actor)
    cancel_locked_order(locked, actor=actor, reason=reason.strip())
    order_email_patient(locked, "rejected")
    return locked


@transaction.atomic
def order_mark_ready(*, order: Order, actor: User) -> Order:
    locked = order_lock(order)
    order_move(order=locked, machine="status", to=OrderStatus.READY, actor=actor)
    order_email_patient(locked, "ready")
    return locked


@transaction.atomic
def order_complete(*, order: Order, actor: User) -> Order:
    locked = order_lock(order)
    return order_move(order=locked, machine="status", to=OrderStatus.COMPLETED, actor=actor)


def order_record_payment(*, order: Order, actor: User | None = None, note: str = "") -> Order:
    """Called by the payments service, inside its transaction, with the order locked (paid, or an
    authorisation captured)."""
    order_move(
        order=order,
        machine="payment",
        to=PaymentStatus.PAID,
        actor=actor,
        note=note,
        paid_at=timezone.now(),
        authorised_until=None,
    )
    order_move(order=order, machine="status", to=OrderStatus.PROCESSING, actor=actor)
    # Paid by the patient, or captured when staff approved: either way someone has to prepare it now.
    order_notify_staff(order, NotificationKind.ORDER_PAID)
    return order


def order_record_authorisation(*, order: Order, until: datetime.datetime) -> Order:
    """The patient's card is authorised for the order (payments, order locked): held until `until`."""
    return order_move(order=order, machine="payment", to=PaymentStatus.AUTHORISED, actor=None, authorised_until=until)


def order_record_authorisation_ended(*, order: Order, note: str, actor: User | None = None) -> Order:
    """The card authorisation was released or lapsed without being captured (payments, order locked): the
    order is unpaid again, to be paid after approval (a rejected or cancelled order is not payable anyway)."""
    return order_move(
        order=order, machine="payment", to=PaymentStatus.UNPAID, actor=actor, note=note, authorised_until=None
    )
