"""Pages of a PDF as images, made from the stored bytes with PDFium, so the
signer can read the document on any screen (phones included) without a PDF
viewer. What is shown is exactly the bytes that are signed."""

import io
import math

import pypdfium2 as pdfium

# The signing page shows at most this many pages, so a longer PDF is never sent for signature.
MAX_PAGES = 50
WIDTH_PX = 1000
# A page may declare any size (a 200-inch poster, a thin strip); rendering is
# scaled down so that no page costs more memory or time than this many pixels,
# and no side is longer than MAX_SIDE_PX (a strip 0.01 points wide still
# renders one pixel wide, so the area alone would not bound its height).
MAX_PIXELS = 4_000_000
MAX_SIDE_PX = 8_000


def render_scale(width_points: float, height_points: float) -> float:
    """About WIDTH_PX wide, but never more than about MAX_PIXELS in all or MAX_SIDE_PX on a side."""
    width_points = width_points if width_points > 0 else 612
    height_points = height_points if height_points > 0 else 792
    scale = WIDTH_PX / width_points
    pixels = (width_points * scale) * (height_points * scale)
    if pixels > MAX_PIXELS:
        scale *= math.sqrt(MAX_PIXELS / pixels)
    return min(scale, MAX_SIDE_PX / max(width_points, height_points))


def pdf_page_png(data: bytes, page_number: int) -> bytes:
    """Page `page_number` (1-based) as a PNG; IndexError if there is no such page (or it is past MAX_PAGES)."""
    document = pdfium.PdfDocument(data)
    try:
        if not 1 <= page_number <= min(len(document), MAX_PAGES):
            raise IndexError(page_number)
        page = document[page_number - 1]
        bitmap = page.render(scale=render_scale(page.get_width(), page.get_height()))
        buffer = io.BytesIO()
        bitmap.to_pil().save(buffer, format="PNG", optimize=True)
        return buffer.getvalue()
    finally:
        document.close()
