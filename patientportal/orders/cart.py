"""The cart: services and reads (PRODUCT.md F-7).

Every change re-checks the product against the rules, so the cart never
holds more than the stock or something the patient may not buy; a product
that changed after it was added is flagged by `cart_line_problem` and blocks
checkout.
"""

import datetime
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from patientportal.catalog.models import Product
from patientportal.orders.errors import CartError
from patientportal.orders.models import MAX_QUANTITY_PER_ITEM, Cart, CartItem
from patientportal.patients.models import Patient


def _clinic_today(patient: Patient) -> datetime.date:
    return timezone.localtime(timezone.now(), patient.clinic.zone).date()


def purchase_problem(*, product: Product, patient: Patient, quantity: int) -> CartError | None:
    """Why `quantity` of the product cannot be in this patient's cart, or None."""
    name = product.name
    if not (product.active and product.visible_in_portal):
        return CartError("unavailable", product=name)
    if product.minimum_age and patient.age_on(_clinic_today(patient)) < product.minimum_age:
        return CartError("age_restricted", product=name, age=product.minimum_age)
    if product.track_inventory and product.stock <= 0:
        return CartError("out_of_stock", product=name)
    if product.track_inventory and quantity > product.stock:
        return CartError("not_enough_stock", product=name, available=product.stock, wanted=quantity)
    return None


def cart_lock(patient: Patient) -> Cart:
    """The patient's cart, created if needed, locked for this transaction."""
    try:
        with transaction.atomic():
            Cart.objects.get_or_create(patient=patient, defaults={"clinic_id": patient.clinic_id})
    except IntegrityError:  # created by a concurrent request
        pass
    return Cart.objects.select_for_update().get(patient=patient)


def _check_quantity(quantity: int) -> None:
    if not 1 <= quantity <= MAX_QUANTITY_PER_ITEM:
        raise CartError("quantity_range", max=MAX_QUANTITY_PER_ITEM)


@transaction.atomic
def cart_add_item(*, patient: Patient, product: Product, quantity: int) -> CartItem:
    """Add to the cart (adding to a line already there)."""
    _check_quantity(quantity)
    cart = cart_lock(patient)
    item = CartItem.objects.filter(cart=cart, product=product).first()
    total = quantity + (item.quantity if item else 0)
    _check_quantity(total)
    if problem := purchase_problem(product=product, patient=patient, quantity=total):
        raise problem
    if item:
        item.quantity = total
        item.save(update_fields=["quantity"])
        return item
    return CartItem.objects.create(cart=cart, product=product, quantity=quantity)


@transaction.atomic
def cart_set_quantity(*, patient: Patient, item_id: int, quantity: int) -> CartItem:
    _check_quantity(quantity)
    cart = cart_lock(patient)
    item = CartItem.objects.select_related("product").get(cart=cart, pk=item_id)
    if quantity > item.quantity and (
        problem := purchase_problem(product=item.product, patient=patient, quantity=quantity)
    ):
        raise problem
    item.quantity = quantity
    item.save(update_fields=["quantity"])
    return item


@transaction.atomic
def cart_remove_item(*, patient: Patient, item_id: int) -> None:
    """Remove a line from the patient's cart. An item that is not in this patient's cart (another
    patient's, or already removed) raises `CartItem.DoesNotExist`, as `cart_set_quantity` does, so the
    caller answers 404 rather than a "Removed" that confirms nothing."""
    cart = cart_lock(patient)
    deleted, _per_model = CartItem.objects.filter(cart=cart, pk=item_id).delete()
    if not deleted:
        raise CartItem.DoesNotExist(f"No item {item_id} in this patient's cart")


@transaction.atomic
def cart_clear(*, patient: Patient) -> None:
    cart = cart_lock(patient)
    CartItem.objects.filter(cart=cart).delete()


@dataclass(frozen=True)
class CartLine:
    item: CartItem
    problem: CartError | None


@dataclass(frozen=True)
class CartView:
    lines: list[CartLine]

    @property
    def count(self) -> int:
        return sum(line.item.quantity for line in self.lines)

    @property
    def subtotal_cents(self) -> int:
        return sum(line.item.line_total_cents for line in self.lines)

    @property
    def has_problems(self) -> bool:
        return any(line.problem for line in self.lines)

    @property
    def ready_for_checkout(self) -> bool:
        return bool(self.lines) and not self.has_problems


def cart_for_patient(*, patient: Patient) -> CartView:
    """The cart with every line checked against the product as it is now (one query)."""
    items = list(CartItem.objects.filter(cart__patient=patient).select_related("product").order_by("added_at", "id"))
    return CartView(
        lines=[
            CartLine(item=item, problem=purchase_problem(product=item.product, patient=patient, quantity=item.quantity))
            for item in items
        ]
    )


def cart_item_count(*, patient: Patient) -> int:
    """For the header badge: one aggregate query."""
    return CartItem.objects.filter(cart__patient=patient).aggregate(total=Sum("quantity"))["total"] or 0
