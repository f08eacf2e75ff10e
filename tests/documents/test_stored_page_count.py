"""A document keeps its page count from the moment it is stored, so the pages that show a PDF
(the portal's detail and signing pages, the staff detail page) list its page images without
reading the file: on object storage every read is a download of the whole file. On local disk
and on the local S3 server (moto). Documents stored before the count existed are counted by
migration 0005, or, when their file could not be read then, once by the first page that shows
them."""

import importlib
import re

import pypdfium2
import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, default_storage

from patientportal.documents.models import Document
from tests.conftest import client_for
from tests.documents.helpers import blank_pdf, browser_file, png_bytes, upload
from tests.staff.test_document_pages import management, row

pytestmark = pytest.mark.django_db

fill_migration = importlib.import_module("patientportal.documents.migrations.0005_fill_document_page_count")


@pytest.fixture(params=["disk", "s3"])
def storage_kind(request) -> str:
    """Each test runs with documents on local disk, then in a bucket on the local S3 server."""
    if request.param == "s3":
        request.getfixturevalue("s3_storage")
    return request.param


@pytest.fixture
def opened(monkeypatch) -> list[str]:
    """The names every storage (local disk or the bucket) is asked to open, in order."""
    names: list[str] = []
    real_open = Storage.open

    def counting_open(self, name, mode="rb"):
        names.append(name)
        return real_open(self, name, mode)

    monkeypatch.setattr(Storage, "open", counting_open)
    return names


@pytest.fixture
def forbid_pdfium(monkeypatch):
    """Once called, PDFium may not open anything: a page that counted pages with it would fail."""

    def refuse(*args, **kwargs):
        raise AssertionError("PDFium opened a document to count its pages")

    return lambda: monkeypatch.setattr(pypdfium2, "PdfDocument", refuse)


def staff_upload(world, data: bytes, *, filename="consent.pdf", title="Consent") -> Document:
    """Staff upload one document through the upload page, to be signed (which shows it in the portal)."""
    fields = {
        "file": browser_file(filename, data),
        "title": title,
        "doc_type": "consent_form",
        "signature_required": "on",
        "due_days": "14",
    }
    response = client_for(world.staff_a).post(
        f"/staff/alpha/patients/{world.p1.pk}/documents/new/", {**management(1), **row(0, **fields)}
    )
    assert response.status_code == 302, response.text
    return Document.objects.get(title=title)


def page_numbers(html: str, document: Document) -> list[int]:
    """The page images a page lists for the document, in order."""
    return [int(number) for number in re.findall(rf'<img src="[^"]*/documents/{document.pk}/pages/(\d+)\.png"', html)]


def detail_pages(world, document: Document) -> list[tuple[str, object, str]]:
    return [
        ("portal detail", client_for(world.patient_user_1), f"/portal/documents/{document.pk}/"),
        ("portal signing", client_for(world.patient_user_1), f"/portal/documents/{document.pk}/sign/"),
        ("staff detail", client_for(world.staff_a), f"/staff/alpha/documents/{document.pk}/"),
    ]


def test_an_upload_keeps_the_page_count_of_a_pdf_and_none_for_other_files(world, storage_kind):
    assert staff_upload(world, blank_pdf(10)).page_count == 10
    image = staff_upload(world, png_bytes(), filename="scan.png", title="Scan")
    assert image.page_count is None
    note = upload(world, sign_days=None, data=b"a note", filename="n.txt", title="Note")
    assert note.page_count is None


def test_the_pages_showing_a_ten_page_pdf_list_its_ten_pages_without_reading_the_file(
    world, storage_kind, opened, forbid_pdfium
):
    document = staff_upload(world, blank_pdf(10))
    forbid_pdfium()
    opened.clear()

    for what, client, url in detail_pages(world, document):
        response = client.get(url)
        assert response.status_code == 200, what
        assert page_numbers(response.text, document) == list(range(1, 11)), what
        if what == "portal detail":
            assert "page 10 of 10" in response.text
    # The staff page's integrity check re-hashes the file, deliberately: that is the only read.
    assert opened == [document.file.name]


def test_a_signed_pdf_still_lists_its_pages_without_reading_the_file(world, storage_kind, opened):
    from tests.portal.test_document_pages import sign_data

    document = staff_upload(world, blank_pdf(10))
    patient = client_for(world.patient_user_1)
    assert patient.post(f"/portal/documents/{document.pk}/sign/", sign_data(document)).status_code == 302
    opened.clear()

    page = patient.get(f"/portal/documents/{document.pk}/")
    assert page_numbers(page.text, document) == list(range(1, 11)) and "Download signed copy" in page.text
    assert opened == []


# Before the count was stored the portal's detail page needed 8 queries, its signing page 9 and the
# staff detail page 7. The portal pages now also take the document's patient and clinic (and its
# request's) from the portal record instead of loading them for the audit record.
PORTAL_DETAIL_QUERIES = 6  # session, user, portal links, the document with its request, audit, cart count
PORTAL_SIGNING_QUERIES = 7  # the same and the "opened" timeline event
# session, user, membership, the document, audit, the timeline, its emails, the header's unread notifications
STAFF_DETAIL_QUERIES = 8


