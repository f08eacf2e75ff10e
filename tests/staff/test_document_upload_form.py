"""The staff upload form after a partial failure, and its default for "Show in patient
portal" (issue 15, part 6)."""

import re

import pytest

from patientportal.documents.choices import SHOWN_IN_PORTAL_BY_DEFAULT, DocumentType
from patientportal.documents.models import Document
from patientportal.staff.document_forms import DocumentUploadForm
from tests.conftest import client_for
from tests.documents.helpers import browser_file, pdf_bytes, png_bytes
from tests.staff.test_document_pages import management, row

pytestmark = pytest.mark.django_db

FAKE_PDF = b"<html><script>alert(1)</script></html>"


def post(world, data):
    return client_for(world.staff_a).post(f"/staff/alpha/patients/{world.p1.pk}/documents/new/", data)


def three_rows_one_refused():
    return {
        **management(),
        **row(0, file=browser_file("labs.pdf", pdf_bytes()), title="Lipid panel", doc_type="lab_result", due_days="30"),
        **row(
            1,
            file=browser_file("report.pdf", FAKE_PDF),
            title="Knee MRI report",
            doc_type="imaging_report",
            description="Left knee",
            visible_in_portal="on",
            due_days="30",
        ),
        **row(2, file=browser_file("scan.png", png_bytes()), title="Rash photo", doc_type="other", due_days="30"),
    }


def test_after_a_partial_failure_the_form_keeps_only_the_refused_row_and_lists_the_saved_ones(world):
    response = post(world, three_rows_one_refused())

    assert response.status_code == 400
    assert set(Document.objects.values_list("title", flat=True)) == {"Lipid panel", "Rash photo"}
    formset = response.context["formset"]
    assert formset.total_form_count() == 1
    [refused] = formset.forms
    assert refused.prefix == "form-0"  # numbered from the first again
    assert refused["title"].value() == "Knee MRI report"
    assert refused["description"].value() == "Left knee"
    assert refused["doc_type"].value() == "imaging_report"
    assert refused["visible_in_portal"].value() is True
    reason, again = refused.errors["file"]
    assert reason.startswith("This file type is not accepted.")
    assert again == "“report.pdf” was not saved. Choose the file again, or another."
    assert 'name="form-TOTAL_FORMS" value="1"' in response.text
    assert "Lipid panel" not in re.search(r"<form method=\"post\" enctype=.*?</form>", response.text, re.S).group(0)
    saved = re.search(r'<div class="alert alert-success"[^>]*id="upload-saved">(.*?)</div>', response.text, re.S).group(
        1
    )
    assert "These 2 documents were saved; they are not in the form below:" in saved
    for document, filename in (
        (Document.objects.get(title="Lipid panel"), "labs.pdf"),
        (Document.objects.get(title="Rash photo"), "scan.png"),
    ):
        assert f'href="/staff/alpha/documents/{document.pk}/"' in saved and filename in saved
    assert "One file was not saved: see why below" in response.text


def test_sending_the_refused_row_again_with_a_good_file_uploads_only_it(world):
    first = post(world, three_rows_one_refused())
    refused = first.context["formset"].forms[0]
    again = {
        **management(1),
        **{key: value for key, value in first.context["formset"].data.items() if key.startswith("form-0-")},
        "form-0-file": browser_file("report.pdf", pdf_bytes("Knee MRI")),
    }
    assert refused["title"].value() == again["form-0-title"]
    response = post(world, again)
    assert response.status_code == 302
    assert sorted(Document.objects.values_list("title", flat=True)) == ["Knee MRI report", "Lipid panel", "Rash photo"]
    knee = Document.objects.get(title="Knee MRI report")
    assert (knee.doc_type, knee.description, knee.visible_in_portal) == ("imaging_report", "Left knee", True)


def test_when_every_file_is_refused_only_the_filled_rows_come_back_and_nothing_is_listed_as_saved(world):
    data = {
        **management(),
        **row(0, file=browser_file("a.pdf", FAKE_PDF), title="A", doc_type="other", due_days="30"),
        **row(1, title="", doc_type="lab_result", visible_in_portal="on", due_days="30"),  # no file: an empty row
        **row(2, title="", doc_type="other", due_days="30"),
    }
    response = post(world, data)
    assert response.status_code == 400
    assert response.context["formset"].total_form_count() == 1
    assert 'id="upload-saved"' not in response.text
    assert not Document.objects.exists()


def test_a_form_with_a_mistake_stores_nothing_and_keeps_every_row(world):
    data = three_rows_one_refused()
    data["form-0-title"] = ""
    response = post(world, data)
    assert response.status_code == 400
    assert response.context["formset"].total_form_count() == 3
    assert "Give the document a title." in response.text
    assert not Document.objects.exists()


@pytest.mark.parametrize("kind", DocumentType.values)
def test_show_in_portal_starts_ticked_for_lab_results_and_imaging_only(kind):
    form = DocumentUploadForm(initial={"doc_type": kind}, can_request_signatures=True)
    assert form["visible_in_portal"].value() is (kind in {"lab_result", "imaging_report"})
    assert form.fields["doc_type"].widget.attrs["data-portal-default"] == "imaging_report lab_result"


def test_the_kinds_shown_by_default_are_lab_results_and_imaging():
    assert {DocumentType.LAB_RESULT, DocumentType.IMAGING_REPORT} == SHOWN_IN_PORTAL_BY_DEFAULT


def test_the_upload_page_says_which_kinds_follow_and_loads_the_script(world):
    response = client_for(world.staff_a).get(f"/staff/alpha/patients/{world.p1.pk}/documents/new/")
    assert response.text.count('data-portal-default="imaging_report lab_result"') == 3
    assert 'src="/static/js/upload-defaults.js"' in response.text
    assert "data-chosen" not in response.text  # a new row follows its kind


def test_a_row_sent_back_keeps_the_box_as_it_was_sent(world):
    data = {
        **management(1),
        **row(0, file=browser_file("a.pdf", FAKE_PDF), title="A", doc_type="lab_result", due_days="30"),
    }
    response = post(world, data)  # the box unticked on purpose for a lab result
    refused = response.context["formset"].forms[0]
    assert refused["visible_in_portal"].value() is False
    assert 'data-chosen="1"' in str(refused["visible_in_portal"])
