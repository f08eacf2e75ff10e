import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from patientportal.catalog.models import Product
from patientportal.catalog.services import product_save
from patientportal.orders.cart import cart_add_item
from patientportal.orders.models import CartItem
from tests.clinics.test_features import all_combinations
from tests.conftest import client_for
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def names(response) -> list[str]:
    return [product.name for product in response.context["page"].object_list]


@pytest.fixture
def catalogue(world):
    make = lambda **kw: ProductFactory(clinic=world.clinic_a, **kw)  # noqa: E731
    return {
        "cream": make(name="Barrier Cream", category="cosmetics", description="Ceramides for dry skin"),
        "sunscreen": make(name="Mineral Sunscreen", category="cosmetics", description="Zinc, SPF 50"),
        "vitamin": make(name="Vitamin D3", category="supplements", description="For DRY winter months"),
        "rx": make(name="Tretinoin", category="medications", requires_prescription=True, minimum_age=18),
        "consult": make(name="LED Mask", category="devices", requires_consultation=True),
        "empty": make(name="Fish Oil", category="supplements", stock=0),
        "hidden": make(name="Hidden Pillow", category="other", visible_in_portal=False),
        "inactive": make(name="Old Cream", category="cosmetics", active=False),
    }


def test_the_grid_shows_only_visible_active_products_with_badges(world, catalogue):
    response = client_for(world.patient_user_1).get("/portal/shop/")
    assert names(response) == ["Barrier Cream", "Fish Oil", "LED Mask", "Mineral Sunscreen", "Tretinoin", "Vitamin D3"]
    text = response.text
    assert "Out of stock" in text and ">Rx<" in text and "Consultation required" in text and "Ages 18+" in text
    assert "$15.00" in text


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?q=cream", ["Barrier Cream"]),
        ("?q=DRY", ["Barrier Cream", "Vitamin D3"]),
        ("?q=++dry+++skin++", ["Barrier Cream"]),
        ("?category=cosmetics", ["Barrier Cream", "Mineral Sunscreen"]),
        ("?q=dry&category=supplements", ["Vitamin D3"]),
        ("?q=pillow", []),
        ("?q=dry&category=not-a-category", ["Barrier Cream", "Vitamin D3"]),
        # An unknown category is ignored rather than an error: every visible product.
        (
            "?category=not-a-category",
            ["Barrier Cream", "Fish Oil", "LED Mask", "Mineral Sunscreen", "Tretinoin", "Vitamin D3"],
        ),
    ],
)
def test_search_and_category_filter_combine(world, catalogue, query, expected):
    response = client_for(world.patient_user_1).get(f"/portal/shop/{query}")
    assert names(response) == expected


def test_filters_are_kept_in_the_pagination_links(world):
    for index in range(15):
        ProductFactory(clinic=world.clinic_a, name=f"Serum {index:02d}", category="cosmetics")
    response = client_for(world.patient_user_1).get("/portal/shop/?q=serum&category=cosmetics")
    assert len(names(response)) == 12
    assert 'href="?q=serum&amp;category=cosmetics&amp;page=2"' in response.text


def test_hidden_inactive_and_other_clinics_products_are_404(world, catalogue):
    client = client_for(world.patient_user_1)
    foreign = ProductFactory(clinic=world.clinic_b)
    for product in (catalogue["hidden"], catalogue["inactive"], foreign):
        assert client.get(f"/portal/shop/{product.pk}/").status_code == 404
    assert client.get(f"/portal/shop/{catalogue['cream'].pk}/").status_code == 200


def test_another_clinics_product_cannot_be_added_by_id(world):
    foreign = ProductFactory(clinic=world.clinic_b)
    response = client_for(world.patient_user_1).post("/portal/cart/add/", {"product": foreign.pk, "quantity": 1})
    assert response.status_code == 404
    assert not CartItem.objects.exists()


