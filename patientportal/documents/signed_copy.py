"""The signed copy: the original document (a PDF as it is, or an image on a
page), followed by one signature and audit page."""

import io

from django.conf import settings
from fpdf import FPDF
from PIL import Image, ImageOps
from pypdf import PdfReader, PdfWriter
from pypdf.errors import PyPdfError

from patientportal.documents.files import PDF


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
    pdf.image(io.BytesIO(signature_png), w=80)
    pdf.ln(3)
    for label, value in lines:
        pdf.set_font("Portal", size=8)
        pdf.multi_cell(0, 4, label, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Portal", size=9)
        pdf.multi_cell(0, 5, value, align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
    return bytes(pdf.output())


def _image_as_pdf(image_bytes: bytes) -> bytes:
    # Turned upright as browsers show it (EXIF orientation), so the copy shows what the signer saw.
    with Image.open(io.BytesIO(image_bytes)) as original:
        upright = ImageOps.exif_transpose(original)
        picture = upright.convert("RGBA" if upright.mode in ("RGBA", "LA", "P") else "RGB")
    pdf = FPDF(format="Letter")
    pdf.add_page()
    pdf.image(picture, x=10, y=10, w=pdf.epw, keep_aspect_ratio=True, h=pdf.eph)
    return bytes(pdf.output())


def pdf_can_be_copied(data: bytes) -> bool:
    """Can the signed copy be made from this PDF? Not when it is encrypted or pypdf cannot read its pages."""
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            return False
        PdfWriter().append(reader)
    except (PyPdfError, ValueError, KeyError, TypeError, OSError):
        return False
    return True


def build_signed_copy(
    *, original: bytes, content_type: str, title: str, lines: list[tuple[str, str]], signature_png: bytes
) -> bytes:
    writer = PdfWriter()
    source = original if content_type == PDF else _image_as_pdf(original)
    writer.append(PdfReader(io.BytesIO(source)))
    writer.append(PdfReader(io.BytesIO(_audit_page(lines=lines, signature_png=signature_png, title=title))))
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()
