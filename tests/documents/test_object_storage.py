"""Documents on S3-compatible object storage (issue 18, part 4): uploaded, signed, shown and
deleted through the real views and services against a local S3 server (moto), configured by
the STORAGE_S3_* variables. Every object is encrypted at rest and private (a browser asking
the store directly is refused), and the store's address never reaches a page."""

import hashlib
from pathlib import Path

import pytest

from patientportal.documents.files import pdf_page_count
from patientportal.documents.models import Document
from patientportal.documents.preview import page_image_name
from patientportal.documents.services import document_files_delete
from tests.conftest import client_for
from tests.documents.helpers import browser_file, pdf_bytes
from tests.portal.test_document_pages import sign_data
from tests.staff.test_document_pages import management, row

pytestmark = pytest.mark.django_db


def two_page_pdf(title: str) -> bytes:
    data = pdf_bytes(title, pages=3)  # the helper's "pages" counts paragraphs of a page's worth; these fill two
    assert pdf_page_count(data) == 2
    return data


def staff_upload(world, data: bytes, *, title="Consent", sign=True) -> Document:
    """Staff upload one PDF through the upload page."""
    fields = {"file": browser_file("consent.pdf", data), "title": title, "doc_type": "consent_form"}
    fields |= {"signature_required": "on", "due_days": "14"} if sign else {"visible_in_portal": "on", "due_days": "30"}
    response = client_for(world.staff_a).post(
        f"/staff/alpha/patients/{world.p1.pk}/documents/new/", {**management(1), **row(0, **fields)}
    )
    assert response.status_code == 302, response.text
    return Document.objects.get(title=title)


def test_an_uploaded_document_is_stored_encrypted_and_private_in_the_bucket_and_read_back_through_the_views(
    world, s3_storage, settings
):
    data = two_page_pdf("Lab results")
    document = staff_upload(world, data, sign=False)

    assert s3_storage.names() == [document.file.name]
    assert s3_storage.read(document.file.name) == data
    s3_storage.assert_private_and_encrypted(document.file.name)
    assert not Path(settings.MEDIA_ROOT).exists()  # nothing on this server's disk

    patient, staff = client_for(world.patient_user_1), client_for(world.staff_a)
    assert b"".join(patient.get(f"/portal/documents/{document.pk}/file/").streaming_content) == data
    assert b"".join(staff.get(f"/staff/alpha/documents/{document.pk}/file/").streaming_content) == data
    for page in (
        patient.get(f"/portal/documents/{document.pk}/"),
        staff.get(f"/staff/alpha/documents/{document.pk}/"),
    ):
        assert page.status_code == 200
        assert s3_storage.endpoint not in page.text and s3_storage.name not in page.text  # no store URL

    drawn = patient.get(f"/portal/documents/{document.pk}/pages/2.png")
    assert drawn.status_code == 200 and drawn.content.startswith(b"\x89PNG")
    cached = page_image_name(document, 2)
    assert cached in s3_storage.names() and s3_storage.read(cached) == drawn.content
    s3_storage.assert_private_and_encrypted(cached)
    assert staff.get(f"/staff/alpha/documents/{document.pk}/pages/2.png").content == drawn.content


def test_the_signature_and_signed_copy_are_stored_encrypted_and_private_in_the_bucket(world, s3_storage):
    document = staff_upload(world, pdf_bytes())
    patient = client_for(world.patient_user_1)
    assert patient.post(f"/portal/documents/{document.pk}/sign/", sign_data(document)).status_code == 302

    signature = document.signature_request.signature
    assert set(s3_storage.names()) == {document.file.name, signature.image.name, signature.signed_copy.name}
    for key in s3_storage.names():
        s3_storage.assert_private_and_encrypted(key)
    stored_copy = s3_storage.read(signature.signed_copy.name)
    assert stored_copy.startswith(b"%PDF-") and hashlib.sha256(stored_copy).hexdigest() == signature.signed_copy_sha256
    downloaded = patient.get(f"/portal/documents/{document.pk}/signed-copy.pdf")
    assert b"".join(downloaded.streaming_content) == stored_copy
    staff_copy = client_for(world.staff_a).get(f"/staff/alpha/documents/{document.pk}/signed-copy.pdf")
    assert b"".join(staff_copy.streaming_content) == stored_copy


def test_deleting_a_documents_files_removes_the_file_and_its_page_images_from_the_bucket(world, s3_storage):
    kept = staff_upload(world, pdf_bytes("Kept"), title="Kept", sign=False)
    document = staff_upload(world, two_page_pdf("Gone"), title="Gone", sign=False)
    patient = client_for(world.patient_user_1)
    for url in (f"/portal/documents/{document.pk}/pages/1.png", f"/portal/documents/{document.pk}/pages/2.png"):
        assert patient.get(url).status_code == 200
    assert patient.get(f"/portal/documents/{kept.pk}/pages/1.png").status_code == 200
    assert len(s3_storage.names()) == 5

    document_files_delete(document)

    assert s3_storage.names() == sorted([kept.file.name, page_image_name(kept, 1)])