def test_adding_from_the_product_page_and_refusals_show_next_to_the_quantity(world, catalogue):
    client = client_for(world.patient_user_1)
    added = client.post("/portal/cart/add/", {"product": catalogue["cream"].pk, "quantity": 2}, follow=True)
    assert "Added to your cart: Barrier Cream." in added.text
    assert '<span id="cart-count">2</span>' in added.text
    assert '<span id="cart-count-label" class="visually-hidden"> items</span>' in added.text
    too_many = client.post("/portal/cart/add/", {"product": catalogue["cream"].pk, "quantity": 9})
    assert too_many.status_code == 400
    assert "Only 10 of Barrier Cream available; your cart would hold 11." in too_many.text
    empty = client.post("/portal/cart/add/", {"product": catalogue["empty"].pk, "quantity": 1})
    assert "Fish Oil is out of stock." in empty.text
    bad = client.post("/portal/cart/add/", {"product": catalogue["cream"].pk, "quantity": "lots"})
    assert "Enter a whole number." in bad.text
    assert CartItem.objects.get().quantity == 2


def test_a_minor_cannot_add_an_age_restricted_product(world, catalogue):
    import datetime

    world.p1.date_of_birth = datetime.date.today() - datetime.timedelta(days=365 * 15)
    world.p1.save()
    response = client_for(world.patient_user_1).post(
        "/portal/cart/add/", {"product": catalogue["rx"].pk, "quantity": 1}
    )
    assert "only available to patients aged 18 or older" in response.text
    assert not CartItem.objects.exists()


def test_cart_actions_work_as_plain_posts(world, catalogue):
    client = client_for(world.patient_user_1)
    item = cart_add_item(patient=world.p1, product=catalogue["cream"], quantity=1)
    other = cart_add_item(patient=world.p1, product=catalogue["vitamin"], quantity=1)
    updated = client.post(f"/portal/cart/items/{item.pk}/", {"quantity": 3}, follow=True)
    assert "Quantity updated." in updated.text
    assert CartItem.objects.get(pk=item.pk).quantity == 3
    client.post(f"/portal/cart/items/{other.pk}/remove/")
    assert list(CartItem.objects.values_list("pk", flat=True)) == [item.pk]
    client.post("/portal/cart/clear/")
    assert not CartItem.objects.exists()


