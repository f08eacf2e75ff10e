import io
import zipfile

import pytest

from patientportal.documents.files import (
    CSV,
    DOCX,
    LEGACY_OFFICE,
    MAX_BYTES,
    PDF,
    TEXT,
    XLSX,
    UnacceptableFile,
    detect_content_type,
    safe_download_name,
)
from tests.documents.helpers import pdf_bytes, png_bytes


def office_zip(folder: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(f"{folder}/document.xml", "<x/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "name", "expected"),
    [
        (pdf_bytes(), "anything.bin", PDF),
        (png_bytes(), "photo.pdf", "image/png"),
        (office_zip("word"), "letter.docx", DOCX),
        (office_zip("xl"), "sheet.xlsx", XLSX),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old.doc", LEGACY_OFFICE),
        (b"name,value\nAnna,1\n", "results.csv", CSV),
        ("Notes about the visit — café\n".encode(), "notes.txt", TEXT),
    ],
)
def test_types_are_judged_by_content(data, name, expected):
    assert detect_content_type(data, name) == expected


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"<!DOCTYPE html><html><script>alert(1)</script></html>", "report.pdf"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "scan.png"),
        (b"MZ\x90\x00\x03\x00\x00\x00binary", "setup.pdf"),
        (b"PK\x03\x04 not really a zip", "letter.docx"),
        (b"", "empty.pdf"),
    ],
)
def test_anything_else_is_refused_whatever_its_name(data, name):
    with pytest.raises(UnacceptableFile):
        detect_content_type(data, name)


def test_a_file_over_10_mb_is_refused():
    with pytest.raises(UnacceptableFile, match="larger than 10 MB"):
        detect_content_type(b"%PDF-" + b"0" * MAX_BYTES, "big.pdf")


def test_download_names_come_from_the_title_never_the_upload():
    assert safe_download_name('Lab "results"/../../etc', PDF) == "Lab-_results________etc.pdf"
    assert safe_download_name("", "image/png") == "document.png"
