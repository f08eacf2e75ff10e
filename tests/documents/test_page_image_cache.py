"""A PDF page is drawn once (issue 18, part 5): the first view draws it with PDFium and keeps
the PNG next to the document in its storage; later views, portal or staff, read it back. The
access checks stay in front of the cache, a page that cannot be kept is still shown, and
deleting the document's files deletes its pages. (On object storage: test_object_storage.py.)"""

import logging

import pypdfium2
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage

from patientportal.documents.files import sha256_hex
from patientportal.documents.preview import page_image_name, pdf_page_png
from patientportal.documents.services import document_files_delete
from tests.conftest import client_for
from tests.documents.helpers import pdf_bytes, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def pdfium_opens(monkeypatch) -> list[int]:
    """Every PDF that PDFium is asked to open, counted (the real PDFium still does the work)."""
    opened: list[int] = []
    real = pypdfium2.PdfDocument

    def counting(data, *args, **kwargs):
        opened.append(len(data))
        return real(data, *args, **kwargs)

    monkeypatch.setattr(pypdfium2, "PdfDocument", counting)
    return opened


def no_pdfium(monkeypatch) -> None:
    def broken(*args, **kwargs):
        raise pypdfium2.PdfiumError("PDFium must not be needed for a page drawn before")

    monkeypatch.setattr(pypdfium2, "PdfDocument", broken)


def page_url(document, page=1) -> str:
    return f"/portal/documents/{document.pk}/pages/{page}.png"


def staff_page_url(document, page=1) -> str:
    return f"/staff/alpha/documents/{document.pk}/pages/{page}.png"


def test_a_page_is_drawn_once_then_read_from_the_cache_by_the_portal_and_the_staff_area(
    world, pdfium_opens, monkeypatch
):
    document = upload(world, sign_days=None)
    pdfium_opens.clear()  # the upload's own checks opened it
    patient = client_for(world.patient_user_1)

    first = patient.get(page_url(document))
    assert first.status_code == 200 and first["Content-Type"] == "image/png"
    assert len(pdfium_opens) == 1
    name = page_image_name(document, 1)
    assert default_storage.exists(name)
    with default_storage.open(name) as cached:
        assert cached.read() == first.content

    second = patient.get(page_url(document))
    staff = client_for(world.staff_a).get(staff_page_url(document))
    assert len(pdfium_opens) == 1  # neither drew it again
    assert second.content == staff.content == first.content
    for response in (second, staff):  # the same headers as a freshly drawn page
        for header in ("Content-Type", "Cache-Control", "X-Content-Type-Options", "Content-Security-Policy"):
            assert response[header] == first[header]

    no_pdfium(monkeypatch)
    assert patient.get(page_url(document)).content == first.content


def test_pages_past_the_end_are_404_and_nothing_is_kept_for_them(world, pdfium_opens):
    document = upload(world, sign_days=None)
    pdfium_opens.clear()
    patient = client_for(world.patient_user_1)
    assert patient.get(page_url(document, 2)).status_code == 404
    assert patient.get(page_url(document, 51)).status_code == 404  # past MAX_PAGES: not even looked up
    assert patient.get(page_url(document, 0)).status_code == 404
    assert len(pdfium_opens) == 1
    assert not default_storage.exists(page_image_name(document, 2))


def test_a_cached_page_is_still_404_for_another_patient_another_clinic_and_a_hidden_document(world):
    shown = upload(world, sign_days=None)
    hidden = upload(world, sign_days=None, visible=False, title="Internal")
    staff = client_for(world.staff_a)
    assert staff.get(staff_page_url(shown)).status_code == 200
    assert staff.get(staff_page_url(hidden)).status_code == 200
    assert default_storage.exists(page_image_name(shown, 1)) and default_storage.exists(page_image_name(hidden, 1))

    assert client_for(world.patient_user_2).get(page_url(shown)).status_code == 404  # same clinic, other record
    assert client_for(world.patient_user_b).get(page_url(shown)).status_code == 404  # another clinic's patient
    assert client_for(world.owner_b).get(f"/staff/beta/documents/{shown.pk}/pages/1.png").status_code == 404
    assert client_for(world.owner_b).get(staff_page_url(shown)).status_code == 404
    assert client_for(world.patient_user_1).get(page_url(hidden)).status_code == 404  # not shown in the portal
    assert client_for(world.patient_user_1).get(page_url(shown)).status_code == 200


