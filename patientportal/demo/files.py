"""Documents for the demo data, made on the fly (no files shipped)."""

import io

from django.conf import settings
from fpdf import FPDF
from PIL import Image, ImageDraw


def demo_pdf(title: str, paragraphs: list[str]) -> bytes:
    pdf = FPDF(format="Letter")
    pdf.add_font("Portal", "", str(settings.DOCUMENT_FONT_PATH))
    pdf.add_page()
    pdf.set_font("Portal", size=18)
    pdf.multi_cell(0, 10, title, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("Portal", size=11)
    for paragraph in paragraphs:
        pdf.multi_cell(0, 6, paragraph, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
    return bytes(pdf.output())


def demo_scan_png() -> bytes:
    """A stand-in for an imaging report picture."""
    image = Image.new("RGB", (900, 700), "#101418")
    draw = ImageDraw.Draw(image)
    draw.ellipse((250, 120, 650, 600), outline="#c8d0d8", width=6)
    draw.ellipse((330, 220, 470, 380), fill="#56606a")
    draw.ellipse((430, 220, 570, 380), fill="#56606a")
    draw.text((30, 30), "DEMO IMAGING — NOT A REAL STUDY", fill="#e8edf2", font_size=28)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
