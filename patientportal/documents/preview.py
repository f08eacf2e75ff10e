"""Pages of a PDF as images, made from the stored bytes with PDFium, so the
signer can read the document on any screen (phones included) without a PDF
viewer. What is shown is exactly the bytes that are signed."""

import io

import pypdfium2 as pdfium

MAX_PAGES = 50
WIDTH_PX = 1000


def pdf_page_count(data: bytes) -> int:
    document = pdfium.PdfDocument(data)
    try:
        return len(document)
    finally:
        document.close()


def pdf_page_png(data: bytes, page_number: int) -> bytes:
    """Page `page_number` (1-based) as a PNG about WIDTH_PX wide; IndexError if there is no such page."""
    document = pdfium.PdfDocument(data)
    try:
        if not 1 <= page_number <= min(len(document), MAX_PAGES):
            raise IndexError(page_number)
        page = document[page_number - 1]
        width_points = page.get_width() or 612
        bitmap = page.render(scale=WIDTH_PX / width_points)
        buffer = io.BytesIO()
        bitmap.to_pil().save(buffer, format="PNG", optimize=True)
        return buffer.getvalue()
    finally:
        document.close()
