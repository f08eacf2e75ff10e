"""`manage.py stripe_check` (issue 17, part 4) against the local Stripe stub: it refuses anything but a test
key, runs one order end to end through the provider and the webhook's event path, rolls its rows back
(or keeps them with --keep), and fails loudly when the card is declined."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from patientportal.clinics.models import Clinic
from patientportal.orders.choices import PaymentStatus
from patientportal.orders.models import Order
from patientportal.payments.models import Payment, Refund, WebhookEvent
from tests.payments.stripe_stub import StripeStub, paths

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("stripe_check", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.mark.parametrize("key", ["", "sk_live_abc", "rk_live_abc", "pk_test_abc"])
def test_refuses_a_missing_or_live_key_before_calling_stripe(stripe_stub, settings, key):
    settings.STRIPE_SECRET_KEY = key
    with pytest.raises(CommandError, match="STRIPE_SECRET_KEY"):
        run()
    assert stripe_stub == [] and not Clinic.objects.exists()


def test_webhook_wait_needs_keep(stripe_stub):
    with pytest.raises(CommandError, match="--webhook-wait needs --keep"):
        run("--webhook-wait", "5")
    assert stripe_stub == []


def test_a_run_pays_through_the_event_path_prints_ok_steps_and_rolls_its_rows_back(stripe_stub):
    output = run("--refund", "200", "--poll-seconds", "2")
    for step in (
        "[OK] Place the demo order",
        "[OK] Create the Checkout Session: cs_test_stub, automatic capture",
        "[OK] Confirm a test card (pm_card_visa): pi_check_1, status succeeded",
        "[OK] Poll Stripe and apply the payment through the webhook's event path: paid; order paid",
        "[OK] Refund 200 cents: re_test_1, 200 cents; order partly_refunded",
        "[OK] Close the unused Checkout Session: cs_test_stub expired",
        "Demo rows rolled back",
        "stripe_check: OK",
    ):
        assert step in output
    [confirm] = paths(stripe_stub, "/v1/payment_intents")[:1]
    form = confirm["form"]
    assert (form["amount"], form["payment_method"], form["confirm"]) == (["500"], ["pm_card_visa"], ["true"])
    assert form["allowed_payment_method_types[0]"] == ["card"]
    assert form["capture_method"] == ["automatic"] and confirm["headers"]["Idempotency-Key"].startswith("stripe-check-")
    assert StripeStub.refunded == {"pi_check_1": 200}
    assert not Clinic.objects.exists() and not Order.objects.exists() and not Payment.objects.exists()
    assert not WebhookEvent.objects.exists() and not Refund.objects.exists()


def test_authorise_captures_on_approval_and_keep_keeps_the_rows(stripe_stub):
    output = run("--authorise", "--keep", "--poll-seconds", "2")
    assert "[OK] Create the Checkout Session: cs_test_stub, manual capture (authorise only)" in output
    assert "status requires_capture" in output and "authorised; order authorised" in output
    assert "[OK] Approve the order (captures the authorisation): pi_check_1 captured; order paid" in output
    assert "Demo rows kept" in output and "stripe_check: OK" in output
    [create] = paths(stripe_stub, "/v1/payment_intents")[:1]
    assert create["form"]["capture_method"] == ["manual"] and create["form"]["metadata[capture]"] == ["manual"]
    [capture] = paths(stripe_stub, "/v1/payment_intents/pi_check_1/capture")
    payment = Payment.objects.get()
    assert capture["headers"]["Idempotency-Key"] == f"capture-{payment.pk}"
    assert payment.charge_reference == "pi_check_1" and payment.order.payment_status == PaymentStatus.PAID
    assert Clinic.objects.get().slug.startswith("stripe-check-")
    assert set(WebhookEvent.objects.values_list("event_id", flat=True)) == {
        "stripe_check:pi_check_1:authorised",
        "capture:pi_check_1",
    }


def test_a_declined_card_exits_non_zero_with_stripes_message_and_leaves_nothing(stripe_stub):
    out = StringIO()
    with pytest.raises(CommandError, match="stripe_check FAILED at: Confirm a test card"):
        call_command("stripe_check", "--card", "pm_card_chargeDeclined", stdout=out, stderr=StringIO())
    output = out.getvalue()
    assert "[FAILED] Confirm a test card (pm_card_chargeDeclined): Stripe said: Your card was declined." in output
    assert "[OK] Close the unused Checkout Session" in output and "stripe_check: FAILED" in output
    assert "Poll Stripe" not in output
    assert not Payment.objects.exists() and not Clinic.objects.exists()
