"""Responses for documents, shared by the portal and the staff area: only ever
after the caller checked access; correct type, nosniff, a safe file name, no
caching, sandboxed when inline."""

from typing import IO
from urllib.parse import quote

import pypdfium2 as pdfium
from django.http import FileResponse, Http404, HttpResponse
from django.http.response import HttpResponseBase

from patientportal.documents.files import safe_download_name, sha256_hex
from patientportal.documents.models import Document
from patientportal.documents.preview import MAX_PAGES, cache_page_png, cached_page_png, pdf_page_png
from patientportal.documents.selectors import signature_of
from patientportal.documents.services import document_bytes, document_page_count


def file_response(handle: IO[bytes], *, content_type: str, title: str, inline: bool) -> FileResponse:
    response = FileResponse(handle, content_type=content_type)
    response["Content-Disposition"] = content_disposition(
        "inline" if inline else "attachment", safe_download_name(title, content_type)
    )
    _harden(response)
    return response


def content_disposition(disposition: str, filename: str) -> str:
    """RFC 6266: a plain ASCII `filename` every client reads, and `filename*`
    with the real name in UTF-8 when it has other letters."""
    ascii_name = filename.encode("ascii", "replace").decode().replace("?", "_")
    if ascii_name == filename:
        return f'{disposition}; filename="{filename}"'
    return f"{disposition}; filename=\"{ascii_name}\"; filename*=utf-8''{quote(filename)}"


def png_response(data: bytes) -> HttpResponse:
    response = HttpResponse(data, content_type="image/png")
    _harden(response)
    return response


def _harden(response: HttpResponseBase) -> None:
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"


def document_pages(document: Document) -> range:
    """The page numbers shown on the page, from the count stored with the document (the file is
    not read); none for an image, or for a PDF that PDFium cannot open (uploads are checked, so
    only a damaged stored file)."""
    count = document_page_count(document) or 0
    return range(1, min(count, MAX_PAGES) + 1)


def rendered_page(document: Document, page: int) -> HttpResponse:
    """A page of a PDF as a PNG, drawn once and then read from the cache kept next to the
    document (`preview.cached_page_png`); the caller has checked access, as for the file."""
    if not document.is_pdf or not 1 <= page <= MAX_PAGES:
        raise Http404
    png = cached_page_png(document, page)
    if png is None:
        data = document_bytes(document)
        try:
            png = pdf_page_png(data, page)
        except (IndexError, pdfium.PdfiumError):
            raise Http404 from None
        # Kept under the recorded hash only when it is these bytes' hash: a file changed behind the
        # portal's back (staff see the integrity warning) is shown as it is, never kept as the original.
        if sha256_hex(data) == document.sha256:
            cache_page_png(document, page, png)
    return png_response(png)


def signed_copy_response(document: Document) -> FileResponse:
    signature = signature_of(document)
    if signature is None:
        raise Http404
    return file_response(
        signature.signed_copy.open("rb"), content_type="application/pdf", title=f"{document.title} signed", inline=False
    )
