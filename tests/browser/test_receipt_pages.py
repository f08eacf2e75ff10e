"""Receipts in the browser, on a phone and a desktop (issue 15, part 2): from the order page the
patient opens the payment receipt and a refund receipt, which pass axe and fit the screen, offer
Print and a PDF, and print as the receipt alone (no header, navigation, footer or buttons); the
clinic's staff open the same receipt from their order page."""

import pytest
from playwright.sync_api import expect

from patientportal.payments.services import order_refund_partial
from tests.browser.conftest import check_page, screenshot
from tests.browser.test_journeys import sign_in
from tests.factories import ProductFactory
from tests.orders.helpers import pay, place_order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOWN_WHEN_PRINTED = """() => [...document.querySelectorAll(
  '.site-header, .main-nav, .site-footer, .receipt-tools, .receipt')].map(
  (element) => [element.className.split(' ')[0], getComputedStyle(element).display !== 'none'])"""


@pytest.mark.parametrize("width", [375, 1280])
def test_the_patient_opens_prints_and_downloads_a_receipt(world, new_page, width):
    clinic = world.clinic_a
    clinic.tax_rate_bp, clinic.phone, clinic.email = 725, "+1 617-555-0142", "front@alpha.example"
    clinic.street, clinic.city, clinic.region, clinic.postal_code = "1 Main Street", "Boston", "MA", "02110"
    clinic.save()
    cream = ProductFactory(clinic=clinic, name="Hydrating Cream with a Long Name for Phones", price_cents=1000)
    bandage = ProductFactory(clinic=clinic, name="Bandage", price_cents=500, taxable=False)
    order = place_order(world, products=[(cream, 2), (bandage, 1)])
    pay(order)
    order_refund_partial(order=order, actor=world.owner_a, reason="Returned unopened", amount_cents=500)

    patient = new_page(width)
    sign_in(patient, "paula@example.com")
    patient.goto(f"/portal/orders/{order.pk}/")
    patient.get_by_role("link", name="Payment receipt", exact=True).click()
    expect(patient.get_by_role("heading", name="Payment receipt")).to_be_visible()
    expect(patient.get_by_text("Visa ending in 4242")).to_be_visible()
    expect(patient.get_by_role("button", name="Print")).to_be_visible()  # shown once its script runs
    check_page(patient, "receipt-payment")
    with patient.expect_download() as download:
        patient.get_by_role("link", name="Download PDF").click()
    assert download.value.suggested_filename == f"Receipt-{order.number}-P.pdf"

    patient.emulate_media(media="print")
    shown = dict(patient.evaluate(SHOWN_WHEN_PRINTED))
    assert shown == {
        "site-header": False,
        "main-nav": False,
        "site-footer": False,
        "receipt-tools": False,
        "card": True,
    }
    screenshot(patient, "receipt-payment-printed")
    patient.emulate_media(media="screen")

    patient.goto(f"/portal/orders/{order.pk}/")
    patient.get_by_role("link", name="Refund receipt: $5.00", exact=False).first.click()
    expect(patient.get_by_role("heading", name="Refund receipt")).to_be_visible()
    expect(patient.get_by_text("Original payment")).to_be_visible()
    check_page(patient, "receipt-refund")

    staff = new_page(width)
    sign_in(staff, "staff@alpha.example")
    staff.goto(f"/staff/alpha/orders/{order.pk}/")
    staff.get_by_role("link", name="Payment receipt", exact=True).click()
    expect(staff.get_by_role("heading", name="Payment receipt")).to_be_visible()
    expect(staff.get_by_text("Paula One")).to_be_visible()
    check_page(staff, "receipt-staff-payment")
