"""An authorisation that staff have not acted on (issue 17, part 1): urgent in the queue a day before
it lapses; when it lapses, the order falls back to "pay after approval" and the patient is told."""

import datetime

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from patientportal.orders.choices import Approval, OrderStatus, PaymentStatus
from patientportal.orders.errors import OrderError
from patientportal.orders.models import Order
from patientportal.payments.choices import PaymentAttemptStatus
from patientportal.payments.services import (
    authorisations_lapse,
    cancel_unpaid_orders,
    order_approve,
    payment_start,
)
from tests.conftest import client_for
from tests.orders.helpers import pay
from tests.payments.helpers import authorise, restricted_order
from tests.payments.stripe_stub import StripeStub, paths

pytestmark = pytest.mark.django_db
HOUR = datetime.timedelta(hours=1)


def ends_in(order, delta):
    Order.objects.filter(pk=order.pk).update(authorised_until=timezone.now() + delta)


def test_an_authorisation_ending_within_a_day_is_urgent_in_the_queue(world):
    calm, _product = restricted_order(world)
    urgent, _product = restricted_order(world)
    authorise(calm)
    authorise(urgent)
    ends_in(calm, 25 * HOUR)
    ends_in(urgent, 23 * HOUR)
    client = client_for(world.staff_a)
    page = client.get("/staff/alpha/orders/?queue=awaiting")
    assert page.context["urgent"] == 1
    assert "1 order's card authorisation ends within a day" in page.text
    assert page.text.count("Urgent: authorisation ends") == 1
    detail = client.get(f"/staff/alpha/orders/{urgent.pk}/")
    assert "Urgent: after that, the patient has to come back and pay." in detail.text
    assert "Urgent" not in client.get(f"/staff/alpha/orders/{calm.pk}/").text
    # Another clinic's urgent orders are not counted here.
    assert client_for(world.owner_b).get("/staff/beta/orders/").context["urgent"] == 0


def test_the_queue_with_its_urgent_count_needs_no_more_queries(world, django_assert_num_queries):
    for _ in range(3):
        order, _product = restricted_order(world)
        authorise(order)
        ends_in(order, 2 * HOUR)
    client = client_for(world.staff_a)
    # session, user, membership with clinic, one page of orders, the tabs' counts and the urgent count
    # in one query, audit insert, the header's unread notifications
    with django_assert_num_queries(7):
        client.get("/staff/alpha/orders/?queue=awaiting")


def test_a_lapsed_authorisation_falls_back_to_paying_after_approval_and_the_patient_is_told(
    world, django_capture_on_commit_callbacks
):
    order, _product = restricted_order(world)
    payment = authorise(order)
    until = order.authorised_until
    assert authorisations_lapse(now=until - datetime.timedelta(seconds=1)) == []
    with django_capture_on_commit_callbacks(execute=True):
        assert authorisations_lapse(now=until) == [order.number]
    assert authorisations_lapse(now=until + HOUR) == []  # once
    order.refresh_from_db()
    payment.refresh_from_db()
    assert (order.status, order.approval, order.payment_status, order.authorised_until) == (
        OrderStatus.PENDING,
        Approval.AWAITING,
        PaymentStatus.UNPAID,
        None,
    )
    assert payment.status == PaymentAttemptStatus.RELEASED
    assert payment.note == "The card authorisation lapsed before the order was approved"
    [message] = mail.outbox
    assert "the hold on your card ended; nothing was charged" in message.subject
    assert "you can pay then in the patient portal" in message.body
    # No second authorisation: the patient pays after approval, as orders without one do.
    client = client_for(world.patient_user_1)
    detail = client.get(f"/portal/orders/{order.pk}/")
    assert "Authorise card" not in detail.text and "You can pay once it is approved" in detail.text
    with pytest.raises(OrderError) as refused:
        payment_start(order=order, actor=None, success_url="", cancel_url="")
    assert refused.value.code == "not_payable"
    # Approval: the patient is asked to pay, and the unpaid timer counts from approval.
    order_approve(order=order, actor=world.staff_a)
    order.refresh_from_db()
    assert order.is_payable
    since = order.payable_since
    assert cancel_unpaid_orders(now=since + 71 * HOUR) == []
    pay(order)
    assert order.payment_status == PaymentStatus.PAID


def test_the_lapse_releases_the_hold_at_stripe_or_goes_by_the_clock_if_stripe_cannot_say(world, stripe_stub, settings):
    first, _product = restricted_order(world)
    second, _product = restricted_order(world)
    for order in (first, second):
        authorise(order)
    StripeStub.intents = {
        f"pi_{payment.pk}": {"status": "requires_capture", "amount": payment.amount_cents}
        for payment in (first.payments.get(), second.payments.get())
    }
    later = timezone.now() + datetime.timedelta(days=8)
    settings.STRIPE_API_BASE, stub = "http://127.0.0.1:9", settings.STRIPE_API_BASE  # Stripe down for the first
    assert authorisations_lapse(now=first.authorised_until) == [first.number]
    settings.STRIPE_API_BASE = stub
    assert authorisations_lapse(now=later) == [second.number]
    [cancel] = paths(stripe_stub, "/v1/payment_intents/")
    assert cancel["path"] == f"/v1/payment_intents/pi_{second.payments.get().pk}/cancel"
    for order in (first, second):
        order.refresh_from_db()
        assert order.payment_status == PaymentStatus.UNPAID
        assert order.payments.get().status == PaymentAttemptStatus.RELEASED


def test_an_authorisation_captured_before_the_job_runs_is_left_alone(world):
    order, _product = restricted_order(world)
    authorise(order)
    until = order.authorised_until
    order_approve(order=order, actor=world.staff_a)
    assert authorisations_lapse(now=until + HOUR) == []
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.PAID


def test_the_lapse_authorisations_command(world, capsys):
    order, _product = restricted_order(world)
    authorise(order)
    Order.objects.filter(pk=order.pk).update(authorised_until=timezone.now() - HOUR)
    call_command("lapse_authorisations")
    assert f"Released 1 lapsed card authorisation(s): {order.number}" in capsys.readouterr().out
