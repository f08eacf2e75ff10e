"""What a hostile or broken upload can no longer do: make the server unpack,
decode or render without bounds, or fail with an error page."""

import io
import zipfile

import pypdfium2 as pdfium
import pytest
from PIL import Image
from pypdf import PdfReader

from patientportal.documents.errors import DocumentError
from patientportal.documents.files import ODT, UnacceptableFile, detect_content_type
from patientportal.documents.models import Document
from patientportal.documents.preview import MAX_PIXELS, MAX_SIDE_PX, pdf_page_png, render_scale
from patientportal.documents.signature_input import typed_signature_png
from tests.documents.helpers import blank_pdf, gif_bytes, handmade_pdf, sideways_jpeg, text_page, upload
from tests.documents.test_signing import sign


def open_document_zip(mimetype: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", mimetype)
        archive.writestr("content.xml", "<x/>")
    return buffer.getvalue()


def test_an_opendocument_is_recognised_but_a_huge_mimetype_entry_is_never_unpacked():
    assert detect_content_type(open_document_zip(ODT.encode()), "letter.odt") == ODT
    bomb = open_document_zip(ODT.encode() + b" " * 5_000_000)  # a few kB packed, 5 MB unpacked
    assert len(bomb) < 50_000
    with pytest.raises(UnacceptableFile, match="not a Word, spreadsheet or OpenDocument"):
        detect_content_type(bomb, "letter.odt")


def test_an_image_claiming_too_many_pixels_is_refused_before_decoding():
    buffer = io.BytesIO()
    Image.new("1", (8000, 6000)).save(buffer, format="PNG")  # 48 megapixels in a small file
    assert len(buffer.getvalue()) < 1_000_000
    with pytest.raises(UnacceptableFile, match="too many pixels"):
        detect_content_type(buffer.getvalue(), "scan.png")


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.7\nnothing of a PDF follows",
        blank_pdf(user_password="secret"),
    ],
    ids=["damaged", "password"],
)
def test_a_damaged_or_password_protected_pdf_is_refused_with_a_message(data):
    with pytest.raises(UnacceptableFile, match="damaged or protected by a password"):
        detect_content_type(data, "labs.pdf")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "filename", "code"),
    [
        (blank_pdf(pages=51), "long.pdf", "too_many_pages"),
        (gif_bytes(frames=3), "moving.gif", "animated_image"),
        (gif_bytes(frames=3)[:-40], "broken.gif", "animated_image"),
        (sideways_jpeg()[:-300], "cut.jpg", "cannot_copy"),
    ],
    ids=["51-pages", "animated", "frames-cannot-be-counted", "truncated-photo"],
)
def test_what_cannot_be_shown_whole_or_copied_is_not_sent_for_signature(world, data, filename, code):
    with pytest.raises(DocumentError) as refused:
        upload(world, data=data, filename=filename)
    assert refused.value.code == code
    assert not Document.objects.exists()
    # The same files are fine as reference documents.
    assert upload(world, data=data, filename=filename, sign_days=None).pk


@pytest.mark.django_db
def test_fifty_pages_a_still_gif_and_a_copy_protected_pdf_can_be_signed(world):
    assert upload(world, data=blank_pdf(pages=50)).signature_request
    assert upload(world, data=gif_bytes(), filename="still.gif").signature_request
    # Forms are often protected against changes by an owner password; they open without one.
    document = upload(world, data=blank_pdf(pages=2, owner_password="owner"), filename="form.pdf")
    signature = sign(world, document)
    assert len(PdfReader(signature.signed_copy.open("rb")).pages) == 3


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data",
    [
        # The page tree says one page but lists three.
        handmade_pdf(
            b"/Kids [3 0 R 5 0 R 7 0 R] /Count 1",
            {**text_page(3, b"PAGE ONE"), **text_page(5, b"PAGE TWO"), **text_page(7, b"PAGE THREE")},
        ),
        # The cross-reference table points into the middle of the content stream.
        handmade_pdf(b"/Kids [3 0 R] /Count 1", text_page(3, b"VERSION A")).replace(
            b"endobj\n4 0 obj", b"endobj\n4 0 obj xx"
        ),
    ],
    ids=["page-count-lies", "damaged-xref"],
)
def test_the_signed_copy_holds_exactly_the_pages_the_signer_was_shown(world, data):
    document = upload(world, data=data, filename="odd.pdf")
    signature = sign(world, document)
    shown = pdfium.PdfDocument(data)
    copy = pdfium.PdfDocument(signature.signed_copy.open("rb").read())
    assert len(copy) == len(shown) + 1
    for number in range(len(shown)):
        assert copy[number].get_textpage().get_text_range() == shown[number].get_textpage().get_text_range()


@pytest.mark.django_db
def test_the_signed_copy_shows_a_photo_upright_as_the_signer_saw_it(world):
    document = upload(world, data=sideways_jpeg(400, 200), filename="card.jpg")
    signature = sign(world, document, method="typed", signature_png=typed_signature_png("Paula One"), strokes=[])
    first_page = PdfReader(signature.signed_copy.open("rb")).pages[0]
    width, height = first_page.images[0].image.size
    assert (width, height) == (200, 400)


def test_rendering_a_page_never_exceeds_the_pixel_budget():
    assert render_scale(612, 792) == pytest.approx(1000 / 612)
    for width, height in [(14400, 14400), (50, 14400), (612, 0)]:
        scale = render_scale(width, height)
        assert (width or 612) * scale * (height or 792) * scale <= MAX_PIXELS * 1.001
    png = pdf_page_png(blank_pdf(width=300, height=14400), 1)
    with Image.open(io.BytesIO(png)) as image:
        assert image.width * image.height <= MAX_PIXELS * 1.01
        assert image.height > image.width * 40  # the whole tall page, scaled down
    # A strip a hundredth of a point wide renders at least one pixel wide: its height is still bounded.
    strip = handmade_pdf(
        b"/Kids [3 0 R] /Count 1", {3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 0.01 1000000] >>"}
    )
    with Image.open(io.BytesIO(pdf_page_png(strip, 1))) as image:
        assert image.height <= MAX_SIDE_PX + 1 and image.width * image.height <= MAX_PIXELS


def test_a_page_past_the_fiftieth_is_not_rendered():
    with pytest.raises(IndexError):
        pdf_page_png(blank_pdf(pages=51), 51)
