import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from patientportal.clinics.models import Clinic
from patientportal.orders.choices import ORDER_BADGES, PAYMENT_BADGES, Approval, OrderStatus, PaymentStatus
from patientportal.patients.models import Patient

MAX_QUANTITY_PER_ITEM = 99
# A card authorisation this close to lapsing makes its order urgent in the staff queue.
AUTHORISATION_URGENT_BEFORE = datetime.timedelta(days=1)


class Cart(models.Model):
    """One per patient record, in the database: it survives signing out and
    follows the patient to any browser or device."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.OneToOneField("patients.Patient", on_delete=models.CASCADE, related_name="cart")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Cart of patient {self.patient_id}"


class CartItem(models.Model):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey("catalog.Product", on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(MAX_QUANTITY_PER_ITEM)]
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["cart", "product"], name="one_line_per_product_in_cart"),
            models.CheckConstraint(condition=models.Q(quantity__gte=1), name="cart_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product_id}"

    @property
    def line_total_cents(self) -> int:
        return self.quantity * self.product.price_cents


class OrderQuerySet(models.QuerySet["Order"]):
    def for_clinic(self, clinic: Clinic) -> "OrderQuerySet":
        return self.filter(clinic=clinic)

    def for_patient(self, patient: Patient) -> "OrderQuerySet":
        return self.filter(patient=patient)

    def payable(self) -> "OrderQuerySet":
        return self.filter(
            status=OrderStatus.PENDING,
            payment_status__in=[PaymentStatus.UNPAID, PaymentStatus.FAILED],
            approval__in=[Approval.NOT_NEEDED, Approval.APPROVED],
        )

    def authorisation_urgent(self, now: datetime.datetime) -> "OrderQuerySet":
        """Orders whose card authorisation lapses within AUTHORISATION_URGENT_BEFORE (or already has)."""
        return self.filter(
            payment_status=PaymentStatus.AUTHORISED, authorised_until__lte=now + AUTHORISATION_URGENT_BEFORE
        )


class OrderNumberSequence(models.Model):
    """The last order number used by a clinic; locked while the next is taken."""

    clinic = models.OneToOneField("clinics.Clinic", on_delete=models.CASCADE, primary_key=True, related_name="+")
    last_number = models.PositiveIntegerField(default=1000)

    def __str__(self) -> str:
        return f"Order numbers of clinic {self.clinic_id}"


class Order(models.Model):
    """What a patient ordered, with prices, names and tax copied at the time,
    so later product changes never alter it."""

    # Neither is indexed on its own: the indexes of Meta start with them.
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="orders", db_index=False)
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="orders", db_index=False)
    number = models.CharField(_("order number"), max_length=20)
    status = models.CharField(_("status"), max_length=20, choices=OrderStatus.choices, default=OrderStatus.PENDING)
    payment_status = models.CharField(
        _("payment"), max_length=20, choices=PaymentStatus.choices, default=PaymentStatus.UNPAID
    )
    approval = models.CharField(_("approval"), max_length=20, choices=Approval.choices, default=Approval.NOT_NEEDED)
    currency = models.CharField(max_length=3)
    tax_rate_bp = models.PositiveIntegerField()
    subtotal_cents = models.PositiveIntegerField()
    taxable_subtotal_cents = models.PositiveIntegerField()
    tax_cents = models.PositiveIntegerField()
    total_cents = models.PositiveIntegerField()
    notes = models.TextField(_("notes"), blank=True, max_length=500)
    rejection_reason = models.CharField(_("reason for rejection"), max_length=500, blank=True)
    cancellation_reason = models.CharField(_("reason for cancellation"), max_length=500, blank=True)
    placed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # When the order became payable (at placing, or at approval); the unpaid timer starts here.
    payable_since = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    # While the payment is Authorised: when the card authorisation lapses (staff approve or reject before).
    authorised_until = models.DateTimeField(null=True, blank=True)

    objects = OrderQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "number"], name="order_number_unique_per_clinic"),
            models.CheckConstraint(
                condition=models.Q(total_cents=models.F("subtotal_cents") + models.F("tax_cents")),
                name="order_total_is_subtotal_plus_tax",
            ),
        ]
        # Which query uses each index: docs/performance.md.
        indexes = [
            # The patient's orders (portal), newest first.
            models.Index(fields=["patient", "-created_at"]),
            # The staff queue "All orders", a page at a time (keyset on created_at, id).
            models.Index(fields=["clinic", "created_at", "id"], name="order_queue_idx"),
            # The staff queues by status, and their counts.
            models.Index(fields=["clinic", "status", "created_at", "id"], name="order_queue_status_idx"),
            # Authorisations about to lapse: the queue's urgent count and the lapse job (few rows, partial).
            models.Index(
                fields=["authorised_until"],
                condition=models.Q(payment_status=PaymentStatus.AUTHORISED),
                name="order_authorised_until_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_payable(self) -> bool:
        return (
            self.status == OrderStatus.PENDING
            and self.payment_status in (PaymentStatus.UNPAID, PaymentStatus.FAILED)
            and self.approval in (Approval.NOT_NEEDED, Approval.APPROVED)
        )

    @property
    def is_authorisable(self) -> bool:
        """Waiting for approval and not yet holding a payment: the card may be authorised now and
        captured on approval (payments decides whether it is offered)."""
        return (
            self.status == OrderStatus.PENDING
            and self.approval == Approval.AWAITING
            and self.payment_status in (PaymentStatus.UNPAID, PaymentStatus.FAILED)
        )

    @property
    def holds_payment(self) -> bool:
        """Paid and not refunded in full: money that staff may give back."""
        return self.payment_status in (PaymentStatus.PAID, PaymentStatus.PARTLY_REFUNDED)

    @property
    def authorisation_is_urgent(self) -> bool:
        return (
            self.payment_status == PaymentStatus.AUTHORISED
            and self.authorised_until is not None
            and self.authorised_until <= timezone.now() + AUTHORISATION_URGENT_BEFORE
        )

    @property
    def tax_rate_percent(self) -> float:
        return self.tax_rate_bp / 100

    @property
    def status_badge(self) -> str:
        return ORDER_BADGES[self.status]

    @property
    def payment_badge(self) -> str:
        return PAYMENT_BADGES[self.payment_status]


class OrderItem(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey("catalog.Product", on_delete=models.SET_NULL, null=True, related_name="+")
    name = models.CharField(max_length=200)
    sku = models.CharField(max_length=64, blank=True)
    unit_price_cents = models.PositiveIntegerField()
    quantity = models.PositiveSmallIntegerField()
    taxable = models.BooleanField()
    requires_prescription = models.BooleanField(default=False)
    requires_consultation = models.BooleanField(default=False)
    stock_tracked = models.BooleanField(default=True)
    # How many of this line were refunded (partial refunds by item); these never come back to stock again
    # when the order is cancelled: they were put back when refunded, or staff kept them out.
    refunded_quantity = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(refunded_quantity__lte=models.F("quantity")),
                name="order_item_refunded_at_most_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.name}"

    @property
    def line_total_cents(self) -> int:
        return self.unit_price_cents * self.quantity

    @property
    def refundable_quantity(self) -> int:
        return self.quantity - self.refunded_quantity


class OrderEvent(models.Model):
    """The order's history: every change of status, payment or approval, who and when."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    machine = models.CharField(max_length=20)  # "status", "payment" or "approval"
    from_value = models.CharField(max_length=20)
    to_value = models.CharField(max_length=20)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.machine}: {self.from_value} → {self.to_value}"

    @property
    def to_label(self) -> str:
        labels = {"status": OrderStatus, "payment": PaymentStatus, "approval": Approval}[self.machine]
        return str(labels(self.to_value).label)
