"""Verifying a signed copy in the browser (issue 16, part 4), on a phone and a desktop: the
front desk opens "Verify a signed copy" from the menu, uploads the patient's copy and is told
whose it is; a changed copy is called changed; a file that is no PDF gets a message by the field."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import check_page
from tests.browser.test_journeys import WIDTHS, sign_in
from tests.documents.test_seal import one_byte_changed_in_the_signed_range, signed_copy

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def choose(page, name: str, data: bytes, mime="application/pdf") -> None:
    page.get_by_label("Signed copy (PDF)").set_input_files(files=[{"name": name, "mimeType": mime, "buffer": data}])


@pytest.mark.parametrize("width", WIDTHS)
def test_staff_verify_an_unchanged_and_a_changed_copy(world, new_page, width):
    _signature, data = signed_copy(world, title="Knee surgery consent")
    page = new_page(width)
    sign_in(page, "staff@alpha.example")
    page.get_by_role("navigation", name="Clinic").get_by_role("link", name="Verify a signed copy").click()
    expect(page.get_by_role("heading", name="Verify a signed copy")).to_be_visible()
    check_page(page, "staff-verify-signed-copy")

    choose(page, "notes.txt", b"just some text", mime="text/plain")
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_text("This file is not a PDF")).to_be_visible()
    check_page(page, "staff-verify-not-a-pdf")

    choose(page, "Knee surgery consent signed.pdf", data)
    page.get_by_role("button", name="Verify").click()
    result = page.get_by_role("region", name="Result")
    expect(result).to_contain_text("Unchanged: a signed copy of one of your clinic's documents.")
    expect(result.get_by_role("link", name="Paula One")).to_be_visible()
    expect(result.get_by_role("link", name="Knee surgery consent")).to_be_visible()
    check_page(page, "staff-verify-unchanged")

    choose(page, "changed.pdf", one_byte_changed_in_the_signed_range(data))
    page.get_by_role("button", name="Verify another file").click()
    expect(page.get_by_role("alert")).to_contain_text("Changed after signing")
    expect(page.get_by_role("region", name="Result")).not_to_contain_text("Paula One")
    check_page(page, "staff-verify-changed")
