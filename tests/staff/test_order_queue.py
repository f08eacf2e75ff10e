import datetime
import html
import itertools
import re

import pytest
from django.utils import timezone

from patientportal.orders.choices import Approval, OrderStatus, PaymentStatus
from patientportal.orders.models import Order
from patientportal.staff import order_views
from tests.access_matrix import assert_staff_url_is_scoped
from tests.conftest import client_for
from tests.factories import PatientFactory, ProductFactory
from tests.orders.helpers import pay, place_order

pytestmark = pytest.mark.django_db

NUMBERS = itertools.count(1)


def queue(client, name):
    return [order.number for order in client.get(f"/staff/alpha/orders/?queue={name}").context["page"].orders]


def orders_placed_at(patient, user, moment, count, *, status=OrderStatus.PENDING, approval=Approval.NOT_NEEDED):
    """`count` orders of the patient placed at the very same moment (bulk: the queue's reads are tested here)."""
    orders = Order.objects.bulk_create(
        Order(
            clinic=patient.clinic,
            patient=patient,
            number=f"T-{next(NUMBERS)}",
            status=status,
            approval=approval,
            currency="USD",
            tax_rate_bp=0,
            subtotal_cents=1000,
            taxable_subtotal_cents=0,
            tax_cents=0,
            total_cents=1000,
            placed_by=user,
        )
        for _ in range(count)
    )
    Order.objects.filter(pk__in=[order.pk for order in orders]).update(created_at=moment)
    return list(Order.objects.filter(pk__in=[order.pk for order in orders]))


def next_link(response):
    found = re.search(r'rel="next" href="([^"]+)"', response.text)
    return html.unescape(found.group(1)) if found else None


def walk(client, first_url):
    pages = [client.get(first_url)]
    while next_link(pages[-1]):
        pages.append(client.get(f"/staff/alpha/orders/{next_link(pages[-1])}"))
    return pages


@pytest.fixture
def ties(world):
    """Ten orders of Alpha Clinic placed at three moments (four, three and three at once),
    and as many of Beta Clinic's at the same moments."""
    now = timezone.now()
    moments = [now - datetime.timedelta(hours=3), now - datetime.timedelta(hours=2), now - datetime.timedelta(hours=1)]
    alpha, beta = [], []
    for moment, count in zip(moments, (4, 3, 3), strict=True):
        for status in (OrderStatus.PENDING, OrderStatus.PROCESSING):
            alpha += orders_placed_at(world.p1, world.patient_user_1, moment, count, status=status)
            beta += orders_placed_at(world.pb, world.patient_user_b, moment, count, status=status)
    return alpha, beta


@pytest.mark.parametrize(
    ("name", "newest_first", "status"),
    [("all", True, None), ("to_prepare", False, OrderStatus.PROCESSING), ("unpaid", False, OrderStatus.PENDING)],
)
def test_next_and_previous_give_every_order_once_in_order_when_many_share_a_moment(
    world, ties, monkeypatch, name, newest_first, status
):
    monkeypatch.setattr(order_views, "ORDERS_PER_PAGE", 4 if status else 6)
    alpha, beta = ties
    expected = sorted(
        (order for order in alpha if status is None or order.status == status),
        key=lambda order: (order.created_at, order.pk),
        reverse=newest_first,
    )
    client = client_for(world.staff_a)

    pages = walk(client, f"/staff/alpha/orders/?queue={name}")

    assert [len(page.context["page"].orders) for page in pages] == [4, 4, 2] if status else [6, 6, 6, 2]
    assert [order.pk for page in pages for order in page.context["page"].orders] == [order.pk for order in expected]
    assert not {order.pk for page in pages for order in page.context["page"].orders} & {order.pk for order in beta}
    assert all(f"queue={name}" in next_link(page) for page in pages[:-1])
    later, earlier = ("Older orders", "Newer orders") if newest_first else ("Later orders", "Earlier orders")
    assert later in pages[0].text and earlier not in pages[0].text and earlier in pages[-1].text
    back = re.search(r'rel="prev" href="([^"]+)"', pages[-1].text).group(1)
    previous = client.get(f"/staff/alpha/orders/{html.unescape(back)}")
    assert [order.pk for order in previous.context["page"].orders] == [
        order.pk for order in pages[-2].context["page"].orders
    ]


