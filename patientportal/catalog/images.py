"""Product images: judged by their content (Pillow), bounded in size and
dimensions, virus-scanned when a scanner is configured, re-encoded (which
drops metadata such as GPS positions) and given a thumbnail for the shop grid."""

import io
import logging
import secrets
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from patientportal.core import virus_scan

logger = logging.getLogger(__name__)

MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000
ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
FULL_SIZE = (1600, 1600)
THUMBNAIL_SIZE = (480, 480)


def _encode(image: Image.Image, size: tuple[int, int]) -> bytes:
    copy = image.copy()
    copy.thumbnail(size)
    if copy.mode not in ("RGB", "RGBA"):
        copy = copy.convert("RGBA" if "transparency" in copy.info or copy.mode in ("LA", "P") else "RGB")
    buffer = io.BytesIO()
    copy.save(buffer, format="WEBP", quality=85)
    return buffer.getvalue()


def process_product_image(upload: UploadedFile[bytes]) -> tuple[ContentFile[bytes], ContentFile[bytes]]:
    """The image and its thumbnail, both WebP with random names; ValidationError if not a usable image."""
    if upload.size and upload.size > MAX_BYTES:
        raise ValidationError(_("The image is larger than 5 MB. Please upload a smaller file."))
    data = upload.read()
    try:
        with Image.open(io.BytesIO(data)) as probe:
            probe.verify()
        image = Image.open(io.BytesIO(data))
        if image.format not in ALLOWED_FORMATS:
            raise ValidationError(_("Please upload a JPEG, PNG, WebP or GIF image."))
        if image.width * image.height > MAX_PIXELS:
            raise ValidationError(_("The image has too many pixels. Please upload a smaller image."))
        image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError):
        raise ValidationError(
            _("This file is not an image we can read. Please upload a JPEG, PNG, WebP or GIF.")
        ) from None
    try:
        virus_scan.scan(data)  # the bytes as uploaded: re-encoding may hide what was in them, not remove it
    except virus_scan.UploadRefused as refused:
        raise ValidationError(refused.message) from None
    name = secrets.token_hex(16)
    return (
        ContentFile(_encode(image, FULL_SIZE), name=f"{name}.webp"),
        ContentFile(_encode(image, THUMBNAIL_SIZE), name=f"{name}-thumb.webp"),
    )


def picture_files_delete(storage: Storage, names: Iterable[str]) -> None:
    """Delete the stored files of a picture no product shows any more (its full size and its
    thumbnail), on local disk or in the bucket. Never fails the caller: it runs once the change is
    committed, and a file left behind costs only space (it is logged, for whoever tidies up)."""
    for name in names:
        try:
            storage.delete(name)
        except Exception as error:  # noqa: BLE001 - a full disk or an unreachable store must not fail the save
            logger.warning("Product picture file %s not deleted (%s).", name, type(error).__name__)
