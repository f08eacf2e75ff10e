"""Removing a cart line: the service, not the view, decides whether the item is this patient's."""

import pytest

from patientportal.orders.cart import cart_add_item, cart_remove_item
from patientportal.orders.models import CartItem
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def test_removing_a_line_of_ones_own_cart_deletes_it(world):
    item = cart_add_item(patient=world.p1, product=ProductFactory(clinic=world.clinic_a), quantity=2)
    cart_remove_item(patient=world.p1, item_id=item.pk)
    assert not CartItem.objects.filter(pk=item.pk).exists()


def test_an_item_not_in_this_patients_cart_is_not_found_and_stays(world):
    others = cart_add_item(patient=world.p2, product=ProductFactory(clinic=world.clinic_a), quantity=1)
    with pytest.raises(CartItem.DoesNotExist):
        cart_remove_item(patient=world.p1, item_id=others.pk)
    assert CartItem.objects.get(pk=others.pk).quantity == 1


def test_removing_twice_is_not_found_the_second_time(world):
    item = cart_add_item(patient=world.p1, product=ProductFactory(clinic=world.clinic_a), quantity=1)
    cart_remove_item(patient=world.p1, item_id=item.pk)
    with pytest.raises(CartItem.DoesNotExist):
        cart_remove_item(patient=world.p1, item_id=item.pk)