def test_an_old_or_foreign_page_address_starts_at_the_first_page(world, ties):
    _alpha, beta = ties
    client = client_for(world.staff_a)
    first = [order.pk for order in client.get("/staff/alpha/orders/?queue=all").context["page"].orders]
    for query in ("page=7", f"after={beta[0].pk}", f"before={beta[0].pk}", "after=0"):
        response = client.get(f"/staff/alpha/orders/?queue=all&{query}")
        assert [order.pk for order in response.context["page"].orders] == first, query


@pytest.mark.parametrize("orders", [2, 40])
def test_the_queue_needs_the_same_number_of_queries_whatever_the_size(world, orders, django_assert_num_queries):
    orders_placed_at(world.p1, world.patient_user_1, timezone.now(), orders)
    client = client_for(world.staff_a)
    first = client.get("/staff/alpha/orders/?queue=all")
    later = f"/staff/alpha/orders/?queue=all&after={first.context['page'].orders[0].pk}"
    # session, user, membership with clinic, one page of orders with their patients (no
    # count), the four tabs' counts in one query, audit insert (was 10: a COUNT of the
    # page's queue and four counts of one query each), the header's unread notifications
    for url in ("/staff/alpha/orders/?queue=all", later, "/staff/alpha/orders/?queue=awaiting"):
        with django_assert_num_queries(7):
            client.get(url)


@pytest.mark.parametrize("size", [2, 60])
def test_a_search_needs_the_same_number_of_queries_whatever_the_size(world, size, django_assert_num_queries):
    """`size` orders of P1 and `size` more patients called Paula, each with an order: more
    than the search's 50 patients at the larger size."""
    orders_placed_at(world.p1, world.patient_user_1, timezone.now(), size)
    for patient in PatientFactory.create_batch(size, clinic=world.clinic_a, first_name="Paula"):
        orders_placed_at(patient, world.patient_user_1, timezone.now(), 1)
    client = client_for(world.staff_a)
    first = client.get("/staff/alpha/orders/?queue=all&q=paula")
    assert len(first.context["page"].orders) == min(order_views.ORDERS_PER_PAGE, 2 * size)
    later = f"/staff/alpha/orders/?queue=all&q=paula&after={first.context['page'].orders[0].pk}"
    number = first.context["page"].orders[0].number
    # session, user, membership with clinic, the order with the number typed, the patients
    # the search finds (at most 50, one query), one page of their orders, the tabs' counts,
    # audit insert, the header's unread notifications
    for url in ("/staff/alpha/orders/?queue=all&q=paula", later):
        with django_assert_num_queries(9):
            client.get(url)
    # a search that finds no patient (an order number) reads no orders of patients
    for url in (f"/staff/alpha/orders/?q={number}", "/staff/alpha/orders/?queue=all&q=nobody"):
        with django_assert_num_queries(8):
            response = client.get(url)
    assert response.context["page"].orders == []
    assert client.get(f"/staff/alpha/orders/?q={number}").context["looking"].numbered.number == number
    # one patient's orders: the patient instead of the search
    with django_assert_num_queries(8):
        client.get(f"/staff/alpha/orders/?queue=all&patient={world.p1.pk}")


