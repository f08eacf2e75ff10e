import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from patientportal.catalog.images import MAX_BYTES, process_product_image


def png_upload(width=800, height=600, name="photo.png", exif_gps=False) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "#336699").save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def test_an_image_is_reencoded_with_a_random_name_and_a_thumbnail():
    full, thumbnail = process_product_image(png_upload(2400, 1200, name="../../etc/passwd.png"))
    assert full.name.endswith(".webp") and "passwd" not in full.name
    assert Image.open(full).size == (1600, 800)
    assert max(Image.open(thumbnail).size) == 480


@pytest.mark.parametrize(
    ("name", "content"),
    [("evil.png", b"<html><script>alert(1)</script></html>"), ("doc.jpg", b"%PDF-1.7 not an image"), ("e.gif", b"")],
)
def test_a_file_that_is_not_an_image_is_refused_whatever_its_name(name, content):
    with pytest.raises(ValidationError, match="not an image we can read"):
        process_product_image(SimpleUploadedFile(name, content, content_type="image/png"))


def test_an_oversized_file_is_refused():
    upload = SimpleUploadedFile("big.png", b"0" * (MAX_BYTES + 1), content_type="image/png")
    with pytest.raises(ValidationError, match="larger than 5 MB"):
        process_product_image(upload)


def test_an_image_with_too_many_pixels_is_refused():
    with pytest.raises(ValidationError, match="too many pixels"):
        process_product_image(png_upload(8000, 6000))
