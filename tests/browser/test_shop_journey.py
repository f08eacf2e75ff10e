"""PRODUCT.md F-6 and F-7 in the browser: find a product, add it, change the
quantity in the drawer, and find the same cart from a fresh browser."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import check_page
from tests.browser.test_journeys import sign_in
from tests.factories import ProductFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def catalogue(world):
    ProductFactory(
        clinic=world.clinic_a,
        name="Mineral Sunscreen SPF 50",
        category="cosmetics",
        stock=12,
        description="Zinc sunscreen for sensitive skin.",
        price_cents=2800,
    )
    ProductFactory(clinic=world.clinic_a, name="Vitamin D3", category="supplements", stock=30, price_cents=1400)
    ProductFactory(
        clinic=world.clinic_a,
        name="Tretinoin Cream",
        category="medications",
        requires_prescription=True,
        minimum_age=18,
        price_cents=6500,
    )
    ProductFactory(clinic=world.clinic_a, name="Fish Oil", category="supplements", stock=0)


@pytest.mark.parametrize("width", [375, 1280])
def test_find_add_change_in_the_drawer_and_keep_the_cart(world, catalogue, new_page, width):
    page = new_page(width)
    sign_in(page, "paula@example.com")
    page.get_by_role("navigation", name="Portal").get_by_role("link", name="Shop").click()
    check_page(page, "shop-grid")
    page.get_by_label("Search products").fill("  SUNSCREEN  ")
    page.get_by_label("Category").select_option(label="Cosmetics")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"q=\+*SUNSCREEN\+*&category=cosmetics"))
    expect(page.get_by_role("link", name="Mineral Sunscreen SPF 50")).to_be_visible()
    expect(page.get_by_role("link", name="Vitamin D3")).to_have_count(0)
    check_page(page, "shop-filtered")
    page.get_by_role("link", name="Mineral Sunscreen SPF 50").click()
    page.get_by_label("Quantity").fill("2")
    page.get_by_role("button", name="Add to cart").click()
    expect(page.get_by_text("Added to your cart: Mineral Sunscreen SPF 50.")).to_be_visible()
    expect(page.locator("#cart-count")).to_have_text("2")
    check_page(page, "shop-product-added")

    page.get_by_role("link", name=re.compile("^Cart")).click()
    drawer = page.get_by_role("dialog", name="Your cart")
    expect(drawer).to_be_visible()
    quantity = drawer.get_by_label("Quantity of Mineral Sunscreen SPF 50")
    quantity.fill("3")
    drawer.get_by_role("button", name="Update").click()
    expect(page.locator("#cart-count").first).to_have_text("3")
    expect(drawer.get_by_label("Quantity of Mineral Sunscreen SPF 50")).to_have_value("3")
    check_page(page, "shop-drawer")
    drawer.get_by_label("Quantity of Mineral Sunscreen SPF 50").fill("50")
    drawer.get_by_role("button", name="Update").click()
    expect(drawer.get_by_role("alert")).to_contain_text("Only 12 of Mineral Sunscreen SPF 50 available")
    page.keyboard.press("Escape")
    expect(drawer).to_be_hidden()

    page.get_by_role("button", name="Sign out").click()
    other_browser = new_page(width)
    sign_in(other_browser, "paula@example.com")
    expect(other_browser.locator("#cart-count")).to_have_text("3")
    other_browser.goto("/portal/cart/")
    expect(other_browser.get_by_label("Quantity of Mineral Sunscreen SPF 50")).to_have_value("3")
    check_page(other_browser, "cart-page")


def test_the_cart_works_without_javascript(world, catalogue, chromium_browser, live_server):
    context = chromium_browser.new_context(
        java_script_enabled=False, base_url=live_server.url, viewport={"width": 375, "height": 800}
    )
    page = context.new_page()
    sign_in(page, "paula@example.com")
    page.goto("/portal/shop/?q=vitamin")
    page.get_by_role("link", name="Vitamin D3").click()
    page.get_by_role("button", name="Add to cart").click()
    page.get_by_role("link", name=re.compile("^Cart")).click()
    expect(page).to_have_url(re.compile(r"/portal/cart/$"))
    page.get_by_label("Quantity of Vitamin D3").fill("4")
    page.get_by_role("button", name="Update").click()
    expect(page.get_by_text("Quantity updated.")).to_be_visible()
    page.get_by_role("button", name=re.compile("^Remove")).click()
    expect(page.get_by_text("Your cart is empty.").first).to_be_visible()
    context.close()