def test_a_page_that_cannot_be_kept_is_still_shown_and_the_failure_logged_without_names(
    world, monkeypatch, pdfium_opens, caplog
):
    document = upload(world, sign_days=None)

    def disk_full(self, name, content):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(FileSystemStorage, "_save", disk_full)
    caplog.set_level(logging.WARNING)
    patient = client_for(world.patient_user_1)
    first = patient.get(page_url(document))
    assert first.status_code == 200 and first.content.startswith(b"\x89PNG")
    assert not default_storage.exists(page_image_name(document, 1))
    assert "Page image not cached (OSError)" in caplog.text
    assert document.file.name not in caplog.text

    monkeypatch.undo()  # the disk has room again: the next view draws it and keeps it
    assert patient.get(page_url(document)).content == first.content
    assert default_storage.exists(page_image_name(document, 1))


def test_a_damaged_cached_page_is_drawn_again_and_replaced(world, pdfium_opens):
    document = upload(world, sign_days=None)
    pdfium_opens.clear()
    patient = client_for(world.patient_user_1)
    good = patient.get(page_url(document)).content
    name = page_image_name(document, 1)
    default_storage.delete(name)
    default_storage.save(name, ContentFile(good[: len(good) // 2]))  # a write cut short

    assert patient.get(page_url(document)).content == good
    assert len(pdfium_opens) == 2
    with default_storage.open(name) as cached:
        assert cached.read() == good


def test_a_replaced_file_never_shows_the_old_page(world):
    document = upload(world, sign_days=None, title="Old title")
    patient = client_for(world.patient_user_1)
    old = patient.get(page_url(document)).content

    new_data = pdf_bytes("An entirely different page")
    document.file.save("document", ContentFile(new_data), save=False)
    document.sha256 = sha256_hex(new_data)
    document.save()

    new = patient.get(page_url(document)).content
    assert new != old and new == pdf_page_png(new_data, 1)


def test_deleting_a_documents_files_deletes_its_cached_pages(world):
    document = upload(world, sign_days=None)
    other = upload(world, sign_days=None, title="Other")
    patient = client_for(world.patient_user_1)
    patient.get(page_url(document))
    patient.get(page_url(other))
    name, file_name = page_image_name(document, 1), document.file.name
    assert default_storage.exists(name)

    document_files_delete(document)

    assert not default_storage.exists(name)
    assert not default_storage.exists(file_name)
    assert not default_storage.exists(f"previews/{file_name}")  # its folder too
    assert default_storage.exists(page_image_name(other, 1))  # another document's page stays
    document_files_delete(document)  # again: nothing left, no error


def test_two_requests_drawing_the_same_page_at_once_keep_one_copy(world, monkeypatch):
    document = upload(world, sign_days=None)
    # Both requests looked before either had stored the page: both draw it and store it.
    monkeypatch.setattr("patientportal.documents.responses.cached_page_png", lambda document, page: None)
    patient = client_for(world.patient_user_1)
    assert patient.get(page_url(document)).content == patient.get(page_url(document)).content

    name = page_image_name(document, 1)
    folder, _slash, file_name = name.rpartition("/")
    assert default_storage.listdir(folder) == ([], [file_name])  # the second copy (a new name) was removed


def test_a_file_changed_behind_the_portals_back_is_shown_as_it_is_and_never_kept(world):
    document = upload(world, sign_days=None)
    with default_storage.open(document.file.name, "ab") as stored:  # local disk: appending changes the hash
        stored.write(b"\n% changed\n")
    page = client_for(world.patient_user_1).get(page_url(document))
    assert page.status_code == 200 and page.content.startswith(b"\x89PNG")
    assert not default_storage.exists(page_image_name(document, 1))
