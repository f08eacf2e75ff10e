"""The staff page that refunds part of an order (issue 17, part 2): owners and admins only, scoped to
the clinic; it shows what the refund gives back before anything moves; the order pages of staff and
patient then show each refund."""

import re

import pytest
from django.core import mail

from patientportal.catalog.models import Product
from patientportal.orders.choices import PaymentStatus
from patientportal.payments.models import Refund
from tests.conftest import client_for
from tests.factories import MembershipFactory, ProductFactory
from tests.orders.helpers import pay, place_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid(world):
    """2 × Cream at 10.00 and 1 × Bandage at 5.00, tax 7.25% on the cream: 25.00 + 1.45 = 26.45, paid."""
    world.clinic_a.tax_rate_bp = 725
    world.clinic_a.save()
    cream = ProductFactory(clinic=world.clinic_a, name="Cream", price_cents=1000, stock=10)
    bandage = ProductFactory(clinic=world.clinic_a, name="Bandage", price_cents=500, taxable=False, stock=10)
    order = place_order(world, products=[(cream, 2), (bandage, 1)])
    pay(order)
    return order, {item.name: item for item in order.items.all()}, cream


def url(order, clinic="alpha"):
    return f"/staff/{clinic}/orders/{order.pk}/refunds/new/"


def test_only_the_clinics_owners_and_admins_reach_the_refund_page(world, paid):
    order, _items, _cream = paid
    anonymous = client_for(None).get(url(order))
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")
    assert client_for(world.patient_user_1).get(url(order)).status_code == 404  # the order's own patient
    assert client_for(world.owner_b).get(url(order)).status_code == 404  # another clinic
    assert client_for(world.owner_b).get(url(order, "beta")).status_code == 404  # ... under its own clinic
    assert client_for(world.staff_a).get(url(order)).status_code == 403  # the clinic's plain staff role
    assert (
        client_for(world.staff_a).post(url(order), {"step": "refund", "amount": "1", "reason": "x"}).status_code == 403
    )
    admin = MembershipFactory(clinic=world.clinic_a, role="admin").user
    for user in (world.owner_a, admin):
        page = client_for(user).get(url(order))
        assert page.status_code == 200 and "Refund part of order" in page.text
    assert not Refund.objects.exists()


def test_review_then_confirm_refunds_the_items_and_the_pages_show_it(world, paid, django_capture_on_commit_callbacks):
    order, items, cream = paid
    client = client_for(world.owner_a)
    choose = {f"item_{items['Cream'].pk}": "1", f"item_{items['Bandage'].pk}": "0", "amount": "", "reason": "Opened"}
    review = client.post(url(order), {**choose, "restock": "on", "step": "review"})
    assert review.status_code == 200
    assert "Check the refund" in review.text and "Refund $10.73" in review.text and "$0.73" in review.text
    assert "The items go back in stock." in review.text
    assert not Refund.objects.exists()  # nothing moved yet
    expected = re.search(r'name="expected_cents" value="(\d+)"', review.text).group(1)
    assert expected == "1073"
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(
            url(order), {**choose, "restock": "True", "step": "refund", "expected_cents": expected}, follow=True
        )
    assert "Refunded $10.73. The patient was told by email." in done.text
    refund = Refund.objects.get()
    assert (refund.amount_cents, refund.tax_cents, refund.restocked, refund.actor) == (1073, 73, True, world.owner_a)
    assert Product.objects.get(pk=cream.pk).stock == 9
    # The staff order page shows the refund, who made it, and what is left.
    assert "$10.73 refunded" in done.text and "1 × Cream ($10.00)" in done.text and "owner@alpha.example" in done.text
    assert "Refunded in all: $10.73 (tax $0.73)" in done.text and "Refund the rest ($15.72)" in done.text
    assert "Partly refunded" in done.text
    # The patient's order page shows it too, without who made it.
    patient = client_for(world.patient_user_1).get(f"/portal/orders/{order.pk}/")
    assert "$10.73 refunded" in patient.text and "Reason: Opened" in patient.text
    assert "owner@alpha.example" not in patient.text and "Partly refunded" in patient.text
    # The refund receipt: to the account that uses the record, and to the record's own address.
    assert [message.to for message in mail.outbox] == [[world.patient_user_1.email], [world.p1.email]]


def test_a_refund_made_meanwhile_makes_the_reviewed_one_refused(world, paid):
    order, _items, _cream = paid
    client = client_for(world.owner_a)
    choose = {"amount": "20.00", "reason": "Goodwill"}
    review = client.post(url(order), {**choose, "step": "review"})
    expected = re.search(r'name="expected_cents" value="(\d+)"', review.text).group(1)
    client.post(url(order), {"amount": "10.00", "reason": "First", "step": "refund"})  # another screen
    refused = client.post(url(order), {**choose, "step": "refund", "expected_cents": expected})
    assert refused.status_code == 400
    assert "That is more than is left to refund: at most $16.45." in refused.text
    assert list(Refund.objects.values_list("amount_cents", flat=True)) == [1000]


def test_mistakes_are_shown_beside_what_was_typed(world, paid):
    order, items, _cream = paid
    client = client_for(world.owner_a)
    both = client.post(url(order), {f"item_{items['Cream'].pk}": "1", "amount": "5", "reason": "x", "step": "review"})
    assert both.status_code == 400 and "Choose the items to refund, or type an amount" in both.text
    too_many = client.post(url(order), {f"item_{items['Cream'].pk}": "3", "reason": "x", "step": "review"})
    assert too_many.status_code == 400 and "Ensure this value is less than or equal to 2." in too_many.text
    not_money = client.post(url(order), {"amount": "five", "reason": "", "step": "review"})
    assert "Type an amount like 5.00." in not_money.text and "This field is required." in not_money.text
    assert 'value="five"' in not_money.text  # what was typed is kept
    assert not Refund.objects.exists()


def test_an_unpaid_order_has_nothing_to_refund(world):
    order = place_order(world)
    response = client_for(world.owner_a).get(url(order), follow=True)
    assert "Only a paid order can be refunded." in response.text
    assert response.redirect_chain[-1][0] == f"/staff/alpha/orders/{order.pk}/"


def test_everything_refunded_piece_by_piece_leaves_nothing_to_refund(world, paid):
    order, _items, _cream = paid
    client = client_for(world.owner_a)
    client.post(url(order), {"amount": "26.45", "reason": "All of it", "step": "refund"})
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.REFUNDED
    page = client.get(f"/staff/alpha/orders/{order.pk}/")
    assert "Refund items or an amount" not in page.text and "Refund in full" not in page.text


def test_opening_the_refund_page_is_audited_as_a_view_of_the_order(world, paid):
    from patientportal.audit.models import AuditEvent

    order, _items, _cream = paid
    client_for(world.owner_a).get(url(order))
    event = AuditEvent.objects.filter(action="orders.order.viewed").get()
    assert (event.actor_id, event.patient_id, event.object_id) == (world.owner_a.pk, world.p1.pk, str(order.pk))