def test_the_tab_counts_stop_counting_past_a_thousand(world, monkeypatch):
    monkeypatch.setattr(order_views, "QUEUE_COUNTS_UP_TO", 2)
    moment = timezone.now()
    orders_placed_at(world.p1, world.patient_user_1, moment, 3, approval=Approval.AWAITING)
    orders_placed_at(world.p1, world.patient_user_1, moment, 2, status=OrderStatus.READY)
    response = client_for(world.staff_a).get("/staff/alpha/orders/?queue=ready")
    assert response.context["counts"] == {"awaiting": 3, "to_prepare": 0, "ready": 2, "unpaid": 0}
    assert 'Awaiting approval <span class="badge badge-neutral">2+</span>' in response.text
    assert 'Ready for pickup <span class="badge badge-neutral">2</span>' in response.text


def test_the_queues_filter_orders(world):
    waiting = place_order(world, products=[(ProductFactory(clinic=world.clinic_a, requires_prescription=True), 1)])
    paid = place_order(world)
    pay(paid)
    unpaid = place_order(world)
    client = client_for(world.staff_a)
    assert queue(client, "awaiting") == [waiting.number]
    assert queue(client, "to_prepare") == [paid.number]
    assert queue(client, "unpaid") == [unpaid.number]
    assert len(queue(client, "all")) == 3
    assert queue(client, "nonsense") == [waiting.number]  # unknown queue: the default


def test_staff_approve_then_the_patient_can_pay_and_staff_mark_ready_and_complete(world):
    order = place_order(world, products=[(ProductFactory(clinic=world.clinic_a, requires_consultation=True), 1)])
    client = client_for(world.staff_a)
    approved = client.post(f"/staff/alpha/orders/{order.pk}/approve/", follow=True)
    assert "Order approved" in approved.text
    pay(order)
    client.post(f"/staff/alpha/orders/{order.pk}/ready/")
    assert Order.objects.get(pk=order.pk).status == OrderStatus.READY
    client.post(f"/staff/alpha/orders/{order.pk}/complete/")
    order.refresh_from_db()
    assert (order.status, order.approval, order.payment_status) == (
        OrderStatus.COMPLETED,
        Approval.APPROVED,
        PaymentStatus.PAID,
    )
    assert [event.actor for event in order.events.filter(machine="status", to_value="ready")] == [world.staff_a]


def test_reject_and_cancel_need_a_reason(world):
    order = place_order(world, products=[(ProductFactory(clinic=world.clinic_a, requires_consultation=True), 1)])
    client = client_for(world.staff_a)
    missing = client.post(f"/staff/alpha/orders/{order.pk}/reject/", {"reason": ""}, follow=True)
    assert "Please give a reason" in missing.text
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PENDING
    client.post(f"/staff/alpha/orders/{order.pk}/reject/", {"reason": "See the doctor first"})
    assert Order.objects.get(pk=order.pk).rejection_reason == "See the doctor first"


def test_a_wrong_move_is_refused_with_a_message(world):
    order = place_order(world)
    response = client_for(world.staff_a).post(f"/staff/alpha/orders/{order.pk}/ready/", follow=True)
    assert "cannot go from “Pending” to “Ready for pickup”" in response.text
    assert client_for(world.staff_a).post(f"/staff/alpha/orders/{order.pk}/explode/").status_code == 404


@pytest.mark.parametrize("path", ["/staff/alpha/orders/", "/staff/alpha/orders/{o}/"])
def test_order_pages_are_scoped_to_the_clinics_team(world, path):
    order = place_order(world)
    assert_staff_url_is_scoped(world, path.format(o=order.pk))


def test_another_clinic_cannot_see_or_act_on_an_order(world):
    order = place_order(world)
    outsider = client_for(world.owner_b)
    assert outsider.get(f"/staff/beta/orders/{order.pk}/").status_code == 404
    assert outsider.post(f"/staff/beta/orders/{order.pk}/cancel/", {"reason": "x"}).status_code == 404
    assert (
        client_for(world.patient_user_1).post(f"/staff/alpha/orders/{order.pk}/cancel/", {"reason": "x"}).status_code
        == 404
    )
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PENDING
