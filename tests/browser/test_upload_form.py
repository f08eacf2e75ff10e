"""The staff upload form in the browser (issue 15, part 6): "Show in patient portal"
follows the kind chosen until staff set it themselves; after a partial failure only
the refused row comes back, and the saved ones are listed."""

import pytest
from playwright.sync_api import expect

from patientportal.documents.models import Document
from tests.browser.conftest import check_page
from tests.browser.test_journeys import sign_in
from tests.documents.helpers import pdf_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [375, 1280])
def test_show_in_portal_follows_the_kind_and_a_partial_failure_keeps_only_the_refused_row(world, new_page, width):
    page = new_page(width)
    sign_in(page, "staff@alpha.example")
    page.goto(f"/staff/alpha/patients/{world.p1.pk}/documents/new/")
    first, second, third = (page.get_by_role("group", name=f"File {number}") for number in (1, 2, 3))
    shown = first.get_by_label("Show in patient portal")
    expect(shown).not_to_be_checked()
    first.get_by_label("Type").select_option(label="Lab result")
    expect(shown).to_be_checked()
    first.get_by_label("Type").select_option(label="Referral")
    expect(shown).not_to_be_checked()
    first.get_by_label("Type").select_option(label="Imaging report")
    expect(shown).to_be_checked()
    # Unticked by hand: the kind no longer decides.
    second.get_by_label("Type").select_option(label="Lab result")
    second.get_by_label("Show in patient portal").uncheck()
    second.get_by_label("Type").select_option(label="Imaging report")
    expect(second.get_by_label("Show in patient portal")).not_to_be_checked()
    check_page(page, "staff-upload-form")

    first.locator("input[type=file]").set_input_files(
        files=[{"name": "mri.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes("Knee MRI")}]
    )
    first.get_by_label("Title").fill("Knee MRI report")
    second.locator("input[type=file]").set_input_files(
        files=[{"name": "labs.pdf", "mimeType": "application/pdf", "buffer": b"<html>not a pdf</html>"}]
    )
    second.get_by_label("Title").fill("Lipid panel")
    third.get_by_label("Type").select_option(label="Other")
    page.get_by_role("button", name="Upload").click()

    saved = page.locator("#upload-saved")
    expect(saved).to_contain_text("This document was saved; it is not in the form below:")
    expect(saved.get_by_role("link", name="Knee MRI report")).to_be_visible()
    expect(page.get_by_role("group")).to_have_count(1)
    refused = page.get_by_role("group", name="File 1")
    expect(refused.get_by_label("Title")).to_have_value("Lipid panel")
    expect(refused.get_by_label("Show in patient portal")).not_to_be_checked()
    expect(refused.get_by_text("“labs.pdf” was not saved.")).to_be_visible()
    check_page(page, "staff-upload-partly-refused")
    assert Document.objects.get().visible_in_portal
