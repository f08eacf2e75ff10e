"""Payments needing attention (issue 17, part 3): what the payment path raises for staff — an amount that
did not match, a capture or a refund the provider refused, an authorisation that ended without the
provider's answer — once per payment and kind; resolving one takes an owner or admin and a note."""

import datetime

import pytest
from django.utils import timezone

from patientportal.audit.models import AuditEvent
from patientportal.orders.choices import PaymentStatus
from patientportal.orders.models import Order
from patientportal.payments.authorisations import authorisations_lapse
from patientportal.payments.choices import PaymentIssueKind, PaymentIssueStatus
from patientportal.payments.errors import PaymentError
from patientportal.payments.issues import payment_issue_resolve
from patientportal.payments.models import Payment, PaymentIssue, Refund
from patientportal.payments.providers import ProviderEventKind
from patientportal.payments.services import order_approve, order_refund_partial, payment_event_apply
from tests.conftest import client_for
from tests.factories import MembershipFactory, ProductFactory
from tests.orders.helpers import event, place_order, start_payment
from tests.payments.helpers import restricted_order
from tests.payments.stripe_stub import StripeStub, post_webhook, session_event, signed

pytestmark = pytest.mark.django_db


def test_an_amount_that_does_not_match_is_raised_once(world):
    order = place_order(world)
    payment = start_payment(order)
    for event_id in ("evt_short", "evt_short_again"):
        payment_event_apply(provider="test", event=event(payment, event_id=event_id, amount=1))
    issue = PaymentIssue.objects.get()
    assert (issue.kind, issue.status, issue.payment, issue.order) == (
        PaymentIssueKind.AMOUNT_MISMATCH,
        PaymentIssueStatus.OPEN,
        payment,
        order,
    )
    assert "reported $0.01; the order's total is $10.00" in issue.detail
    assert AuditEvent.objects.filter(action="payments.issue.raised", object_id=payment.pk).count() == 1


def test_a_capture_stripe_refuses_on_approval_is_raised(world, stripe_stub, django_capture_on_commit_callbacks):
    order, _product = restricted_order(world)
    client_for(world.patient_user_1).post(f"/portal/orders/{order.pk}/pay/")
    payment = Payment.objects.get(order=order)
    completed = session_event("evt_authorised", payment)
    completed["data"]["object"].update(payment_status="unpaid", status="complete", metadata={"capture": "manual"})
    assert post_webhook(*signed(completed)).content == b"authorised"
    StripeStub.intents["pi_test_1"] = {"status": "canceled", "amount": payment.amount_cents}  # lapsed at Stripe
    with django_capture_on_commit_callbacks(execute=True):
        order_approve(order=Order.objects.get(pk=order.pk), actor=world.staff_a)
    issue = PaymentIssue.objects.get()
    assert issue.kind == PaymentIssueKind.CAPTURE_FAILED
    assert "could not be captured on approval" in issue.detail
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.UNPAID  # the patient is asked to pay


def test_a_refund_stripe_refuses_is_kept_although_the_refund_is_undone(world, stripe_stub):
    order = place_order(world, products=[(ProductFactory(clinic=world.clinic_a, price_cents=1000, stock=5), 2)])
    client_for(world.patient_user_1).post(f"/portal/orders/{order.pk}/pay/")
    payment = Payment.objects.get(order=order)
    post_webhook(*signed(session_event("evt_paid", payment)))
    StripeStub.intents["pi_test_1"] = {"status": "succeeded", "amount": 2000, "amount_received": 2000}
    StripeStub.refunded["pi_test_1"] = 1900  # refunded in Stripe's dashboard; its webhook has not come yet
    with pytest.raises(PaymentError) as refused:
        order_refund_partial(order=order, actor=world.owner_a, reason="Goodwill", amount_cents=500)
    assert refused.value.code == "provider_refused"
    assert not Refund.objects.exists()
    issue = PaymentIssue.objects.get()
    assert (issue.kind, issue.payment) == (PaymentIssueKind.REFUND_REFUSED, payment)
    assert "refused to refund $5.00 (asked by owner@alpha.example)" in issue.detail


def test_an_authorisation_that_lapsed_while_the_provider_could_not_be_reached_is_raised(world, stripe_stub, settings):
    order, _product = restricted_order(world)
    client_for(world.patient_user_1).post(f"/portal/orders/{order.pk}/pay/")
    payment = Payment.objects.get(order=order)
    completed = session_event("evt_authorised", payment)
    completed["data"]["object"].update(payment_status="unpaid", status="complete", metadata={"capture": "manual"})
    post_webhook(*signed(completed))
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # Stripe cannot be reached
    assert authorisations_lapse(now=timezone.now() + datetime.timedelta(days=8)) == [order.number]
    issue = PaymentIssue.objects.get()
    assert issue.kind == PaymentIssueKind.AUTHORISATION_UNANSWERED
    assert "did not confirm it" in issue.detail


def test_an_owner_or_admin_resolves_an_issue_with_a_note_once(world):
    order = place_order(world)
    payment = start_payment(order)
    payment_event_apply(provider="test", event=event(payment, ProviderEventKind.SUCCEEDED, amount=1))
    issue = PaymentIssue.objects.get()
    with pytest.raises(PaymentError) as no_note:
        payment_issue_resolve(issue=issue, actor=world.owner_a, note="  ")
    assert no_note.value.code == "note_required"
    with pytest.raises(PaymentError) as plain_staff:
        payment_issue_resolve(issue=issue, actor=world.staff_a, note="Refunded by hand")
    assert plain_staff.value.code == "issue_not_allowed"
    admin = MembershipFactory(clinic=world.clinic_a, role="admin").user
    payment_issue_resolve(issue=issue, actor=admin, note="Refunded at Stripe")
    issue.refresh_from_db()
    assert (issue.status, issue.resolved_by, issue.resolution_note) == (
        PaymentIssueStatus.RESOLVED,
        admin,
        "Refunded at Stripe",
    )
    audit = AuditEvent.objects.get(action="payments.issue.resolved")
    assert (audit.actor_id, audit.patient_id, audit.metadata["to"]) == (admin.pk, order.patient_id, "resolved")
    with pytest.raises(PaymentError):  # a second click changes nothing
        payment_issue_resolve(issue=issue, actor=world.owner_a, note="Again")
    # The provider saying the same again later raises nothing new.
    payment_event_apply(provider="test", event=event(payment, event_id="evt_again", amount=2))
    assert not PaymentIssue.objects.filter(status=PaymentIssueStatus.OPEN).exists()
