"""File responses for documents: only ever after the caller checked access;
correct type, nosniff, a safe file name, no caching, sandboxed when inline."""

from urllib.parse import quote

from django.http import FileResponse, HttpResponse

from patientportal.documents.files import safe_download_name


def file_response(handle: object, *, content_type: str, title: str, inline: bool) -> FileResponse:
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


def _harden(response: HttpResponse) -> None:
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
