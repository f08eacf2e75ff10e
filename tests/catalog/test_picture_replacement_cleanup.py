"""Replacing or removing a product's picture deletes the files of the picture it had (the full
size and the thumbnail), once the change has committed: on local disk and on the local S3
server (moto). A change that is rolled back deletes nothing the product still shows, and the
files of a new picture whose save failed are not left behind either."""

import logging
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.db import transaction

from patientportal.catalog.errors import CatalogError
from patientportal.catalog.images import picture_files_delete
from patientportal.catalog.models import Product
from patientportal.catalog.services import product_save
from tests.catalog.test_images import png_upload
from tests.conftest import client_for
from tests.staff.test_product_pages import png, product_data

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["disk", "s3"])
def stored(request, settings):
    """Every file name in storage, on local disk or in the test's bucket on the local S3 server."""
    if request.param == "s3":
        bucket = request.getfixturevalue("s3_storage")
        return bucket.names

    def on_disk() -> list[str]:
        root = Path(settings.MEDIA_ROOT)
        return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())

    return on_disk


def pictures(product: Product) -> list[str]:
    product.refresh_from_db()
    return sorted([product.image.name, product.thumbnail.name])


def edit_data(**overrides) -> dict:
    data = product_data(**overrides)
    data.pop("initial_stock")  # not on the edit form
    return data


def create_with_picture(world, **overrides) -> Product:
    created = client_for(world.staff_a).post(
        "/staff/alpha/products/new/", {**product_data(**overrides), "image": png()}
    )
    assert created.status_code == 302, created.text
    return Product.objects.get(sku=overrides.get("sku", "VC-30"))


def test_replacing_the_picture_deletes_the_old_files_once_the_change_commits(
    world, stored, django_capture_on_commit_callbacks
):
    product = create_with_picture(world)
    old = pictures(product)
    assert stored() == old

    with django_capture_on_commit_callbacks() as callbacks:
        response = client_for(world.staff_a).post(
            f"/staff/alpha/products/{product.pk}/", {**edit_data(), "image": png()}
        )
    assert response.status_code == 302
    new = pictures(product)
    assert set(new).isdisjoint(old)
    assert stored() == sorted(old + new)  # not before the change has committed

    for callback in callbacks:
        callback()
    assert stored() == new
    shown = client_for(world.patient_user_1).get(f"/portal/shop/{product.pk}/image/full/")
    assert shown.status_code == 200
    with default_storage.open(product.image.name, "rb") as handle:
        assert b"".join(shown.streaming_content) == handle.read()


def test_a_change_of_other_fields_deletes_no_picture(world, stored, django_capture_on_commit_callbacks):
    product = create_with_picture(world)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client_for(world.staff_a).post(f"/staff/alpha/products/{product.pk}/", edit_data(name="Renamed"))
    assert response.status_code == 302 and callbacks == []
    assert stored() == pictures(product)


def test_removing_the_picture_deletes_its_files_once_the_change_commits(
    world, stored, django_capture_on_commit_callbacks
):
    product = create_with_picture(world)
    with django_capture_on_commit_callbacks(execute=True):
        product_save(product=product, values={}, image=False, actor=world.staff_a)
    product.refresh_from_db()
    assert not product.image and not product.thumbnail
    assert stored() == []
    assert client_for(world.staff_a).get(f"/staff/alpha/products/{product.pk}/image/full/").status_code == 404


def test_a_new_picture_whose_save_fails_is_not_left_behind_and_the_old_one_stays(
    world, stored, django_capture_on_commit_callbacks
):
    product = create_with_picture(world)
    other = create_with_picture(world, sku="TAKEN", name="Other")
    before = stored()
    old = pictures(product)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client_for(world.staff_a).post(
            f"/staff/alpha/products/{product.pk}/", {**edit_data(sku="TAKEN"), "image": png()}
        )
    assert response.status_code == 200 and "already uses this SKU" in response.text
    assert callbacks == []
    assert pictures(product) == old and stored() == before == sorted(old + pictures(other))


@pytest.mark.django_db(transaction=True)
def test_a_replacement_rolled_back_deletes_nothing_the_product_shows(world, stored):
    product = create_with_picture(world)
    old = pictures(product)

    with pytest.raises(RuntimeError), transaction.atomic():
        product_save(product=Product.objects.get(pk=product.pk), values={}, image=png_upload(), actor=world.staff_a)
        raise RuntimeError("something later in the same transaction failed")

    assert pictures(product) == old
    assert set(old) <= set(stored())  # the pictures the product still shows are all there
    shown = client_for(world.patient_user_1).get(f"/portal/shop/{product.pk}/image/thumbnail/")
    assert shown.status_code == 200 and b"".join(shown.streaming_content)


@pytest.mark.django_db(transaction=True)
def test_a_replacement_committed_for_real_deletes_the_old_files(world, stored):
    product = create_with_picture(world)
    old = pictures(product)

    product_save(product=Product.objects.get(pk=product.pk), values={}, image=png_upload(), actor=world.staff_a)

    new = pictures(product)
    assert set(new).isdisjoint(old) and stored() == new


def test_a_file_that_cannot_be_deleted_is_logged_and_fails_nothing(caplog):
    class Unreachable:
        def delete(self, name):
            raise ConnectionError("the store is down")

    with caplog.at_level(logging.WARNING, logger="patientportal.catalog.images"):
        picture_files_delete(Unreachable(), ["clinics/1/products/a.webp", "clinics/1/products/a-thumb.webp"])
    assert [record.getMessage() for record in caplog.records] == [
        "Product picture file clinics/1/products/a.webp not deleted (ConnectionError).",
        "Product picture file clinics/1/products/a-thumb.webp not deleted (ConnectionError).",
    ]


def test_a_sku_clash_on_a_new_product_leaves_no_picture_files(world, stored):
    create_with_picture(world)
    before = stored()
    with pytest.raises(CatalogError):
        product_save(
            product=Product(clinic=world.clinic_a),
            values={"name": "Clash", "sku": "VC-30", "price_cents": 100},
            image=png_upload(),
            actor=world.staff_a,
        )
    assert stored() == before
