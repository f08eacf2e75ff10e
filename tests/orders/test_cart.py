import datetime

import pytest
from django.utils import timezone

from patientportal.orders.cart import cart_add_item, cart_for_patient, cart_item_count, cart_set_quantity
from patientportal.orders.errors import CartError
from patientportal.orders.models import CartItem
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def refused(**kwargs) -> str:
    with pytest.raises(CartError) as error:
        cart_add_item(**kwargs)
    return error.value.code


def test_adding_twice_adds_to_the_same_line(world):
    product = ProductFactory(clinic=world.clinic_a, stock=10)
    cart_add_item(patient=world.p1, product=product, quantity=2)
    cart_add_item(patient=world.p1, product=product, quantity=3)
    assert list(CartItem.objects.values_list("quantity", flat=True)) == [5]
    assert cart_item_count(patient=world.p1) == 5


def test_out_of_stock_is_refused(world):
    product = ProductFactory(clinic=world.clinic_a, stock=0)
    assert refused(patient=world.p1, product=product, quantity=1) == "out_of_stock"


def test_more_than_the_stock_is_refused_counting_what_is_already_in_the_cart(world):
    product = ProductFactory(clinic=world.clinic_a, stock=4)
    cart_add_item(patient=world.p1, product=product, quantity=3)
    assert refused(patient=world.p1, product=product, quantity=2) == "not_enough_stock"
    assert CartItem.objects.get().quantity == 3


def test_an_untracked_product_is_always_available(world):
    product = ProductFactory(clinic=world.clinic_a, stock=0, track_inventory=False)
    cart_add_item(patient=world.p1, product=product, quantity=5)
    assert cart_item_count(patient=world.p1) == 5


@pytest.mark.parametrize("change", [{"visible_in_portal": False}, {"active": False}])
def test_hidden_or_inactive_products_are_refused(world, change):
    product = ProductFactory(clinic=world.clinic_a, **change)
    assert refused(patient=world.p1, product=product, quantity=1) == "unavailable"


def test_an_age_limit_counts_the_birthday_in_the_clinics_time_zone(world):
    today = timezone.localtime(timezone.now(), world.clinic_a.zone).date()
    world.p1.date_of_birth = today.replace(year=today.year - 18) + datetime.timedelta(days=1)
    world.p1.save()
    product = ProductFactory(clinic=world.clinic_a, minimum_age=18)
    assert refused(patient=world.p1, product=product, quantity=1) == "age_restricted"
    world.p1.date_of_birth -= datetime.timedelta(days=1)  # 18 today
    world.p1.save()
    cart_add_item(patient=world.p1, product=product, quantity=1)


@pytest.mark.parametrize("quantity", [0, -1, 100])
def test_a_quantity_outside_1_to_99_is_refused(world, quantity):
    assert (
        refused(patient=world.p1, product=ProductFactory(clinic=world.clinic_a), quantity=quantity) == "quantity_range"
    )


def test_a_product_that_changes_after_it_was_added_is_flagged_and_blocks_checkout(world):
    product = ProductFactory(clinic=world.clinic_a, stock=5)
    other = ProductFactory(clinic=world.clinic_a, stock=5)
    cart_add_item(patient=world.p1, product=product, quantity=3)
    cart_add_item(patient=world.p1, product=other, quantity=1)
    assert cart_for_patient(patient=world.p1).ready_for_checkout
    product.stock = 2
    product.save()
    cart = cart_for_patient(patient=world.p1)
    assert [line.problem.code if line.problem else None for line in cart.lines] == ["not_enough_stock", None]
    assert not cart.ready_for_checkout
    cart_set_quantity(patient=world.p1, item_id=cart.lines[0].item.pk, quantity=2)  # lowering is always allowed
    assert cart_for_patient(patient=world.p1).ready_for_checkout
    other.visible_in_portal = False
    other.save()
    assert cart_for_patient(patient=world.p1).lines[1].problem.code == "unavailable"


def test_raising_a_quantity_is_checked_against_stock(world):
    product = ProductFactory(clinic=world.clinic_a, stock=3)
    item = cart_add_item(patient=world.p1, product=product, quantity=1)
    with pytest.raises(CartError) as error:
        cart_set_quantity(patient=world.p1, item_id=item.pk, quantity=4)
    assert error.value.code == "not_enough_stock"
    assert CartItem.objects.get().quantity == 1


def test_each_patient_record_has_its_own_cart_even_on_one_account(world):
    from tests.factories import PortalAccessFactory

    PortalAccessFactory(user=world.patient_user_1, patient=world.pb)
    cart_add_item(patient=world.p1, product=ProductFactory(clinic=world.clinic_a), quantity=2)
    assert cart_item_count(patient=world.p1) == 2
    assert cart_item_count(patient=world.pb) == 0
    assert cart_for_patient(patient=world.pb).lines == []


def test_the_subtotal_is_price_times_quantity(world):
    cart_add_item(patient=world.p1, product=ProductFactory(clinic=world.clinic_a, price_cents=1250), quantity=2)
    cart_add_item(patient=world.p1, product=ProductFactory(clinic=world.clinic_a, price_cents=199), quantity=3)
    assert cart_for_patient(patient=world.p1).subtotal_cents == 2500 + 597
