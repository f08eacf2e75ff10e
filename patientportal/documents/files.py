"""Uploaded documents are judged by their bytes, never by their name or the
browser's claimed type; the name and the claimed type must then agree with
what the bytes are (a `shell.png` holding text is refused, not stored as
text). The original bytes are kept as they are."""

import hashlib
import io
import zipfile
from typing import TYPE_CHECKING

import pypdfium2 as pdfium
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

from patientportal.core import virus_scan

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

MAX_BYTES = 10 * 1024 * 1024
# A 10 MB image can claim billions of pixels; more than this is refused before decoding.
MAX_IMAGE_PIXELS = 40_000_000
# The OpenDocument "mimetype" entry is one short line; a bigger one is not read at all.
MAX_MIMETYPE_ENTRY_BYTES = 100
# An Office file is a zip archive. Whoever opens it (Word, a preview, a virus scanner) unpacks
# it, so one that would unpack to more than this, or hold more entries, is refused as a zip
# bomb. Real documents within the 10 MB upload limit unpack to a few tens of MB at most.
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_ARCHIVE_ENTRIES = 2_000

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


# The extensions a file's name may end in for each type. A name without an extension claims nothing.
NAME_EXTENSIONS: dict[str, frozenset[str]] = {
    PDF: frozenset({"pdf"}),
    "image/png": frozenset({"png"}),
    "image/jpeg": frozenset({"jpg", "jpeg", "jpe", "jfif"}),
    "image/gif": frozenset({"gif"}),
    "image/webp": frozenset({"webp"}),
    DOCX: frozenset({"docx"}),
    XLSX: frozenset({"xlsx"}),
    ODT: frozenset({"odt"}),
    ODS: frozenset({"ods"}),
    LEGACY_OFFICE: frozenset({"doc", "xls"}),
    TEXT: frozenset({"txt", "text", "log"}),
    CSV: frozenset({"csv"}),
}
_ZIP_CLAIMS = frozenset({"application/zip", "application/x-zip-compressed"})
_EXCEL_CLAIM = "application/vnd.ms-excel"  # what Windows browsers send for .xls, .xlsx and often .csv
# The types a browser may claim for each type: the usual name and the aliases browsers really send.
CLAIMED_TYPES: dict[str, frozenset[str]] = {
    PDF: frozenset({PDF, "application/x-pdf"}),
    "image/png": frozenset({"image/png"}),
    "image/jpeg": frozenset({"image/jpeg", "image/pjpeg", "image/jpg"}),
    "image/gif": frozenset({"image/gif"}),
    "image/webp": frozenset({"image/webp"}),
    DOCX: frozenset({DOCX, "application/msword", *_ZIP_CLAIMS}),
    XLSX: frozenset({XLSX, _EXCEL_CLAIM, *_ZIP_CLAIMS}),
    ODT: frozenset({ODT, *_ZIP_CLAIMS}),
    ODS: frozenset({ODS, *_ZIP_CLAIMS}),
    LEGACY_OFFICE: frozenset({LEGACY_OFFICE, "application/msword", _EXCEL_CLAIM, "application/vnd.ms-office"}),
    TEXT: frozenset({TEXT}),
    CSV: frozenset({CSV, TEXT, _EXCEL_CLAIM, "application/csv", "text/comma-separated-values", "text/x-csv"}),
}
# What a browser sends when it does not know a file's type: it claims nothing either way.
UNKNOWN_CLAIMS = frozenset({"", "application/octet-stream", "binary/octet-stream", "application/unknown"})
TYPE_NAMES = {
    PDF: _("a PDF"),
    "image/png": _("a PNG image"),
    "image/jpeg": _("a JPEG image"),
    "image/gif": _("a GIF image"),
    "image/webp": _("a WebP image"),
    DOCX: _("a Word document"),
    XLSX: _("an Excel spreadsheet"),
    ODT: _("an OpenDocument text"),
    ODS: _("an OpenDocument spreadsheet"),
    LEGACY_OFFICE: _("an older Word or Excel file"),
    TEXT: _("plain text"),
    CSV: _("a CSV file"),
}


