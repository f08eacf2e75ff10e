"""Product pictures as responses, shared by the shop and the staff area."""

from django.http import FileResponse, Http404

from patientportal.catalog.models import Product


def product_image_response(product: Product, size: str) -> FileResponse:
    """A product picture streamed after the caller checked access (no public media URL)."""
    field = {"thumbnail": product.thumbnail, "full": product.image}.get(size)
    if not field:
        raise Http404
    response = FileResponse(field.open("rb"), content_type="image/webp")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response
