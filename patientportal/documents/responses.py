"""File responses for documents: only ever after the caller checked access;
correct type, nosniff, a safe file name, no caching, sandboxed when inline."""

from django.http import FileResponse, HttpResponse

from patientportal.documents.files import safe_download_name


def file_response(handle: object, *, content_type: str, title: str, inline: bool) -> FileResponse:
    # FileResponse writes Content-Disposition with an RFC 6266 filename* when the title is not ASCII.
    response = FileResponse(
        handle,
        content_type=content_type,
        as_attachment=not inline,
        filename=safe_download_name(title, content_type),
    )
    _harden(response)
    return response


def png_response(data: bytes) -> HttpResponse:
    response = HttpResponse(data, content_type="image/png")
    _harden(response)
    return response


def _harden(response: HttpResponse) -> None:
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
