"""Pages of a PDF as images, made from the stored bytes with PDFium, so the
signer can read the document on any screen (phones included) without a PDF
viewer. What is shown is exactly the bytes that are signed. Each page is drawn
once and kept next to the document (below)."""

import contextlib
import io
import logging
import math

import pypdfium2 as pdfium
from django.core.files.base import ContentFile
from django.core.files.storage import Storage

from patientportal.documents.models import Document

logger = logging.getLogger(__name__)

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


# --- Rendered pages, cached -------------------------------------------------------------------
# Drawing a page costs about 94 ms, so each page is drawn once and kept as a PNG in the document's
# own storage (local disk or the bucket: as private as the document, and only ever read by the
# views after their access check). The name holds the stored file's name and the start of the
# document's recorded content hash (a page is kept only when the bytes drawn have that hash), so a
# file replaced under a new name or with new bytes never shows an old page. Change RENDERING when
# the drawing changes (size, format), so that pages drawn the old way are not served.
PREVIEW_FOLDER = "previews"
RENDERING = "w1000"
_PNG_START = b"\x89PNG\r\n\x1a\n"
_PNG_END = b"IEND\xaeB`\x82"


def page_image_name(document: Document, page_number: int) -> str:
    return f"{PREVIEW_FOLDER}/{document.file.name}/{document.sha256[:16]}-{RENDERING}/page-{page_number}.png"


def cached_page_png(document: Document, page_number: int) -> bytes | None:
    """The page as drawn before, or None. A damaged copy (a write cut short) is removed and
    drawn again; a store that cannot be read just now means drawing it again too."""
    storage = document.file.storage
    name = page_image_name(document, page_number)
    try:
        with storage.open(name, "rb") as cached:
            data: bytes = cached.read()
    except FileNotFoundError:
        return None
    except Exception as error:  # noqa: BLE001 - the cache must never cost the page; rendering still works
        logger.warning("Cached page image not read (%s): drawing it again.", type(error).__name__)
        return None
    if data.startswith(_PNG_START) and data.endswith(_PNG_END):
        return data
    _delete_quietly(storage, name)
    return None


def cache_page_png(document: Document, page_number: int, png: bytes) -> None:
    """Keep a drawn page. Never fails the request: a page not kept is drawn again next time."""
    storage = document.file.storage
    name = page_image_name(document, page_number)
    try:
        stored = storage.save(name, ContentFile(png))
    except Exception as error:  # noqa: BLE001 - a full disk or an unreachable store must not fail the page
        logger.warning("Page image not cached (%s).", type(error).__name__)
        return
    if stored != name:  # another request stored the same page a moment earlier: keep one copy
        _delete_quietly(storage, stored)


def page_images_delete(document: Document) -> int:
    """Delete every cached page of this document's stored file (of every content hash and
    rendering); the number of images deleted."""
    if not document.file:  # its file already deleted
        return 0
    storage = document.file.storage
    folder = f"{PREVIEW_FOLDER}/{document.file.name}"
    try:
        versions, _files = storage.listdir(folder)
    except FileNotFoundError:  # local disk: nothing was ever cached
        return 0
    deleted = 0
    for version in versions:
        _folders, pages = storage.listdir(f"{folder}/{version}")
        for page in pages:
            storage.delete(f"{folder}/{version}/{page}")
            deleted += 1
        _folder_delete(storage, f"{folder}/{version}")
    _folder_delete(storage, folder)
    return deleted


def _folder_delete(storage: Storage, name: str) -> None:
    """Local disk: remove the emptied folder (object storage has no folders, and deleting a name
    it does not hold is no error). A page stored meanwhile keeps it; it is deleted next time."""
    with contextlib.suppress(OSError):
        storage.delete(name)


def _delete_quietly(storage: Storage, name: str) -> None:
    try:
        storage.delete(name)
    except Exception as error:  # noqa: BLE001 - a stray copy left behind costs only space
        logger.warning("Page image not deleted (%s).", type(error).__name__)
