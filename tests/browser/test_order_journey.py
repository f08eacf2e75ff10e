"""PRODUCT.md F-8 and F-9 in the browser: cart → checkout → the test
provider's "Pay" → confirmation → Processing; staff mark it Ready; the
patient's dashboard shows it ready for pickup."""

import re

import pytest
from playwright.sync_api import expect

from patientportal.orders.cart import cart_add_item
from tests.browser.conftest import check_page
from tests.browser.test_journeys import sign_in
from tests.factories import ProductFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [375, 1280])
def test_order_pay_and_pick_up(world, new_page, width):
    world.clinic_a.tax_rate_bp = 725
    world.clinic_a.save()
    cart_add_item(
        patient=world.p1,
        product=ProductFactory(clinic=world.clinic_a, name="Mineral Sunscreen", price_cents=2800),
        quantity=1,
    )
    patient = new_page(width)
    sign_in(patient, "paula@example.com")
    patient.goto("/portal/cart/")
    patient.get_by_role("link", name="Check out").click()
    expect(patient.get_by_text("$30.03")).to_be_visible()  # 28.00 + 7.25% (2.03)
    patient.get_by_label("Notes for the clinic (optional)").fill("I will come on Friday.")
    check_page(patient, "order-checkout")
    patient.get_by_role("button", name="Pay now").click()
    expect(patient.get_by_role("heading", name="Pay Alpha Clinic")).to_be_visible()
    check_page(patient, "order-test-payment")
    patient.get_by_role("button", name="Pay", exact=True).click()
    expect(patient.get_by_role("heading", name="Thank you — payment received")).to_be_visible()
    check_page(patient, "order-confirmation")
    patient.get_by_role("link", name="See the order").click()
    expect(patient.locator(".order-badges").get_by_text("Processing")).to_be_visible()
    check_page(patient, "order-detail-processing")

    staff = new_page(1280)
    sign_in(staff, "staff@alpha.example")
    staff.goto("/staff/alpha/orders/?queue=to_prepare")
    check_page(staff, "staff-order-queue")
    order_link = staff.get_by_role("link", name=re.compile(r"^\d+$")).first
    number = order_link.inner_text()
    order_link.click()
    staff.get_by_role("button", name="Mark ready for pickup").click()
    expect(staff.get_by_text("Marked ready for pickup")).to_be_visible()
    check_page(staff, "staff-order-ready")

    # The front desk finds it again by the patient's name, then by its number (issue 15, part 7).
    staff.goto("/staff/alpha/orders/")
    staff.get_by_label("Find an order").fill("paula one")
    staff.get_by_role("button", name="Search").click()
    expect(staff.get_by_text("No orders match “paula one” in Awaiting approval.")).to_be_visible()
    staff.get_by_role("link", name="Search all orders").click()
    expect(staff.get_by_label("Find an order")).to_have_value("paula one")
    found = staff.get_by_role("table", name="Orders of the patients your search finds, newest first")
    expect(found.get_by_role("link", name=number)).to_be_visible()
    check_page(staff, "staff-order-search")
    staff.get_by_label("Find an order").fill(number)
    staff.get_by_role("button", name="Search").click()
    expect(staff.get_by_role("heading", name=f"Order number {number}")).to_be_visible()
    check_page(staff, "staff-order-search-number")
    # and from the patient's record
    staff.goto(f"/staff/alpha/patients/{world.p1.pk}/")
    orders = staff.get_by_role("region", name="Orders", exact=True)
    expect(orders.get_by_role("link", name=number)).to_be_visible()
    orders.get_by_role("link", name="All orders of this patient").click()
    expect(staff.get_by_text("Orders of Paula One.")).to_be_visible()
    expect(staff.get_by_role("link", name=number)).to_be_visible()
    check_page(staff, "staff-orders-of-one-patient")

    patient.goto("/portal/")
    card = patient.get_by_role("region", name="Orders")
    expect(card.locator("dt", has_text="Ready for pickup").locator("xpath=following-sibling::dd")).to_have_text("1")
    check_page(patient, "dashboard-ready-for-pickup")
