"""Product pictures on S3-compatible object storage (issue 18, part 4): uploaded by staff and
shown in the shop through the real views, against a local S3 server (moto). Every object is
encrypted at rest and private, and the shop's pages never name the store."""

from pathlib import Path

import pytest
from django.test import Client

from patientportal.catalog.models import Product
from tests.conftest import client_for
from tests.staff.test_product_pages import png, product_data

pytestmark = pytest.mark.django_db


def test_a_product_picture_is_stored_encrypted_and_private_in_the_bucket_and_shown_through_the_views(
    world, s3_storage, settings
):
    created = client_for(world.staff_a).post("/staff/alpha/products/new/", {**product_data(), "image": png()})
    assert created.status_code == 302
    product = Product.objects.get()

    assert s3_storage.names() == sorted([product.image.name, product.thumbnail.name])
    for key in s3_storage.names():
        s3_storage.assert_private_and_encrypted(key)
    assert not Path(settings.MEDIA_ROOT).exists()  # nothing on this server's disk

    patient, staff = client_for(world.patient_user_1), client_for(world.staff_a)
    for client, url, key in (
        (patient, f"/portal/shop/{product.pk}/image/thumbnail/", product.thumbnail.name),
        (patient, f"/portal/shop/{product.pk}/image/full/", product.image.name),
        (staff, f"/staff/alpha/products/{product.pk}/image/full/", product.image.name),
    ):
        response = client.get(url)
        assert response.status_code == 200 and response["Content-Type"] == "image/webp"
        assert b"".join(response.streaming_content) == s3_storage.read(key)
    shop = patient.get("/portal/shop/")
    assert f"/portal/shop/{product.pk}/image/thumbnail/" in shop.text
    assert s3_storage.endpoint not in shop.text and s3_storage.name not in shop.text  # no store URL
    # The access checks are where they were: another clinic's team, and nobody signed in, see nothing.
    assert client_for(world.owner_b).get(f"/staff/alpha/products/{product.pk}/image/full/").status_code == 404
    assert Client().get(f"/portal/shop/{product.pk}/image/full/").status_code == 302
