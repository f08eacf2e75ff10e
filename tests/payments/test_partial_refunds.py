"""Partial refunds (issue 17, part 2): staff refund chosen items and quantities, or an amount, with a
reason; the tax goes back in proportion; stock comes back for returned items when staff say so; never
more than was captured, also when two staff refund at once (PostgreSQL); the patient is told."""

import pytest
from django.core import mail
from django.db import connection

from patientportal.catalog.models import Product, StockAdjustment
from patientportal.orders.choices import OrderStatus, PaymentStatus
from patientportal.orders.errors import OrderError
from patientportal.orders.models import OrderItem
from patientportal.payments.choices import PaymentAttemptStatus, RefundKind
from patientportal.payments.errors import PaymentError
from patientportal.payments.models import Refund
from patientportal.payments.notices import refund_notice
from patientportal.payments.services import order_cancel, order_refund, order_refund_partial
from tests.factories import ProductFactory
from tests.orders.helpers import pay, place_order
from tests.races import race

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid(world):
    """A paid order at 7.25% tax: 2 × Cream at 10.00 (taxable) and 1 × Bandage at 5.00 (not taxed).
    Subtotal 25.00, tax 1.45, total 26.45."""
    world.clinic_a.tax_rate_bp = 725
    world.clinic_a.save()
    cream = ProductFactory(clinic=world.clinic_a, name="Cream", price_cents=1000, stock=10)
    bandage = ProductFactory(clinic=world.clinic_a, name="Bandage", price_cents=500, taxable=False, stock=10)
    order = place_order(world, products=[(cream, 2), (bandage, 1)])
    payment = pay(order)
    assert (order.total_cents, order.tax_cents) == (2645, 145)
    items = {item.name: item for item in order.items.all()}
    return order, payment, items, cream, bandage


def refund(order, actor, **kwargs):
    kwargs.setdefault("reason", "Returned unopened")
    return order_refund_partial(order=order, actor=actor, **kwargs)


def stock(product):
    return Product.objects.get(pk=product.pk).stock


def test_refunding_one_item_gives_back_its_price_and_its_share_of_the_tax(
    world, paid, django_capture_on_commit_callbacks
):
    order, payment, items, cream, _bandage = paid
    with django_capture_on_commit_callbacks(execute=True):
        made = refund(order, world.owner_a, quantities={items["Cream"].pk: 1}, restock=True)
    assert (made.kind, made.amount_cents, made.tax_cents, made.restocked) == (RefundKind.ITEMS, 1073, 73, True)
    assert [(line.order_item.name, line.quantity, line.amount_cents) for line in made.items.all()] == [
        ("Cream", 1, 1000)
    ]
    assert made.actor == world.owner_a and made.reason == "Returned unopened"
    order.refresh_from_db()
    payment.refresh_from_db()
    # The order keeps its status: a partial refund is not a cancellation.
    assert (order.status, order.payment_status, payment.status) == (
        OrderStatus.PROCESSING,
        PaymentStatus.PARTLY_REFUNDED,
        PaymentAttemptStatus.SUCCEEDED,
    )
    assert OrderItem.objects.get(pk=items["Cream"].pk).refunded_quantity == 1
    assert stock(cream) == 9  # 10 - 2 ordered + 1 back
    assert StockAdjustment.objects.filter(product=cream, reason="return").count() == 1
    event = order.events.get(machine="payment", to_value=PaymentStatus.PARTLY_REFUNDED)
    assert (event.actor, event.note) == (world.owner_a, "$10.73 refunded: Returned unopened")
    message, _to_the_record = mail.outbox  # to the account that uses the record, and to the record's address
    assert message.subject.endswith(f"Refund receipt: order {order.number}, $10.73 refunded")
    for text in ("1 × Cream: $10.00", "Items: $10.00", "Tax: $0.73", "Refunded: $10.73", "Reason: Returned unopened"):
        assert text in message.body
    assert "Refunded so far: $10.73 of the $26.45 you paid." in message.body


def test_items_not_put_back_in_stock_stay_out_even_when_the_order_is_cancelled_later(world, paid):
    order, _payment, items, cream, bandage = paid
    refund(order, world.owner_a, quantities={items["Cream"].pk: 1}, restock=False, reason="Damaged in transit")
    assert stock(cream) == 8
    order_cancel(order=order, reason="Patient no longer wants it", actor=world.owner_a)
    order.refresh_from_db()
    assert (order.status, order.payment_status) == (OrderStatus.CANCELLED, PaymentStatus.REFUNDED)
    assert stock(cream) == 9 and stock(bandage) == 10  # the damaged cream never comes back
    assert sum(Refund.objects.filter(payment__order=order).values_list("amount_cents", flat=True)) == 2645


def test_refunding_everything_piece_by_piece_gives_back_exactly_what_was_paid(world, paid):
    order, payment, items, _cream, _bandage = paid
    refund(order, world.owner_a, quantities={items["Cream"].pk: 1})
    refund(order, world.owner_a, quantities={items["Bandage"].pk: 1})
    refund(order, world.owner_a, quantities={items["Cream"].pk: 1})
    refunds = list(Refund.objects.filter(payment=payment).order_by("id"))
    assert [(one.amount_cents, one.tax_cents) for one in refunds] == [(1073, 73), (500, 0), (1072, 72)]
    assert sum(one.amount_cents for one in refunds) == order.total_cents
    assert sum(one.tax_cents for one in refunds) == order.tax_cents
    order.refresh_from_db()
    payment.refresh_from_db()
    assert (order.status, order.payment_status, payment.status) == (
        OrderStatus.PROCESSING,
        PaymentStatus.REFUNDED,
        PaymentAttemptStatus.REFUNDED,
    )
    assert order.events.filter(machine="payment", to_value=PaymentStatus.PARTLY_REFUNDED).count() == 2
    with pytest.raises(OrderError) as refused:
        refund(order, world.owner_a, amount_cents=1)
    assert refused.value.code == "not_paid"


