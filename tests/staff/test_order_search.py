"""Front desk finds an order (issue 15, part 7): the queue's search box finds orders by
their number, exactly, or by the patient's name, email address or phone number, with the
patients' own search; always within the clinic."""

import datetime
import html
import re

import pytest
from django.utils import timezone

from patientportal.audit.models import AuditEvent
from patientportal.clinics.choices import Role
from patientportal.orders import selectors
from patientportal.orders.choices import Approval, OrderStatus
from patientportal.orders.models import Order
from patientportal.staff import order_views
from tests.access_matrix import assert_staff_url_is_scoped
from tests.conftest import client_for
from tests.factories import MembershipFactory, PatientFactory

pytestmark = pytest.mark.django_db


def order_of(patient, number, *, hours_ago=1, status=OrderStatus.PENDING, approval=Approval.NOT_NEEDED):
    """One order of the patient with this number, placed `hours_ago`."""
    order = Order.objects.create(
        clinic=patient.clinic,
        patient=patient,
        number=number,
        status=status,
        approval=approval,
        currency="USD",
        tax_rate_bp=0,
        subtotal_cents=1000,
        taxable_subtotal_cents=0,
        tax_cents=0,
        total_cents=1000,
        placed_by=patient.clinic.staff_memberships.first().user,
    )
    Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - datetime.timedelta(hours=hours_ago))
    return order


def found(client, query):
    """The numbers of the orders listed, and of the order with the number searched for (or None)."""
    response = client.get(f"/staff/alpha/orders/?{query}")
    assert response.status_code == 200, query
    numbered = response.context["looking"].numbered
    return [order.number for order in response.context["page"].orders], numbered.number if numbered else None


@pytest.fixture
def orders(world):
    """Paula One (P1) has two orders, Peter Two (P2) one; Beta Clinic has a Paula One too,
    with orders of the same numbers."""
    world.p1.email, world.p1.phone = "paula.one@mail.example", "(555) 020-3199"
    world.p1.save()
    world.p2.email, world.p2.phone = "peter.two@mail.example", "555 020 3288"
    world.p2.save()
    twin = PatientFactory(clinic=world.clinic_b, first_name="Paula", last_name="One", email="paula.one@mail.example")
    return {
        "older": order_of(world.p1, "1001", hours_ago=5),
        "newer": order_of(world.p1, "1003", hours_ago=1, status=OrderStatus.PROCESSING),
        "peter": order_of(world.p2, "1002", hours_ago=3),
        "beta": [order_of(twin, "1001"), order_of(twin, "1003"), order_of(world.pb, "1002")],
    }


def test_an_order_number_finds_that_order_exactly_and_only_in_the_clinic(world, orders):
    client = client_for(world.staff_a)
    assert found(client, "queue=all&q=1002") == ([], "1002")
    assert found(client, "queue=all&q=%231002") == ([], "1002")  # "#1002", as printed on a receipt
    assert found(client, "queue=all&q=100") == ([], None)  # a number matches exactly, never a part
    response = client.get("/staff/alpha/orders/?queue=all&q=1002")
    assert response.context["looking"].numbered.pk == orders["peter"].pk
    assert "Order number 1002" in response.text and f"/staff/alpha/orders/{orders['peter'].pk}/" in response.text
    assert "No other orders match “1002” in All orders." in response.text


def test_the_numbered_order_is_shown_whatever_the_tab(world, orders):
    # 1003 is being prepared, not waiting for payment: found all the same, with its status.
    response = client_for(world.staff_a).get("/staff/alpha/orders/?queue=unpaid&q=1003")
    assert response.context["looking"].numbered.pk == orders["newer"].pk
    assert "Processing" in response.text


@pytest.mark.parametrize(
    "text",
    ["paula", "Paula One", "one", "paula.one@mail.example", "PAULA.ONE@", "(555) 020-3199", "0203199", "5550203199"],
)
def test_a_name_email_or_phone_finds_the_patients_orders_newest_first_in_the_clinic_only(world, orders, text):
    client = client_for(world.staff_a)
    numbers, numbered = found(client, f"queue=all&q={text}")
    assert (numbers, numbered) == (["1003", "1001"], None)


def test_another_clinics_search_never_shows_this_clinics_orders(world, orders):
    client = client_for(world.owner_b)
    response = client.get("/staff/beta/orders/?queue=all&q=paula")
    assert [order.pk for order in response.context["page"].orders] == [order.pk for order in orders["beta"][1::-1]]
    assert response.context["looking"].numbered is None
    numbered = client.get("/staff/beta/orders/?queue=all&q=1002").context["looking"].numbered
    assert numbered.pk == orders["beta"][2].pk


