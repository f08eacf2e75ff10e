"""Uploaded documents are judged by their bytes, never by their name or the
browser's claimed type. The original bytes are kept as they are."""

import hashlib
import io
import zipfile
from typing import TYPE_CHECKING

import pypdfium2 as pdfium
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

MAX_BYTES = 10 * 1024 * 1024
# A 10 MB image can claim billions of pixels; more than this is refused before decoding.
MAX_IMAGE_PIXELS = 40_000_000
# The OpenDocument "mimetype" entry is one short line; a bigger one is not read at all.
MAX_MIMETYPE_ENTRY_BYTES = 100

PDF = "application/pdf"
IMAGE_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
LEGACY_OFFICE = "application/x-ole-storage"  # .doc / .xls
TEXT = "text/plain"
CSV = "text/csv"

# What can be signed: what the signer sees on the page is exactly these bytes.
SIGNABLE_TYPES = frozenset({PDF, *IMAGE_TYPES.values()})
EXTENSIONS = {
    PDF: "pdf",
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/gif": "gif",
    "image/webp": "webp",
    DOCX: "docx",
    XLSX: "xlsx",
    ODT: "odt",
    ODS: "ods",
    LEGACY_OFFICE: "doc",
    TEXT: "txt",
    CSV: "csv",
}


class UnacceptableFile(ValueError):
    def __init__(self, message: "StrOrPromise") -> None:
        self.message = message
        super().__init__(str(message))


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _zip_kind(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                if archive.getinfo("mimetype").file_size > MAX_MIMETYPE_ENTRY_BYTES:
                    return None
                kind = archive.read("mimetype").decode(errors="replace").strip()
                return kind if kind in (ODT, ODS) else None
            if "[Content_Types].xml" in names:
                if any(name.startswith("word/") for name in names):
                    return DOCX
                if any(name.startswith("xl/") for name in names):
                    return XLSX
    except Exception:  # noqa: BLE001 - a damaged or hostile archive can fail in many ways (zlib, bz2, lzma…)
        return None
    return None


class _TooManyPixels(Exception):
    pass


def _image_kind(data: bytes) -> str | None:
    """The image type, None when these bytes are not an image; _TooManyPixels for a pixel bomb."""
    # MAX_IMAGE_PIXELS is below Pillow's own decompression-bomb limits, so it is what refuses.
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > MAX_IMAGE_PIXELS:
                raise _TooManyPixels
            image.verify()
            return IMAGE_TYPES.get(image.format or "")
    except Image.DecompressionBombError:
        raise _TooManyPixels from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return None


def image_is_animated(data: bytes) -> bool:
    """More than one frame; a file whose frames cannot even be counted counts as animated (refused)."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            return bool(getattr(image, "is_animated", False))
    except Exception:  # noqa: BLE001 - a damaged or hostile image can make Pillow raise anything
        return True


def pdf_page_count(data: bytes) -> int:
    """The number of pages, or UnacceptableFile when PDFium cannot open the PDF
    (damaged, or protected by a password): such a file could be neither shown nor signed."""
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError:
        raise UnacceptableFile(
            _("This PDF is damaged or protected by a password. Save it again without a password and upload it.")
        ) from None
    try:
        return len(document)
    finally:
        document.close()


def _text_kind(data: bytes, filename: str) -> str | None:
    if b"\x00" in data:
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if "<" in text[:1024] and any(tag in text[:1024].lower() for tag in ("<html", "<script", "<!doctype", "<svg")):
        return None  # markup is never stored as "text": it could run in a browser
    return CSV if filename.lower().endswith(".csv") else TEXT


def detect_content_type(data: bytes, filename: str = "") -> str:
    """The accepted type of these bytes, or UnacceptableFile with a message for people."""
    if not data:
        raise UnacceptableFile(_("The file is empty."))
    if len(data) > MAX_BYTES:
        raise UnacceptableFile(_("The file is larger than 10 MB."))
    if data.startswith(b"%PDF-"):
        pdf_page_count(data)  # refuses a PDF that cannot be opened
        return PDF
    try:
        image = _image_kind(data)
    except _TooManyPixels:
        raise UnacceptableFile(_("This image has too many pixels (over 40 megapixels).")) from None
    if image:
        return image
    if data.startswith(b"PK\x03\x04"):
        if kind := _zip_kind(data):
            return kind
        raise UnacceptableFile(_("This archive is not a Word, spreadsheet or OpenDocument file."))
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return LEGACY_OFFICE
    if kind := _text_kind(data, filename):
        return kind
    raise UnacceptableFile(
        _(
            "This file type is not accepted. Upload a PDF, an image (JPG, PNG, GIF, WebP), a Word or "
            "spreadsheet file, or plain text or CSV."
        )
    )


def safe_download_name(title: str, content_type: str) -> str:
    """A file name for Content-Disposition made from the title, never from the uploaded name.
    Letters of any script stay (the response encodes them); everything else becomes "_"."""
    stem = "".join(character if character.isalnum() or character in "-_ " else "_" for character in title)
    stem = "-".join(stem.split())[:80] or "document"
    return f"{stem}.{EXTENSIONS.get(content_type, 'bin')}"
