"""PRODUCT.md F-10 in the browser: on a phone-sized screen the patient draws
a signature with pointer moves, ticks the boxes and signs; the document moves
to Signed with a green check; the signed copy is a PDF with one more page."""

import io
from pathlib import Path

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.browser.conftest import check_page
from tests.browser.test_journeys import sign_in
from tests.documents.helpers import pdf_bytes, upload

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def draw(page) -> None:
    canvas = page.locator("#signature-canvas")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + box["height"] * 0.7)
    page.mouse.down()
    for step in range(1, 25):
        page.mouse.move(
            box["x"] + 20 + step * (box["width"] - 40) / 24, box["y"] + box["height"] * (0.7 - 0.4 * ((step % 6) / 6))
        )
    page.mouse.up()


@pytest.mark.parametrize("width", [375, 1280])
def test_draw_sign_and_download_the_signed_copy(world, new_page, width):
    document = upload(world, data=pdf_bytes("Consent to treatment", pages=2), title="Consent to treatment")
    original_pages = len(PdfReader(io.BytesIO(pdf_bytes("Consent to treatment", pages=2))).pages)
    page = new_page(width)
    sign_in(page, "paula@example.com")
    page.get_by_role("link", name="Documents").first.click()
    expect(page.get_by_role("heading", name="1 document needs your signature")).to_be_visible()
    check_page(page, "documents-to-sign")
    page.get_by_role("link", name="Review and sign Consent to treatment").click()
    expect(page.get_by_role("img", name="“Consent to treatment”, page 1 of")).to_be_visible()
    page.get_by_label("I agree to do business electronically").check()
    draw(page)
    page.get_by_role("button", name="Undo").click()
    draw(page)
    page.get_by_label("I understand that my electronic signature is legally binding", exact=False).check()
    check_page(page, "document-sign")
    page.get_by_role("button", name="Sign the document").click()
    expect(page.get_by_text("“Consent to treatment” is signed.")).to_be_visible()
    expect(page.get_by_role("heading", name="Signed documents")).to_be_visible()
    expect(page.locator(".signed-check").first).to_be_visible()
    check_page(page, "documents-signed")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download signed copy Consent to treatment").click()
    copy = Path(download_info.value.path()).read_bytes()
    assert copy.startswith(b"%PDF-")
    assert len(PdfReader(io.BytesIO(copy)).pages) == original_pages + 1
    document.signature_request.refresh_from_db()
    assert document.signature_request.signature.method == "drawn"
    assert len(document.signature_request.signature.strokes) == 1  # the first stroke was undone


def test_staff_download_the_same_signed_copy(world, new_page):
    from patientportal.documents.services import document_sign
    from tests.documents.helpers import png_bytes

    document = upload(world)
    document_sign(
        request=document.signature_request,
        signer=world.patient_user_1,
        typed_name="Paula One",
        method="drawn",
        signature_png=png_bytes(),
        strokes=[{"points": [{"x": 1, "y": 1}]}],
        consented=True,
        acknowledged=True,
        shown_sha256=document.sha256,
    )
    page = new_page(1280)
    sign_in(page, "staff@alpha.example")
    page.goto(f"/staff/alpha/documents/{document.pk}/")
    expect(page.get_by_text("Integrity verified")).to_be_visible()
    check_page(page, "staff-document-signed")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download signed copy").click()
    assert Path(download_info.value.path()).read_bytes().startswith(b"%PDF-")


def test_a_drawing_cleared_after_a_refused_submit_is_not_sent_again(world, new_page):
    from patientportal.documents.models import Signature

    document = upload(world, title="Consent to treatment")
    page = new_page(375)
    sign_in(page, "paula@example.com")
    page.goto(f"/portal/documents/{document.pk}/sign/")
    draw(page)
    page.get_by_label("I agree to do business electronically").check()
    # The server refuses a missing acknowledgement (the browser's own check is taken away here).
    page.evaluate("document.querySelector('input[name=acknowledge]').removeAttribute('required')")
    page.get_by_role("button", name="Sign the document").click()
    expect(page.get_by_text("Please confirm that you understand your electronic signature is binding.")).to_be_visible()
    # The pad is empty now; the earlier drawing must not be signed with.
    page.get_by_label("I agree to do business electronically").check()
    page.get_by_label("I understand that my electronic signature is legally binding", exact=False).check()
    page.get_by_role("button", name="Sign the document").click()
    expect(page.get_by_text("Please draw your signature in the box")).to_be_visible()
    assert not Signature.objects.exists()
    draw(page)
    page.get_by_role("button", name="Sign the document").click()
    expect(page.get_by_text("“Consent to treatment” is signed.")).to_be_visible()
    assert Signature.objects.count() == 1


def tab_to(page, locator, limit=80) -> None:
    """Press Tab until `locator` has the focus, as a keyboard user moves through the page."""
    handle = locator.element_handle()
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("element => document.activeElement === element", handle):
            return
    raise AssertionError(f"{locator} cannot be reached with Tab")


def test_signing_works_by_keyboard_alone_with_the_typed_name(world, new_page):
    from patientportal.documents.models import Signature

    document = upload(world, title="Consent to treatment")
    page = new_page(1280)
    sign_in(page, "paula@example.com")
    page.goto(f"/portal/documents/{document.pk}/sign/")
    tab_to(page, page.get_by_label("I agree to do business electronically"))
    page.keyboard.press("Space")
    tab_to(page, page.get_by_role("radio", name="Drawn"))
    page.keyboard.press("ArrowDown")  # arrows move within the radio group, to "Typed name"
    expect(page.get_by_role("radio", name="Typed name")).to_be_checked()
    expect(page.locator("#signature-canvas")).to_be_hidden()
    tab_to(page, page.get_by_label("I understand that my electronic signature is legally binding", exact=False))
    page.keyboard.press("Space")
    tab_to(page, page.get_by_role("button", name="Sign the document"))
    page.keyboard.press("Enter")
    expect(page.get_by_text("“Consent to treatment” is signed.")).to_be_visible()
    assert Signature.objects.get().method == "typed"


def test_staff_ask_to_sign_a_document_already_stored(world, new_page):
    document = upload(world, sign_days=None, title="Photo consent")
    page = new_page(375)
    sign_in(page, "staff@alpha.example")
    page.goto(f"/staff/alpha/documents/{document.pk}/")
    page.get_by_label("Due in (days)").fill("7")
    check_page(page, "staff-ask-to-sign")
    page.get_by_role("button", name="Ask the patient to sign").click()
    expect(page.get_by_text("The patient has been asked to sign.")).to_be_visible()
    expect(page.locator(".badge", has_text="Pending")).to_be_visible()


@pytest.mark.parametrize("width", [375, 1280])
def test_all_documents_of_a_patient(world, new_page, width):
    for index in range(3):
        upload(world, sign_days=None if index else 30, title=f"Form {index}")
    page = new_page(width)
    sign_in(page, "staff@alpha.example")
    page.goto(f"/staff/alpha/patients/{world.p1.pk}/")
    page.get_by_role("link", name="All documents of this patient").click()
    expect(page.get_by_role("heading", name="Documents of Paula One")).to_be_visible()
    expect(page.get_by_text("3 documents, newest first")).to_be_visible()
    check_page(page, "staff-patient-documents")
