"""Issue 17 in the browser, on a phone and a desktop: a patient orders a prescription item and
authorises the card on the test payment page; staff approve it and the order shows Paid without the
patient coming back; an owner refunds one item of another order and the patient sees the refund."""

import re

import pytest
from playwright.sync_api import expect

from patientportal.orders.cart import cart_add_item
from tests.browser.conftest import check_page
from tests.browser.test_journeys import sign_in
from tests.factories import ProductFactory
from tests.orders.helpers import pay, place_order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [375, 1280])
def test_authorise_approve_paid_then_a_refund_of_one_item(world, new_page, width):
    world.clinic_a.tax_rate_bp = 725
    world.clinic_a.save()
    cart_add_item(
        patient=world.p1,
        product=ProductFactory(
            clinic=world.clinic_a, name="Tretinoin Cream", price_cents=4200, requires_prescription=True
        ),
        quantity=1,
    )
    patient = new_page(width)
    sign_in(patient, "paula@example.com")
    patient.goto("/portal/checkout/")
    expect(patient.get_by_text("Your card is authorised now")).to_be_visible()
    check_page(patient, "authorise-checkout")
    patient.get_by_role("button", name="Place order and authorise card").click()
    expect(patient.get_by_role("heading", name="Pay Alpha Clinic")).to_be_visible()
    expect(patient.get_by_text("Authorise only")).to_be_visible()
    check_page(patient, "authorise-test-payment")
    patient.get_by_role("button", name="Authorise", exact=True).click()
    expect(patient.get_by_role("heading", name="Card authorised — order placed")).to_be_visible()
    check_page(patient, "authorise-confirmation")
    patient.get_by_role("link", name="See the order").click()
    expect(patient.locator(".order-badges").get_by_text("Card authorised")).to_be_visible()
    number = re.search(r"Order (\d+)", patient.get_by_role("heading", level=1).inner_text()).group(1)

    staff = new_page(width)
    sign_in(staff, "staff@alpha.example")
    staff.goto("/staff/alpha/orders/?queue=awaiting")
    staff.get_by_role("link", name=number, exact=True).click()
    expect(staff.get_by_text("The patient's card is authorised for $45.05")).to_be_visible()  # 42.00 + 3.05
    check_page(staff, "authorise-staff-order")
    staff.get_by_role("button", name="Approve and charge $45.05").click()
    expect(staff.get_by_text("captured: it is paid")).to_be_visible()
    check_page(staff, "authorise-staff-approved")

    patient.reload()
    badges = patient.locator(".order-badges")
    expect(badges.get_by_text("Paid", exact=True)).to_be_visible()
    expect(badges.get_by_text("Processing")).to_be_visible()
    check_page(patient, "authorise-patient-paid")

    # Another order, paid, of two items: the owner refunds one of them.
    other = place_order(
        world,
        products=[
            (ProductFactory(clinic=world.clinic_a, name="Mineral Sunscreen", price_cents=2800, stock=6), 1),
            (ProductFactory(clinic=world.clinic_a, name="Lip Balm", price_cents=600, stock=6), 1),
        ],
    )
    pay(other)
    owner = new_page(width)
    sign_in(owner, "owner@alpha.example")
    owner.goto(f"/staff/alpha/orders/{other.pk}/")
    owner.get_by_role("link", name="Refund items or an amount").click()
    check_page(owner, "refund-choose")
    owner.get_by_label("How many of Lip Balm to refund").fill("1")
    owner.get_by_label("Put the refunded items back in stock").check()
    owner.get_by_label("Reason (the patient sees it)").fill("Arrived melted")
    owner.get_by_role("button", name="Review the refund").click()
    expect(owner.get_by_role("heading", name="Check the refund")).to_be_visible()
    check_page(owner, "refund-review")
    owner.get_by_role("button", name="Refund $6.44").click()  # 6.00 + its share of the tax (0.44)
    expect(owner.get_by_text("Refunded $6.44. The patient was told by email.")).to_be_visible()
    expect(owner.get_by_text("Refund the rest ($30.03)")).to_be_visible()
    check_page(owner, "refund-staff-order")

    patient.goto(f"/portal/orders/{other.pk}/")
    refunds = patient.get_by_role("region", name="Refunds")
    expect(refunds.get_by_text("$6.44 refunded")).to_be_visible()
    expect(refunds.get_by_text("Reason: Arrived melted")).to_be_visible()
    expect(patient.locator(".order-badges").get_by_text("Partly refunded")).to_be_visible()
    check_page(patient, "refund-patient-order")
