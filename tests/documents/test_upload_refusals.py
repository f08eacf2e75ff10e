"""What an upload must pass before it is stored (issue #13): no zip bomb, a name and a
claimed type that agree with the content, and the virus scan when one is configured.
Each refusal says why, next to the file, and stores nothing."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from patientportal.catalog.models import Product
from patientportal.documents.files import (
    CSV,
    DOCX,
    MAX_UNPACKED_BYTES,
    PDF,
    UnacceptableFile,
    check_name_and_claim,
    detect_content_type,
)
from patientportal.documents.models import Document
from tests.conftest import client_for
from tests.core.fake_clamd import EICAR, clamd_down_fixture, clamd_fixture  # noqa: F401 - fixtures
from tests.documents.helpers import browser_file, pdf_bytes
from tests.staff.test_product_pages import png, product_data

pytestmark = pytest.mark.django_db

PHP = b"<?php system($_GET['cmd']); ?>\n"


def zip_bomb_docx(unpacked_mb=300) -> bytes:
    """A Word document of about 300 KB whose text unpacks to 300 MB of zeros."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w") as entry:
            for _ in range(unpacked_mb):
                entry.write(b"\0" * (1 << 20))
    return buffer.getvalue()


def upload_page(world, upload: SimpleUploadedFile):
    data = {
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "0",
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "10",
        "form-0-file": upload,
        "form-0-title": "Upload",
        "form-0-doc_type": "other",
        "form-0-due_days": "30",
    }
    return client_for(world.staff_a).post(f"/staff/alpha/patients/{world.p1.pk}/documents/new/", data)


def test_a_zip_bomb_word_document_is_refused_and_nothing_is_stored(world):
    bomb = zip_bomb_docx()
    assert len(bomb) < 400_000
    response = upload_page(world, browser_file("minutes.docx", bomb))
    assert response.status_code == 400
    assert "would unpack to more than 100 MB" in response.text
    assert not Document.objects.exists()


def test_a_word_document_that_unpacks_within_the_limit_is_accepted(world):
    docx = zip_bomb_docx(unpacked_mb=MAX_UNPACKED_BYTES // (1 << 20) - 1)
    assert detect_content_type(docx, "minutes.docx") == DOCX


def test_php_named_shell_png_and_sent_as_an_image_is_refused_and_nothing_is_stored(world):
    response = upload_page(world, SimpleUploadedFile("shell.png", PHP, content_type="image/png"))
    assert response.status_code == 400
    assert "This file&#x27;s name ends in “.png” but the file is plain text, so it was refused." in response.text
    assert not Document.objects.exists()


def test_text_claimed_as_an_image_is_refused_whatever_its_name(world):
    response = upload_page(world, SimpleUploadedFile("shell.txt", PHP, content_type="image/png"))
    assert response.status_code == 400
    assert "This file was sent as “image/png” but it is plain text, so it was refused." in response.text
    assert not Document.objects.exists()


@pytest.mark.parametrize(
    ("content_type", "filename", "claimed"),
    [
        (PDF, "labs.pdf", "application/pdf"),
        (PDF, "LABS.PDF", "application/octet-stream"),  # the browser did not know: no claim
        (PDF, "labs", ""),  # no extension: the name claims nothing
        ("image/jpeg", "photo.jpeg", "image/jpeg"),
        (CSV, "results.csv", "application/vnd.ms-excel"),  # what Windows browsers send for .csv
        (DOCX, "C:\\fakepath\\letter.docx", DOCX),
    ],
)
def test_names_and_claims_that_agree_with_the_content_pass(content_type, filename, claimed):
    check_name_and_claim(content_type=content_type, filename=filename, claimed_type=claimed)


@pytest.mark.parametrize(
    ("content_type", "filename", "claimed"),
    [
        ("image/png", "photo.pdf", "application/pdf"),
        (PDF, "report.html", "text/html"),
        (PDF, "labs.pdf", "text/html"),
        (DOCX, "letter.docm", DOCX),
    ],
)
def test_names_and_claims_that_contradict_the_content_are_refused(content_type, filename, claimed):
    with pytest.raises(UnacceptableFile):
        check_name_and_claim(content_type=content_type, filename=filename, claimed_type=claimed)


def test_with_a_scanner_a_clean_document_is_scanned_and_stored(world, clamd):
    data = pdf_bytes()
    response = upload_page(world, browser_file("labs.pdf", data))
    assert response.status_code == 302
    assert clamd.scanned == [data]
    assert Document.objects.get().sha256


def test_an_infected_document_is_refused_with_a_clear_message_and_nothing_is_stored(world, clamd):
    response = upload_page(world, browser_file("notes.txt", b"visit notes\n" + EICAR))
    assert response.status_code == 400
    assert "the virus scanner found something harmful in it (Eicar-Test-Signature)" in response.text
    assert not Document.objects.exists()


def test_while_the_scanner_cannot_be_reached_documents_are_refused_and_nothing_is_stored(world, clamd_down):
    response = upload_page(world, browser_file("labs.pdf", pdf_bytes()))
    assert response.status_code == 400
    assert "the virus scanner could not check it just now" in response.text
    assert not Document.objects.exists()


def product_page(world, image):
    return client_for(world.staff_a).post("/staff/alpha/products/new/", {**product_data(), "image": image})


def test_with_a_scanner_a_clean_product_image_is_scanned_and_stored(world, clamd):
    image = png()
    response = product_page(world, image)
    assert response.status_code == 302
    image.seek(0)
    assert clamd.scanned == [image.read()]
    assert Product.objects.get().image


def test_an_infected_product_image_is_refused_and_nothing_is_stored(world, clamd):
    image = png()
    infected = SimpleUploadedFile("serum.png", image.read() + EICAR, content_type="image/png")  # junk after the PNG
    response = product_page(world, infected)
    assert "the virus scanner found something harmful in it" in response.text
    assert not Product.objects.exists()


def test_while_the_scanner_cannot_be_reached_product_images_are_refused(world, clamd_down):
    response = product_page(world, png())
    assert "the virus scanner could not check it just now" in response.text
    assert not Product.objects.exists()
