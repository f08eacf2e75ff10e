"""Partial refunds through Stripe, against the local stub (issue 17, part 2): each refund is a Stripe
refund with its amount and an idempotency key of its own; Stripe's charge.refunded webhooks that
follow (a running total) change nothing; one made in Stripe's dashboard is recorded once; two staff
refunding at once make one Stripe refund, never more than was captured (PostgreSQL)."""

import pytest
from django.db import connection

from patientportal.orders.choices import PaymentStatus
from patientportal.payments.choices import RefundKind
from patientportal.payments.errors import PaymentError
from patientportal.payments.models import Payment, Refund
from patientportal.payments.services import order_refund, order_refund_partial
from tests.conftest import client_for
from tests.factories import MembershipFactory, ProductFactory
from tests.orders.helpers import place_order
from tests.payments.stripe_stub import StripeStub, paths, post_webhook, refund_webhook, session_event, signed
from tests.races import race

pytestmark = pytest.mark.django_db
INTENT = "pi_test_1"


@pytest.fixture
def paid(world, stripe_stub):
    """A 2 × 10.00 order paid through Stripe Checkout (no tax)."""
    order = place_order(world, products=[(ProductFactory(clinic=world.clinic_a, price_cents=1000, stock=5), 2)])
    client_for(world.patient_user_1).post(f"/portal/orders/{order.pk}/pay/")
    payment = Payment.objects.get(order=order)
    post_webhook(*signed(session_event("evt_paid", payment)))
    StripeStub.intents[INTENT] = {"status": "succeeded", "amount": 2000, "amount_received": 2000}
    order.refresh_from_db()
    return order, payment


def test_each_refund_asks_stripe_for_its_amount_with_a_key_of_its_own(world, paid, stripe_stub):
    order, payment = paid
    item = order.items.get()
    order_refund_partial(order=order, actor=world.owner_a, reason="One returned", quantities={item.pk: 1})
    order_refund_partial(order=order, actor=world.owner_a, reason="Goodwill", amount_cents=250)
    first, second = paths(stripe_stub, "/v1/refunds")
    assert (first["form"]["payment_intent"], first["form"]["amount"]) == ([INTENT], ["1000"])
    assert (second["form"]["amount"], second["headers"]["Idempotency-Key"]) == (["250"], f"refund-{payment.pk}-2")
    assert first["headers"]["Idempotency-Key"] == f"refund-{payment.pk}-1"
    assert list(Refund.objects.order_by("id").values_list("reference", flat=True)) == ["re_test_1", "re_test_2"]
    # Stripe's webhooks after them say the running total: already recorded, nothing more.
    for event_id, total in (("evt_r1", 1000), ("evt_r2", 1250)):
        assert (
            post_webhook(*signed(refund_webhook(event_id, total, INTENT))).content
            == b"ignored: refund already recorded"
        )
    assert Refund.objects.count() == 2
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.PARTLY_REFUNDED


def test_a_refund_made_in_stripes_dashboard_after_ours_is_recorded_once(world, paid):
    order, payment = paid
    order_refund_partial(order=order, actor=world.owner_a, reason="Goodwill", amount_cents=500)
    assert post_webhook(*signed(refund_webhook("evt_dash", 800, INTENT))).content == b"recorded: partial refund"
    assert post_webhook(*signed(refund_webhook("evt_dash", 800, INTENT))).content == b"duplicate: already processed"
    at_stripe = Refund.objects.get(kind=RefundKind.AT_PROVIDER)
    assert (at_stripe.amount_cents, at_stripe.reason) == (300, "Refunded at the provider")
    # The rest, in full, from the portal: what is left, not the whole payment.
    order_refund(order=order, actor=world.owner_a, reason="Closing it")
    assert Refund.objects.order_by("-id").first().amount_cents == 1200
    payment.refresh_from_db()
    order.refresh_from_db()
    assert (order.payment_status, payment.status) == (PaymentStatus.REFUNDED, "refunded")


def test_a_refund_stripe_refuses_changes_nothing_here(world, paid):
    order, _payment = paid
    StripeStub.refunded[INTENT] = 1900  # refunded in Stripe's dashboard; its webhook has not come yet
    with pytest.raises(PaymentError) as refused:
        order_refund_partial(order=order, actor=world.owner_a, reason="Goodwill", amount_cents=500)
    assert refused.value.code == "provider_refused"
    assert not Refund.objects.exists()
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.PAID


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_staff_refunding_at_once_make_one_stripe_refund(world, stripe_stub):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL: run with DATABASE_URL=postgres://…")
    order = place_order(world, products=[(ProductFactory(clinic=world.clinic_a, price_cents=1000, stock=5), 2)])
    client_for(world.patient_user_1).post(f"/portal/orders/{order.pk}/pay/")
    payment = Payment.objects.get(order=order)
    post_webhook(*signed(session_event("evt_paid", payment)))
    admin = MembershipFactory(clinic=world.clinic_a, role="admin").user
    item = order.items.get()

    def refund(user, **kwargs):
        return lambda: str(order_refund_partial(order=order, actor=user, reason="Both at once", **kwargs))

    # 15.00, and one item (10.00): whichever comes second is more than is left.
    outcomes = race(
        [refund(world.owner_a, amount_cents=1500), refund(admin, quantities={item.pk: 1})], refused=PaymentError
    )
    assert "over_refund" in outcomes and len(outcomes) == 2
    [made] = Refund.objects.filter(payment=payment)
    assert len(paths(stripe_stub, "/v1/refunds")) == 1
    assert made.amount_cents <= payment.amount_cents
