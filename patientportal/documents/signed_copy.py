"""The signed copy: the original document (a PDF's pages, or an image on a
page), followed by one signature and audit page (it prints the consent and
acknowledgement wording as shown); documents.seal then seals the whole.

The pages are copied with PDFium, the same library that draws them on the
signing page, so the copy holds exactly the pages the signer was shown (two
PDF readers can disagree about a damaged or crafted file)."""

import io

import pypdfium2 as pdfium
from django.conf import settings
from fpdf import FPDF
from PIL import Image, ImageOps

from patientportal.documents.files import PDF
from patientportal.documents.seal import sealable

EXIF_ORIENTATION = 0x0112


def _audit_page(*, lines: list[tuple[str, str]], signature_png: bytes, title: str) -> bytes:
    pdf = FPDF(format="Letter")
    font = str(settings.DOCUMENT_FONT_PATH)
    pdf.add_font("Portal", "", font)
    pdf.add_page()
    pdf.set_font("Portal", size=16)
    pdf.multi_cell(0, 9, "Electronic signature record", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Portal", size=11)
    pdf.multi_cell(0, 6, title, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    # At most 80 × 30 mm, so the record (with the consent and acknowledgement wording) fits its page.
    pdf.image(io.BytesIO(signature_png), w=80, h=30, keep_aspect_ratio=True)
    pdf.ln(3)
    for label, value in lines:
        pdf.set_font("Portal", size=8)
        pdf.multi_cell(0, 4, label, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Portal", size=9)
        pdf.multi_cell(0, 4.5, value, align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
    return bytes(pdf.output())


def _upright(image_bytes: bytes) -> bytes | Image.Image:
    """The image as browsers show it. Most images need no turning and are
    embedded as they are (a JPEG stays a JPEG); one with an EXIF orientation
    is turned, fully decoded, which also refuses a truncated file."""
    with Image.open(io.BytesIO(image_bytes)) as original:
        if original.getexif().get(EXIF_ORIENTATION, 1) == 1:
            return image_bytes
        turned = ImageOps.exif_transpose(original)
        return turned.convert("RGBA" if "A" in turned.getbands() or turned.mode == "P" else "RGB")


def _image_as_pdf(image_bytes: bytes) -> bytes:
    pdf = FPDF(format="Letter")
    pdf.add_page()
    picture = _upright(image_bytes)
    source = io.BytesIO(picture) if isinstance(picture, bytes) else picture
    pdf.image(source, x=10, y=10, w=pdf.epw, keep_aspect_ratio=True, h=pdf.eph)
    return bytes(pdf.output())


def _concatenate(*parts: bytes) -> bytes:
    combined = pdfium.PdfDocument.new()
    opened = [pdfium.PdfDocument(part) for part in parts]
    try:
        for document in opened:
            combined.import_pages(document)
        buffer = io.BytesIO()
        combined.save(buffer)
        return buffer.getvalue()
    finally:
        for document in opened:
            document.close()
        combined.close()


def build_signed_copy(
    *, original: bytes, content_type: str, title: str, lines: list[tuple[str, str]], signature_png: bytes
) -> bytes:
    source = original if content_type == PDF else _image_as_pdf(original)
    return _concatenate(source, _audit_page(lines=lines, signature_png=signature_png, title=title))


def signed_copy_possible(data: bytes, content_type: str) -> bool:
    """Can the signed copy be made from these bytes? Tried at upload, so a
    signature is never asked for on a file whose copy would then fail."""
    try:
        source = data if content_type == PDF else _image_as_pdf(data)
        pages = _concatenate(source)
    except Exception:  # noqa: BLE001 - a hostile file can make a parser raise anything; it is refused
        return False
    return sealable(pages)
