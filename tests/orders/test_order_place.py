import pytest
from django.db import connection

from patientportal.catalog.models import Product, StockAdjustment
from patientportal.orders.cart import cart_add_item, cart_item_count
from patientportal.orders.choices import Approval, OrderStatus, PaymentStatus
from patientportal.orders.errors import OrderError
from patientportal.orders.models import Order
from patientportal.orders.services import order_place
from tests.factories import PatientFactory, PortalAccessFactory, ProductFactory
from tests.orders.helpers import place_order
from tests.races import race

pytestmark = pytest.mark.django_db


def test_placing_copies_prices_and_names_takes_stock_and_empties_the_cart(world):
    world.clinic_a.tax_rate_bp = 725
    world.clinic_a.save()
    cream = ProductFactory(clinic=world.clinic_a, name="Cream", price_cents=1250, stock=5)
    service = ProductFactory(
        clinic=world.clinic_a, name="Consult", price_cents=5000, taxable=False, track_inventory=False, stock=0
    )
    order = place_order(world, products=[(cream, 2), (service, 1)], notes="  Pick up Friday  ")
    assert (order.subtotal_cents, order.taxable_subtotal_cents, order.tax_cents, order.total_cents) == (
        7500,
        2500,
        181,
        7681,
    )
    assert (order.status, order.payment_status, order.approval) == (
        OrderStatus.PENDING,
        PaymentStatus.UNPAID,
        Approval.NOT_NEEDED,
    )
    assert order.notes == "Pick up Friday" and order.currency == "USD" and order.payable_since
    assert Product.objects.get(pk=cream.pk).stock == 3
    assert cart_item_count(patient=world.p1) == 0
    cream.name, cream.price_cents = "Renamed", 9999
    cream.save()
    assert [(item.name, item.unit_price_cents, item.quantity) for item in order.items.all()] == [
        ("Cream", 1250, 2),
        ("Consult", 5000, 1),
    ]


def test_order_numbers_count_up_per_clinic(world):
    first = place_order(world)
    second = place_order(world)
    other = place_order(world, patient=world.pb)
    assert (int(second.number) - int(first.number), other.number) == (1, "1001")


def test_restricted_items_wait_for_approval_and_are_not_payable(world):
    rx = ProductFactory(clinic=world.clinic_a, requires_prescription=True)
    order = place_order(world, products=[(rx, 1)])
    assert order.approval == Approval.AWAITING and not order.is_payable and order.payable_since is None


def test_a_flagged_cart_cannot_be_ordered(world):
    product = ProductFactory(clinic=world.clinic_a, stock=5)
    cart_add_item(patient=world.p1, product=product, quantity=4)
    Product.objects.filter(pk=product.pk).update(stock=2)
    with pytest.raises(OrderError) as refused:
        order_place(patient=world.p1, notes="", actor=world.patient_user_1)
    assert refused.value.code == "cart_not_ready"
    with pytest.raises(OrderError):
        order_place(patient=world.p2, notes="", actor=world.patient_user_2)
    assert not Order.objects.exists()


def test_placing_is_all_or_nothing(world, monkeypatch):
    first = ProductFactory(clinic=world.clinic_a, stock=5)
    second = ProductFactory(clinic=world.clinic_a, stock=5)
    cart_add_item(patient=world.p1, product=first, quantity=1)
    cart_add_item(patient=world.p1, product=second, quantity=1)
    # The second product sells out after the cart was checked but before its stock is taken.
    import patientportal.orders.services as services

    real_adjust = services.stock_adjust

    def sell_out_second(**kwargs):
        if kwargs["product"].pk == second.pk:
            Product.objects.filter(pk=second.pk).update(stock=0)
        return real_adjust(**kwargs)

    monkeypatch.setattr(services, "stock_adjust", sell_out_second)
    with pytest.raises(OrderError) as refused:
        order_place(patient=world.p1, notes="", actor=world.patient_user_1)
    assert refused.value.code == "sold_out_meanwhile"
    assert not Order.objects.exists()
    assert Product.objects.get(pk=first.pk).stock == 5
    assert not StockAdjustment.objects.exists()
    assert cart_item_count(patient=world.p1) == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_patients_racing_for_the_last_unit_exactly_one_gets_it(world):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL: run with DATABASE_URL=postgres://…")
    last = ProductFactory(clinic=world.clinic_a, stock=1)
    patients = [world.p1, world.p2]
    for patient in patients:
        cart_add_item(patient=patient, product=last, quantity=1)

    def buyer(patient):
        def buy():
            order_place(patient=patient, notes="", actor=patient.portal_accesses.first().user)
            return "ordered"

        return buy

    outcomes = race([buyer(patient) for patient in patients], refused=OrderError)
    assert outcomes == ["ordered", "sold_out_meanwhile"]
    assert Product.objects.get(pk=last.pk).stock == 0
    assert Order.objects.count() == 1


def test_an_unused_account_linked_elsewhere_has_nothing_to_order(world):
    patient = PatientFactory(clinic=world.clinic_a)
    PortalAccessFactory(patient=patient)
    with pytest.raises(OrderError) as refused:
        order_place(patient=patient, notes="", actor=world.patient_user_1)
    assert refused.value.code == "cart_empty"


def test_a_changed_price_since_the_checkout_page_is_refused(world):
    product = ProductFactory(clinic=world.clinic_a, price_cents=1000)
    cart_add_item(patient=world.p1, product=product, quantity=1)
    Product.objects.filter(pk=product.pk).update(price_cents=5000)
    with pytest.raises(OrderError) as refused:
        order_place(patient=world.p1, notes="", actor=world.patient_user_1, expected_total_cents=1000)
    assert refused.value.code == "total_changed"
    assert not Order.objects.exists() and cart_item_count(patient=world.p1) == 1


def test_editing_a_product_never_writes_back_old_stock(world):
    from patientportal.catalog.services import product_save

    product = ProductFactory(clinic=world.clinic_a, stock=5, name="Cream")
    stale = Product.objects.get(pk=product.pk)  # a staff page loaded before the order
    place_order(world, products=[(product, 2)])
    product_save(product=stale, values={"name": "Barrier Cream"}, actor=world.staff_a)
    assert (Product.objects.get(pk=product.pk).name, Product.objects.get(pk=product.pk).stock) == ("Barrier Cream", 3)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_cart_submitted_twice_at_once_makes_one_order(world):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL: run with DATABASE_URL=postgres://…")
    product = ProductFactory(clinic=world.clinic_a, stock=5)
    cart_add_item(patient=world.p1, product=product, quantity=2)

    def submit():
        order_place(patient=world.p1, notes="", actor=world.patient_user_1)
        return "ordered"

    outcomes = race([submit, submit], refused=OrderError)
    assert outcomes == ["cart_empty", "ordered"]
    assert Order.objects.count() == 1 and Product.objects.get(pk=product.pk).stock == 3
