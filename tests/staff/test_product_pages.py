import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from patientportal.catalog.models import Product, StockAdjustment
from patientportal.clinics.choices import Role
from tests.access_matrix import assert_staff_url_is_scoped
from tests.conftest import client_for
from tests.factories import MembershipFactory, ProductFactory

pytestmark = pytest.mark.django_db


def product_data(**overrides) -> dict:
    data = {
        "name": "Vitamin C Serum",
        "sku": "VC-30",
        "category": "cosmetics",
        "description": "Brightening serum.",
        "price_cents": "34.50",
        "cost_cents": "12",
        "taxable": "on",
        "track_inventory": "on",
        "initial_stock": "8",
        "reorder_threshold": "3",
        "reorder_quantity": "12",
        "minimum_age": "0",
        "visible_in_portal": "on",
        "active": "on",
    }
    return {**data, **overrides}


def png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (300, 300), "#123456").save(buffer, format="PNG")
    return SimpleUploadedFile("serum.png", buffer.getvalue(), content_type="image/png")


def test_staff_create_a_product_with_an_image_and_initial_stock(world):
    response = client_for(world.staff_a).post(
        "/staff/alpha/products/new/", {**product_data(), "image": png()}, follow=True
    )
    assert "Product created." in response.text
    product = Product.objects.get()
    assert (product.clinic, product.price_cents, product.cost_cents, product.stock) == (world.clinic_a, 3450, 1200, 8)
    assert product.image.name.endswith(".webp") and product.thumbnail
    assert StockAdjustment.objects.get(product=product).note == "Initial stock"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"name": "  "}, "This field is required."),
        ({"price_cents": "0"}, "The amount must be more than zero."),
        ({"price_cents": "12.345"}, "Enter an amount such as 12.50."),
        ({"price_cents": "twelve"}, "Enter an amount such as 12.50."),
        ({"minimum_age": "101"}, "less than or equal to 100"),
    ],
)
def test_bad_product_input_is_refused_clearly_and_kept(world, overrides, message):
    response = client_for(world.staff_a).post("/staff/alpha/products/new/", product_data(**overrides))
    assert response.status_code == 200
    assert message in response.text
    assert 'value="Brightening serum.' in response.text or "Brightening serum." in response.text
    assert not Product.objects.exists()


def test_a_file_that_is_not_an_image_is_refused(world):
    fake = SimpleUploadedFile("photo.png", b"<html><script>x</script></html>", content_type="image/png")
    response = client_for(world.staff_a).post("/staff/alpha/products/new/", {**product_data(), "image": fake})
    assert "not an image we can read" in response.text
    assert not Product.objects.exists()


def test_a_sku_is_unique_within_the_clinic_only(world):
    ProductFactory(clinic=world.clinic_a, sku="VC-30")
    ProductFactory(clinic=world.clinic_b, sku="SAME")
    taken = client_for(world.staff_a).post("/staff/alpha/products/new/", product_data())
    assert "already uses this SKU" in taken.text
    client_for(world.staff_a).post("/staff/alpha/products/new/", product_data(sku="SAME"))
    assert Product.objects.filter(sku="SAME").count() == 2


def test_editing_does_not_touch_stock_and_stock_changes_keep_history(world):
    product = ProductFactory(clinic=world.clinic_a, stock=5, name="Old name")
    client = client_for(world.staff_a)
    client.post(f"/staff/alpha/products/{product.pk}/", product_data(name="New name", initial_stock="999"))
    product.refresh_from_db()
    assert (product.name, product.stock) == ("New name", 5)
    done = client.post(
        f"/staff/alpha/products/{product.pk}/stock/",
        {"change": "-2", "reason": "damaged", "note": "Broken seal"},
        follow=True,
    )
    assert "Stock is now 3." in done.text and "Broken seal" in done.text
    refused = client.post(
        f"/staff/alpha/products/{product.pk}/stock/", {"change": "-9", "reason": "count"}, follow=True
    )
    assert "only 3 in stock" in refused.text
    assert Product.objects.get(pk=product.pk).stock == 3
    bad_reason = client.post(
        f"/staff/alpha/products/{product.pk}/stock/", {"change": "1", "reason": "order"}, follow=True
    )
    assert "Select a valid choice" in bad_reason.text


def test_the_low_stock_filter_lists_products_at_or_below_their_threshold(world):
    ProductFactory(clinic=world.clinic_a, name="Low", stock=2, reorder_threshold=3)
    ProductFactory(clinic=world.clinic_a, name="Edge", stock=3, reorder_threshold=3)
    ProductFactory(clinic=world.clinic_a, name="Plenty", stock=30, reorder_threshold=3)
    ProductFactory(clinic=world.clinic_a, name="Untracked", stock=0, track_inventory=False)
    client = client_for(world.staff_a)
    response = client.get("/staff/alpha/products/?low=on")
    assert [product.name for product in response.context["page"].object_list] == ["Edge", "Low"]
    assert "2 products need reordering." in response.text
    assert "Products to reorder" in client.get("/staff/alpha/").text


@pytest.mark.parametrize("path", ["/staff/alpha/products/", "/staff/alpha/products/new/", "/staff/alpha/products/{p}/"])
def test_product_pages_are_scoped_to_the_clinics_team(world, path):
    product = ProductFactory(clinic=world.clinic_a)
    assert_staff_url_is_scoped(world, path.format(p=product.pk))


def test_providers_do_not_manage_products_and_other_clinics_get_404(world):
    provider = MembershipFactory(clinic=world.clinic_a, role=Role.PROVIDER).user
    product = ProductFactory(clinic=world.clinic_a)
    assert client_for(provider).get("/staff/alpha/products/").status_code == 403
    assert client_for(world.owner_b).get(f"/staff/beta/products/{product.pk}/").status_code == 404
    response = client_for(world.owner_b).post(
        f"/staff/beta/products/{product.pk}/stock/", {"change": "5", "reason": "restock"}
    )
    assert response.status_code == 404
    assert Product.objects.get(pk=product.pk).stock == 10