def test_an_amount_carries_its_share_of_the_tax_and_what_is_left_can_be_refunded_in_full(world, paid):
    order, payment, items, cream, _bandage = paid
    made = refund(order, world.owner_a, amount_cents=500, reason="Goodwill")
    # 500 × 145 / 2645 = 27.4 → 0.27 of tax
    assert (made.kind, made.amount_cents, made.tax_cents) == (RefundKind.AMOUNT, 500, 27)
    assert stock(cream) == 8 and OrderItem.objects.get(pk=items["Cream"].pk).refunded_quantity == 0
    order_refund(order=order, actor=world.owner_a, reason="Changed her mind")
    rest = Refund.objects.filter(payment=payment).order_by("-id").first()
    assert (rest.kind, rest.amount_cents, rest.tax_cents) == (RefundKind.FULL, 2145, 118)
    order.refresh_from_db()
    assert (order.status, order.payment_status) == (OrderStatus.CANCELLED, PaymentStatus.REFUNDED)
    assert stock(cream) == 10  # the whole order came back when it was cancelled


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"amount_cents": 700}, "over_refund"),
        ({"quantities": "cream:1"}, "over_refund"),  # 10.73 > 6.45 left
        ({"quantities": "cream:3"}, "refund_too_many"),
        ({"quantities": "cream:1", "amount_cents": 100}, "refund_items_or_amount"),
        ({}, "refund_items_or_amount"),
        ({"amount_cents": 0}, "refund_amount_positive"),
        ({"quantities": "other:1"}, "refund_unknown_item"),
        ({"amount_cents": 100, "reason": "  "}, "reason_required"),
        ({"amount_cents": 100, "expected_cents": 99}, "refund_changed"),
    ],
)
def test_a_refused_refund_changes_nothing(world, paid, kwargs, code):
    order, _payment, items, cream, _bandage = paid
    refund(order, world.owner_a, amount_cents=2000)  # 6.45 left
    other = place_order(world).items.get()
    given = {"cream": items["Cream"].pk, "other": other.pk}
    if isinstance(kwargs.get("quantities"), str):
        name, quantity = kwargs["quantities"].split(":")
        kwargs = {**kwargs, "quantities": {given[name]: int(quantity)}}
    before = (Refund.objects.count(), stock(cream), StockAdjustment.objects.count(), len(mail.outbox))
    with pytest.raises((OrderError, PaymentError)) as refused:
        refund(order, world.owner_a, restock=True, **kwargs)
    assert refused.value.code == code
    assert (Refund.objects.count(), stock(cream), StockAdjustment.objects.count(), len(mail.outbox)) == before
    assert OrderItem.objects.get(pk=items["Cream"].pk).refunded_quantity == 0
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.PARTLY_REFUNDED


def test_the_over_refund_message_says_what_is_left(world, paid):
    order, _payment, _items, _cream, _bandage = paid
    with pytest.raises(PaymentError) as refused:
        refund(order, world.owner_a, amount_cents=2646)
    assert refused.value.message == "That is more than is left to refund: at most $26.45."


def test_only_owners_and_admins_refund_part_of_an_order(world, paid):
    order, _payment, items, _cream, _bandage = paid
    with pytest.raises(PaymentError) as refused:
        refund(order, world.staff_a, quantities={items["Cream"].pk: 1})
    assert refused.value.code == "refund_not_allowed"
    with pytest.raises(PaymentError):
        refund(order, world.owner_b, amount_cents=100)  # another clinic's owner
    assert not Refund.objects.exists()


def test_the_notice_content_is_built_apart_from_the_email(world, paid):
    order, _payment, items, _cream, _bandage = paid
    first = refund(order, world.owner_a, quantities={items["Bandage"].pk: 1})
    second = refund(order, world.owner_a, amount_cents=1000)
    notice = refund_notice(first)
    assert (notice.order_number, notice.amount_cents, notice.tax_cents, notice.items_cents) == (
        order.number,
        500,
        0,
        500,
    )
    assert [(line.name, line.quantity, line.amount_cents) for line in notice.lines] == [("Bandage", 1, 500)]
    assert (notice.refunded_so_far_cents, notice.paid_cents, notice.in_full, notice.by_items) == (
        500,
        2645,
        False,
        True,
    )
    later = refund_notice(second)
    assert (later.refunded_so_far_cents, later.lines, later.by_items) == (1500, [], False)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_staff_refunding_at_once_never_give_back_more_than_was_captured(world):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL: run with DATABASE_URL=postgres://…")
    from tests.factories import MembershipFactory

    admin = MembershipFactory(clinic=world.clinic_a, role="admin").user
    for _attempt in range(3):
        order = place_order(world, products=[(ProductFactory(clinic=world.clinic_a, price_cents=1000), 1)])
        payment = pay(order)

        def give(user, order=order):
            return lambda: str(order_refund_partial(order=order, actor=user, reason="Both at once", amount_cents=600))

        outcomes = race([give(world.owner_a), give(admin)], refused=PaymentError)
        assert len(outcomes) == 2 and "over_refund" in outcomes
        assert list(Refund.objects.filter(payment=payment).values_list("amount_cents", flat=True)) == [600]
        order.refresh_from_db()
        assert order.payment_status == PaymentStatus.PARTLY_REFUNDED
