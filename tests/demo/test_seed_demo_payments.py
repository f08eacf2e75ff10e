"""The demo shows issue 17: an order awaiting approval with the card authorised, and a partly refunded one."""

import pytest
from django.core.management import call_command

from patientportal.orders.choices import Approval, OrderStatus, PaymentStatus
from patientportal.orders.models import Order
from patientportal.payments.choices import PaymentAttemptStatus, RefundKind
from patientportal.payments.models import Refund

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _development(settings):
    settings.DEBUG = True  # seed_demo is for development only (pytest-django turns DEBUG off)


def test_the_demo_has_an_authorised_order_awaiting_approval_and_a_partly_refunded_one():
    call_command("seed_demo")
    waiting = Order.objects.get(payment_status=PaymentStatus.AUTHORISED)
    assert (waiting.status, waiting.approval, waiting.patient.first_name) == (
        OrderStatus.PENDING,
        Approval.AWAITING,
        "Olivia",
    )
    assert waiting.payments.get().status == PaymentAttemptStatus.AUTHORISED and waiting.authorised_until
    partly = Order.objects.get(payment_status=PaymentStatus.PARTLY_REFUNDED)
    refund = Refund.objects.get(payment__order=partly)
    assert (partly.status, partly.patient.first_name, refund.kind, refund.restocked) == (
        OrderStatus.COMPLETED,
        "Maria",
        RefundKind.ITEMS,
        True,
    )
    assert 0 < refund.amount_cents < partly.total_cents
    call_command("seed_demo")  # idempotent
    assert Order.objects.filter(payment_status=PaymentStatus.PARTLY_REFUNDED).count() == 1


def test_the_demo_patient_has_receipts_of_a_paid_order_and_of_one_refunded_in_full():
    from tests.conftest import client_for

    call_command("seed_demo")
    paid = Order.objects.filter(patient__first_name="Olivia", payment_status=PaymentStatus.PAID).first()
    refunded = Order.objects.get(patient__first_name="Olivia", payment_status=PaymentStatus.REFUNDED)
    assert paid is not None and refunded.status == OrderStatus.CANCELLED
    assert paid.payments.get().card_label == "Visa ending in 4242"  # the test provider's card
    refund = Refund.objects.get(payment__order=refunded)
    assert (refund.kind, refund.amount_cents) == (RefundKind.FULL, refunded.total_cents)
    olivia = client_for(paid.patient.portal_accesses.first().user)
    for url in (
        f"/portal/orders/{paid.pk}/receipt/",
        f"/portal/orders/{paid.pk}/receipt.pdf",
        f"/portal/orders/{refunded.pk}/receipt/",
        f"/portal/orders/{refunded.pk}/refunds/{refund.pk}/receipt/",
        f"/portal/orders/{refunded.pk}/refunds/{refund.pk}/receipt.pdf",
    ):
        assert olivia.get(url).status_code == 200, url


def test_the_demo_has_a_payment_needing_attention_for_the_owner_to_resolve():
    from patientportal.payments.choices import PaymentIssueKind, PaymentIssueStatus
    from patientportal.payments.models import PaymentIssue

    call_command("seed_demo")
    issue = PaymentIssue.objects.get()
    assert (issue.kind, issue.status, issue.order.patient.first_name) == (
        PaymentIssueKind.AMOUNT_MISMATCH,
        PaymentIssueStatus.OPEN,
        "Maria",
    )
    assert issue.payment.status == PaymentAttemptStatus.NEEDS_REVIEW
    call_command("seed_demo")  # idempotent
    assert PaymentIssue.objects.count() == 1
