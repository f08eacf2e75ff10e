import base64
import io
import mimetypes

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

from patientportal.demo.files import demo_pdf
from patientportal.documents.services import document_upload


def browser_file(name: str, data: bytes) -> SimpleUploadedFile:
    """An uploaded file as a browser sends it: with the type its name suggests."""
    return SimpleUploadedFile(name, data, content_type=mimetypes.guess_type(name)[0] or "application/octet-stream")


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


def upload(
    world,
    *,
    patient=None,
    data=None,
    sign_days=30,
    visible=True,
    title="Consent form",
    filename="c.pdf",
    doc_type="consent_form",
):
    return document_upload(
        patient=patient or world.p1,
        data=data if data is not None else pdf_bytes(title),
        filename=filename,
        doc_type=doc_type,
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


def handmade_pdf(kids_and_count: bytes, pages: dict[int, bytes]) -> bytes:
    """A PDF written by hand (for files no library would write): object 2 is the
    page tree, given as `kids_and_count`; `pages` maps object numbers to bodies."""
    objects = {1: b"<< /Type /Catalog /Pages 2 0 R >>", 2: b"<< /Type /Pages " + kids_and_count + b" >>", **pages}
    out = bytearray(b"%PDF-1.7\n")
    offsets = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += b"%d 0 obj\n" % number + objects[number] + b"\nendobj\n"
    xref = len(out)
    size = max(objects) + 1
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    for number in range(1, size):
        out += (b"%010d 00000 n \n" % offsets[number]) if number in offsets else b"0000000000 65535 f \n"
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, xref)
    return bytes(out)


def text_page(number: int, text: bytes) -> dict[int, bytes]:
    """A page object (number) and its content stream (number + 1) that writes `text`."""
    content = b"BT /F1 24 Tf 72 720 Td (" + text + b") Tj ET"
    return {
        number: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
        b"/Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >> >>" % (number + 1),
        number + 1: b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
    }
