"""The patient's record lists their orders (issue 15, part 7): the latest, newest first,
each linking to the order, and a link to all of them in the order queue."""

import pytest

from patientportal.clinics.choices import Role
from patientportal.staff import views
from tests.conftest import client_for
from tests.factories import MembershipFactory
from tests.staff.test_order_search import order_of

pytestmark = pytest.mark.django_db


def record(client, patient, clinic="alpha"):
    return client.get(f"/staff/{clinic}/patients/{patient.pk}/")


def test_the_record_lists_the_latest_orders_newest_first_with_a_link_to_each_and_to_all(world, monkeypatch):
    monkeypatch.setattr(views, "RECORD_ORDERS", 3)
    mine = [order_of(world.p1, f"10{index}", hours_ago=10 - index) for index in range(5)]
    order_of(world.p2, "900")
    response = record(client_for(world.staff_a), world.p1)
    shown = response.context["orders"][: views.RECORD_ORDERS]
    assert [order.number for order in shown] == ["104", "103", "102"]
    for order in mine[2:]:
        assert f'href="/staff/alpha/orders/{order.pk}/"' in response.text
    assert f'href="/staff/alpha/orders/{mine[1].pk}/"' not in response.text
    assert "900" not in [order.number for order in response.context["orders"]]
    assert f'href="/staff/alpha/orders/?queue=all&amp;patient={world.p1.pk}"' in response.text
    assert "All orders of this patient (the latest 3 are shown here)" in response.text


def test_a_record_without_orders_says_so(world):
    response = record(client_for(world.staff_a), world.p2)
    assert response.context["orders"] == []
    assert "No orders yet." in response.text


def test_a_provider_who_may_not_open_orders_does_not_see_them(world):
    order_of(world.p1, "101")
    provider = MembershipFactory(clinic=world.clinic_a, role=Role.PROVIDER).user
    response = record(client_for(provider), world.p1)
    assert response.status_code == 200
    assert response.context["orders"] is None and 'id="orders-title"' not in response.text


def test_another_clinic_sees_neither_the_record_nor_its_orders(world):
    order_of(world.p1, "101")
    assert record(client_for(world.owner_b), world.p1, clinic="beta").status_code == 404
    assert record(client_for(world.owner_b), world.p1).status_code == 404


@pytest.mark.parametrize("count", [1, 30])
def test_the_record_needs_the_same_number_of_queries_whatever_the_number_of_orders(
    world, count, django_assert_num_queries
):
    for index in range(count):
        order_of(world.p1, f"{index}", hours_ago=index)
    client = client_for(world.staff_a)
    record(client, world.p1)
    # session, user, membership with clinic, patient, audit insert, portal links, invitations,
    # appointments, documents, the latest orders, the header's unread notifications
    with django_assert_num_queries(QUERIES_ON_THE_RECORD):
        response = record(client, world.p1)
    assert len(response.context["orders"]) == min(count, views.RECORD_ORDERS + 1)


QUERIES_ON_THE_RECORD = 11