def test_cart_actions_with_htmx_return_the_drawer_with_the_new_count(world, catalogue):
    client = client_for(world.patient_user_1)
    item = cart_add_item(patient=world.p1, product=catalogue["cream"], quantity=1)
    response = client.post(f"/portal/cart/items/{item.pk}/", {"quantity": 4}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert '<h2 id="cart-drawer-title">' in response.text
    assert '<span id="cart-count" hx-swap-oob="true">4</span>' in response.text
    assert '<span id="cart-count-label" class="visually-hidden" hx-swap-oob="true"> items</span>' in response.text
    single = client.post(f"/portal/cart/items/{item.pk}/", {"quantity": 1}, HTTP_HX_REQUEST="true")
    # A screen reader hears "Cart 1 item", not "Cart 1 items".
    assert '<span id="cart-count-label" class="visually-hidden" hx-swap-oob="true"> item</span>' in single.text
    refused = client.post(f"/portal/cart/items/{item.pk}/", {"quantity": 50}, HTTP_HX_REQUEST="true")
    assert 'role="alert"' in refused.text and "Only 10 of Barrier Cream available" in refused.text


def test_another_records_cart_items_cannot_be_changed(world, catalogue):
    others = cart_add_item(patient=world.p2, product=catalogue["cream"], quantity=1)
    client = client_for(world.patient_user_1)
    assert client.post(f"/portal/cart/items/{others.pk}/", {"quantity": 5}).status_code == 404
    removed = client.post(f"/portal/cart/items/{others.pk}/remove/")
    assert removed.status_code == 404  # not a "Removed" message that confirms nothing
    assert CartItem.objects.get(pk=others.pk).quantity == 1
    foreign = cart_add_item(patient=world.pb, product=ProductFactory(clinic=world.clinic_b), quantity=1)
    assert client.post(f"/portal/cart/items/{foreign.pk}/remove/").status_code == 404
    assert CartItem.objects.filter(pk=foreign.pk).exists()


def test_the_cart_follows_the_record_not_the_browser(world, catalogue):
    cart_add_item(patient=world.p1, product=catalogue["cream"], quantity=2)
    fresh_session = Client()
    fresh_session.force_login(world.patient_user_1)
    assert "Barrier Cream" in fresh_session.get("/portal/cart/").text


def test_a_flagged_line_is_shown_on_the_cart_page(world, catalogue):
    cart_add_item(patient=world.p1, product=catalogue["cream"], quantity=5)
    Product.objects.filter(pk=catalogue["cream"].pk).update(stock=1)
    page = client_for(world.patient_user_1).get("/portal/cart/")
    assert "Only 1 of Barrier Cream available" in page.text
    assert "need your attention before you can check out" in page.text


def test_product_images_are_served_only_through_checked_views(world, settings):
    buffer = io.BytesIO()
    Image.new("RGB", (100, 100), "red").save(buffer, format="PNG")
    product = product_save(
        product=Product(clinic=world.clinic_a),
        values={"name": "Pictured", "category": "other", "price_cents": 100},
        actor=world.staff_a,
        image=SimpleUploadedFile("p.png", buffer.getvalue()),
    )
    client = client_for(world.patient_user_1)
    response = client.get(f"/portal/shop/{product.pk}/image/thumbnail/")
    assert response.status_code == 200 and response["Content-Type"] == "image/webp"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert client.get(f"/portal/shop/{product.pk}/image/other/").status_code == 404
    assert client_for(world.patient_user_b).get(f"/portal/shop/{product.pk}/image/thumbnail/").status_code in (403, 404)
    assert Client().get(f"/portal/shop/{product.pk}/image/full/").status_code == 302
    assert client_for(world.staff_a).get(f"/staff/alpha/products/{product.pk}/image/full/").status_code == 200
    assert client_for(world.owner_b).get(f"/staff/alpha/products/{product.pk}/image/full/").status_code == 404
    assert settings.MEDIA_URL not in response.get("Location", "")


@pytest.mark.parametrize(("plan", "add_ons"), list(all_combinations()))
def test_the_shop_follows_the_plan(world, plan, add_ons):
    world.clinic_a.plan, world.clinic_a.add_ons = plan, list(add_ons)
    world.clinic_a.save()
    from patientportal.clinics.features import Feature, features_for

    has_shop = Feature.SHOP in features_for(plan, add_ons)
    client = client_for(world.patient_user_1)
    dashboard = client.get("/portal/")
    assert ('href="/portal/shop/"' in dashboard.text) is has_shop
    assert ('id="cart-count"' in dashboard.text) is has_shop
    assert client.get("/portal/shop/").status_code == (200 if has_shop else 403)
    assert client.get("/portal/cart/").status_code == (200 if has_shop else 403)


@pytest.mark.parametrize("count", [10, 500])
def test_the_shop_page_needs_a_fixed_number_of_queries(world, count, django_assert_num_queries):
    Product.objects.bulk_create(
        [
            Product(clinic=world.clinic_a, name=f"Item {index:03d}", price_cents=100 + index, stock=5)
            for index in range(count)
        ]
    )
    client = client_for(world.patient_user_1)
    client.get("/portal/shop/")
    # session, user, links, count, one page of products, cart count (no session save within a minute)
    with django_assert_num_queries(6):
        client.get("/portal/shop/?q=item&page=1")


def test_the_header_count_is_one_query(world, django_assert_num_queries):
    client = client_for(world.patient_user_1)
    client.get("/portal/appointments/?tab=past")
    world.clinic_a.plan, world.clinic_a.add_ons = "professional", []
    world.clinic_a.save()
    client.get("/portal/appointments/?tab=past")
    # Without the shop: same page, one query fewer (no cart count).
    with django_assert_num_queries(5):
        client.get("/portal/appointments/?tab=past")
