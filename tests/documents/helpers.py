import base64
import io

from PIL import Image, ImageDraw

from patientportal.documents.demo_files import demo_pdf
from patientportal.documents.services import document_upload


def pdf_bytes(title="Consent form", pages=1) -> bytes:
    return demo_pdf(title, ["Paragraph. " * 40] * (3 * pages))


def png_bytes(size=(400, 300), ink=True) -> bytes:
    image = Image.new("RGBA", size, (255, 255, 255, 0))
    if ink:
        ImageDraw.Draw(image).line((20, 150, 380, 120), fill=(0, 0, 0, 255), width=6)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def data_url(data: bytes, kind="png") -> str:
    return f"data:image/{kind};base64," + base64.b64encode(data).decode()


STROKES = '[{"points": [{"x": 1, "y": 2, "time": 1, "pressure": 0.5}, {"x": 30, "y": 20, "time": 2}]}]'


def upload(world, *, patient=None, data=None, sign_days=30, visible=True, title="Consent form", filename="c.pdf"):
    return document_upload(
        patient=patient or world.p1,
        data=data if data is not None else pdf_bytes(title),
        filename=filename,
        doc_type="consent_form",
        title=title,
        visible_in_portal=visible,
        signature_due_days=sign_days,
        actor=world.staff_a,
    )


def blank_pdf(pages=1, width=612, height=792, *, user_password=None, owner_password=None) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=width, height=height)
    if user_password is not None or owner_password is not None:
        writer.encrypt(user_password=user_password or "", owner_password=owner_password)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def gif_bytes(frames=1) -> bytes:
    images = [Image.new("RGB", (60, 40), (80 * index % 256, 40, 200)) for index in range(frames)]
    buffer = io.BytesIO()
    images[0].save(buffer, format="GIF", save_all=frames > 1, append_images=images[1:], duration=100, loop=0)
    return buffer.getvalue()


def sideways_jpeg(width=400, height=200) -> bytes:
    """A landscape JPEG whose EXIF says "turn 90°": browsers show it upright, in portrait."""
    image = Image.new("RGB", (width, height), (200, 220, 240))
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to view
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()