class UnacceptableFile(ValueError):
    def __init__(self, message: "StrOrPromise") -> None:
        self.message = message
        super().__init__(str(message))


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class _ZipBomb(Exception):
    pass


def _zip_kind(data: bytes) -> str | None:
    """The Office type of this archive, None when it is not one; _ZipBomb when it would unpack too far.
    Only the sizes the archive declares are read (nothing is unpacked but the tiny "mimetype" entry)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
            if len(entries) > MAX_ARCHIVE_ENTRIES or sum(entry.file_size for entry in entries) > MAX_UNPACKED_BYTES:
                raise _ZipBomb
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
    except _ZipBomb:
        raise
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


def _archive_kind(data: bytes) -> str:
    """The Office type of a zip archive, or UnacceptableFile."""
    try:
        kind = _zip_kind(data)
    except _ZipBomb:
        raise UnacceptableFile(
            _(
                "This file would unpack to more than 100 MB (a “zip bomb”), so it was refused. "
                "Save the document again from Word or your spreadsheet program and upload that copy."
            )
        ) from None
    if kind is None:
        raise UnacceptableFile(_("This archive is not a Word, spreadsheet or OpenDocument file."))
    return kind


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
        return _archive_kind(data)
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


def _expected_extension(content_type: str) -> str:
    if content_type == LEGACY_OFFICE:  # the bytes alone do not tell an old Word file from an old Excel one
        return "“.doc” or “.xls”"
    return f"“.{EXTENSIONS[content_type]}”"


def check_name_and_claim(*, content_type: str, filename: str, claimed_type: str) -> None:
    """The file's name and the type the browser claimed must agree with what its bytes are
    (`content_type`, from detect_content_type); UnacceptableFile when they do not."""
    what = TYPE_NAMES[content_type]
    stem, dot, extension = filename.replace("\\", "/").rsplit("/", 1)[-1].rpartition(".")
    extension = extension.lower()
    if dot and stem and extension not in NAME_EXTENSIONS[content_type]:
        raise UnacceptableFile(
            _(
                "This file's name ends in “.%(extension)s” but the file is %(what)s, so it was refused. "
                "Check that you chose the right file; if you did, rename it to end in %(expected)s."
            )
            % {"extension": extension[:20], "what": what, "expected": _expected_extension(content_type)}
        )
    claimed = claimed_type.split(";", 1)[0].strip().lower()
    if claimed not in UNKNOWN_CLAIMS and claimed not in CLAIMED_TYPES[content_type]:
        raise UnacceptableFile(
            _(
                "This file was sent as “%(claimed)s” but it is %(what)s, so it was refused. "
                "Check that you chose the right file."
            )
            % {"claimed": claimed[:100], "what": what}
        )


def judge_upload(data: bytes, *, filename: str, claimed_type: str = "") -> str:
    """Everything an upload must pass before it is stored: its content, its name and
    claimed type, and the virus scan when one is configured. The accepted type, or
    UnacceptableFile with a message for people."""
    content_type = detect_content_type(data, filename)
    check_name_and_claim(content_type=content_type, filename=filename, claimed_type=claimed_type)
    try:
        virus_scan.scan(data)
    except virus_scan.UploadRefused as refused:
        raise UnacceptableFile(refused.message) from None
    return content_type


def safe_download_name(title: str, content_type: str) -> str:
    """A file name for Content-Disposition made from the title, never from the uploaded name.
    Letters of any script stay (the response encodes them); everything else becomes "_"."""
    stem = "".join(character if character.isalnum() or character in "-_ " else "_" for character in title)
    stem = "-".join(stem.split())[:80] or "document"
    return f"{stem}.{EXTENSIONS.get(content_type, 'bin')}"