def test_the_pages_showing_a_document_need_a_fixed_number_of_queries(world, django_assert_num_queries):
    document = staff_upload(world, blank_pdf(10))
    expected = {
        "portal detail": PORTAL_DETAIL_QUERIES,
        "portal signing": PORTAL_SIGNING_QUERIES,
        "staff detail": STAFF_DETAIL_QUERIES,
    }
    for what, client, url in detail_pages(world, document):
        client.get(url)
        with django_assert_num_queries(expected[what]):
            assert client.get(url).status_code == 200, what


def test_a_pdf_stored_without_a_count_is_counted_once_by_the_first_page_that_shows_it(
    world, storage_kind, opened, django_assert_num_queries
):
    document = staff_upload(world, blank_pdf(10))
    Document.objects.filter(pk=document.pk).update(page_count=None)  # as if its file could not be read before
    patient = client_for(world.patient_user_1)
    patient.get(f"/portal/documents/{document.pk}/")  # the session's first request writes it
    Document.objects.filter(pk=document.pk).update(page_count=None)
    opened.clear()

    with django_assert_num_queries(PORTAL_DETAIL_QUERIES + 1):  # and the count kept
        first = patient.get(f"/portal/documents/{document.pk}/")
    assert page_numbers(first.text, document) == list(range(1, 11))
    assert opened == [document.file.name]
    assert Document.objects.get(pk=document.pk).page_count == 10

    opened.clear()
    again = patient.get(f"/portal/documents/{document.pk}/")
    assert page_numbers(again.text, document) == list(range(1, 11)) and opened == []


def test_a_pdf_whose_file_is_missing_shows_no_pages_and_is_counted_when_it_is_back(world, storage_kind):
    data = blank_pdf(3)
    document = staff_upload(world, data)
    Document.objects.filter(pk=document.pk).update(page_count=None)
    default_storage.delete(document.file.name)
    patient = client_for(world.patient_user_1)

    page = patient.get(f"/portal/documents/{document.pk}/")
    assert page.status_code == 200 and page_numbers(page.text, document) == []
    assert "cannot be shown on the page" in page.text
    assert Document.objects.get(pk=document.pk).page_count is None  # not kept: tried again next time

    assert default_storage.save(document.file.name, ContentFile(data)) == document.file.name
    assert page_numbers(patient.get(f"/portal/documents/{document.pk}/").text, document) == [1, 2, 3]
    assert Document.objects.get(pk=document.pk).page_count == 3


def test_a_stored_pdf_that_pdfium_cannot_open_is_kept_as_no_pages_and_not_read_again(world, opened):
    document = staff_upload(world, blank_pdf(2))
    damaged = b"%PDF-1.7\nnot really a PDF\n"
    Document.objects.filter(pk=document.pk).update(page_count=None)
    with default_storage.open(document.file.name, "wb") as handle:
        handle.write(damaged)
    patient = client_for(world.patient_user_1)
    opened.clear()

    page = patient.get(f"/portal/documents/{document.pk}/")
    assert "cannot be shown on the page" in page.text and opened == [document.file.name]
    assert Document.objects.get(pk=document.pk).page_count == 0
    opened.clear()
    assert "cannot be shown on the page" in patient.get(f"/portal/documents/{document.pk}/").text
    assert opened == []


def test_the_migration_counts_the_pages_of_pdfs_stored_before_and_leaves_what_it_cannot_read(
    world, storage_kind, opened
):
    ten = staff_upload(world, blank_pdf(10), title="Ten")
    missing = staff_upload(world, blank_pdf(2), title="Missing")
    damaged = staff_upload(world, blank_pdf(2), title="Damaged")
    image = staff_upload(world, png_bytes(), filename="scan.png", title="Scan")
    counted_before = staff_upload(world, blank_pdf(4), title="Counted before")
    # Two rows sharing one stored file, as the scale data set writes them.
    shared = Document.objects.get(pk=ten.pk)
    shared.pk = None
    shared.title = "Shares the file of Ten"
    shared.save()
    default_storage.delete(missing.file.name)
    with default_storage.open(damaged.file.name, "wb") as handle:
        handle.write(b"%PDF-1.7\nnot really a PDF\n")
    Document.objects.exclude(pk=counted_before.pk).update(page_count=None)
    opened.clear()

    fill_migration.fill_page_counts(apps, None)

    counts = dict(Document.objects.values_list("title", "page_count"))
    assert counts == {
        "Ten": 10,
        "Shares the file of Ten": 10,
        "Missing": None,  # counted by the first page that shows it, if its file comes back
        "Damaged": 0,
        "Scan": None,
        "Counted before": 4,
    }
    assert sorted(opened) == sorted([ten.file.name, missing.file.name, damaged.file.name])  # each file once
    assert image.file.name not in opened and counted_before.file.name not in opened

    opened.clear()
    fill_migration.fill_page_counts(apps, None)  # run again (a deploy that stopped half way): only what is left
    assert opened == [missing.file.name]
