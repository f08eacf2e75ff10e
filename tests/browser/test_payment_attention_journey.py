"""Issue 17, part 3, in the browser on a phone and a desktop: the owner finds a payment needing
attention from the staff home, opens its order, comes back and marks it resolved with a note."""

import pytest
from playwright.sync_api import expect

from patientportal.payments.models import PaymentIssue
from patientportal.payments.providers import ProviderEventKind
from patientportal.payments.services import payment_event_apply
from tests.browser.conftest import check_page
from tests.browser.test_journeys import sign_in
from tests.orders.helpers import event, place_order, start_payment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [375, 1280])
def test_the_owner_resolves_a_payment_that_came_short(world, new_page, width):
    for short in (1, 250):
        payment = start_payment(place_order(world))
        payment_event_apply(provider="test", event=event(payment, ProviderEventKind.SUCCEEDED, amount=short))
    first = PaymentIssue.objects.order_by("id").first()
    owner = new_page(width)
    sign_in(owner, "owner@alpha.example")
    owner.goto("/staff/alpha/")
    check_page(owner, "payment-attention-home")
    owner.get_by_role("link", name="Review and resolve them").click()
    expect(owner.get_by_role("heading", name="Payments needing attention", level=1)).to_be_visible()
    check_page(owner, "payment-attention")
    card = owner.locator(f"#issue-{first.pk}")
    card.get_by_role("link", name=f"Order {first.order.number}").click()
    expect(owner.get_by_text("Needs attention: Amount did not match.")).to_be_visible()
    check_page(owner, "payment-attention-order")
    owner.get_by_role("link", name="Resolve it on Payments needing attention").click()
    card = owner.locator(f"#issue-{first.pk}")
    card.get_by_label("How was it resolved?").fill("Refunded in full from the order page")
    card.get_by_role("button", name="Mark resolved").click()
    expect(owner.get_by_text(f"Order {first.order.number}: marked resolved.")).to_be_visible()
    expect(owner.get_by_role("heading", name="Resolved lately")).to_be_visible()
    check_page(owner, "payment-attention-resolved")