def test_the_search_narrows_the_open_tab_and_the_tabs_keep_it(world, orders):
    client = client_for(world.staff_a)
    assert found(client, "queue=to_prepare&q=paula") == (["1003"], None)
    assert found(client, "queue=unpaid&q=paula") == (["1001"], None)
    response = client.get("/staff/alpha/orders/?queue=to_prepare&q=Paula+One")
    assert 'href="?queue=all&amp;q=Paula+One"' in response.text
    assert 'name="q" value="Paula One"' in response.text
    assert 'name="queue" value="to_prepare"' in response.text


def test_nothing_found_says_so_and_offers_every_tab(world, orders):
    response = client_for(world.staff_a).get("/staff/alpha/orders/?queue=awaiting&q=nobody")
    assert response.context["page"].orders == []
    assert "No orders match “nobody” in Awaiting approval." in response.text
    assert 'href="?queue=all&amp;q=nobody"' in response.text
    everywhere = client_for(world.staff_a).get("/staff/alpha/orders/?queue=all&q=nobody")
    assert "No orders match “nobody” in All orders." in everywhere.text
    assert "Search all orders" not in everywhere.text


def test_the_search_goes_on_in_the_next_and_previous_links(world, orders, monkeypatch):
    monkeypatch.setattr(order_views, "ORDERS_PER_PAGE", 1)
    client = client_for(world.staff_a)
    first = client.get("/staff/alpha/orders/?queue=all&q=paula")
    link = html.unescape(re.search(r'rel="next" href="([^"]+)"', first.text).group(1))
    assert "q=paula" in link and "queue=all" in link
    second = client.get(f"/staff/alpha/orders/{link}")
    assert [order.number for order in second.context["page"].orders] == ["1001"]
    back = html.unescape(re.search(r'rel="prev" href="([^"]+)"', second.text).group(1))
    assert "q=paula" in back
    assert [order.number for order in client.get(f"/staff/alpha/orders/{back}").context["page"].orders] == ["1003"]


def test_a_common_name_searches_the_first_patients_by_name_and_says_so(world, monkeypatch):
    monkeypatch.setattr(selectors, "SEARCH_PATIENTS_UP_TO", 2)
    patients = [PatientFactory(clinic=world.clinic_a, first_name="Sam", last_name=f"Kim{i}") for i in range(3)]
    for index, patient in enumerate(patients):
        order_of(patient, f"20{index}", hours_ago=index + 1)
    response = client_for(world.staff_a).get("/staff/alpha/orders/?queue=all&q=sam")
    assert [order.number for order in response.context["page"].orders] == ["200", "201"]  # Kim0 and Kim1
    assert "More than 2 patients match your search" in response.text
    fewer = client_for(world.staff_a).get("/staff/alpha/orders/?queue=all&q=sam+kim0")
    assert "patients match your search" not in fewer.text


def test_one_patients_orders_from_the_record(world, orders):
    client = client_for(world.staff_a)
    response = client.get(f"/staff/alpha/orders/?queue=all&patient={world.p1.pk}")
    assert [order.number for order in response.context["page"].orders] == ["1003", "1001"]
    assert "Orders of Paula One." in response.text
    assert f'href="?queue=to_prepare&amp;patient={world.p1.pk}"' in response.text
    assert client.get(f"/staff/alpha/orders/?queue=all&patient={world.pb.pk}").status_code == 404
    nothing = client.get(f"/staff/alpha/orders/?queue=awaiting&patient={world.p2.pk}")
    assert "None of this patient's orders is here." in nothing.text


@pytest.mark.parametrize("query", ["q=paula", "q=1001", "q=paula.one@mail.example", "q=0203199", "patient={p1}"])
def test_the_search_is_scoped_to_the_clinics_order_team(world, orders, query):
    assert_staff_url_is_scoped(world, f"/staff/alpha/orders/?queue=all&{query.format(p1=world.p1.pk)}")
    provider = MembershipFactory(clinic=world.clinic_a, role=Role.PROVIDER).user
    assert client_for(provider).get(f"/staff/alpha/orders/?{query.format(p1=world.p1.pk)}").status_code == 403


def test_the_search_is_audited_by_kind_never_by_text(world, orders):
    client = client_for(world.staff_a)
    queries = [("q=paula", "name"), ("q=1002", "number"), ("q=0203199", "phone"), ("q=p%40", "email")]
    queries += [(f"patient={world.p2.pk}", "patient"), ("", None)]
    for query, kind in queries:
        client.get(f"/staff/alpha/orders/?queue=all&{query}")
        event = AuditEvent.objects.filter(action="orders.queue.viewed").latest("pk")
        assert event.metadata.get("searched") == kind, query
    client.get("/staff/alpha/orders/?queue=all&q=paula")
    event = AuditEvent.objects.filter(action="orders.queue.viewed").latest("pk")
    assert event.metadata["order_ids"] == sorted([orders["older"].pk, orders["newer"].pk])
    assert event.metadata["patient_ids"] == [world.p1.pk]
    assert "paula" not in str(event.metadata).lower()
