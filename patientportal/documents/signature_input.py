"""Checking what the browser sends as a signature: a drawn PNG with its stroke
data, or a typed name that we turn into an image ourselves."""

import base64
import binascii
import io
import json
import math
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageDraw, ImageFont, UnidentifiedImageError

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

MAX_IMAGE_BYTES = 500_000
MAX_WIDTH, MAX_HEIGHT = 3000, 1500
MIN_INK_PIXELS = 50
MAX_STROKES, MAX_POINTS = 200, 20_000
MAX_COORDINATE = 100_000  # far beyond any canvas; guards against absurd numbers in the evidence
DATA_URL_PREFIX = "data:image/png;base64,"


# One stroke of signature_pad's data: {"points": [{"x": …, "y": …, …}, …], …}.
Stroke = dict[str, object]


class SignatureRejected(ValueError):
    def __init__(self, message: "StrOrPromise") -> None:
        self.message = message
        super().__init__(str(message))


def _ink_pixels(image: Image.Image) -> int:
    """How many pixels carry ink (not transparent and not white)."""
    on_white = Image.new("RGBA", image.size, (255, 255, 255, 255))
    on_white.alpha_composite(image.convert("RGBA"))
    dark = on_white.convert("L").point(lambda value: 255 if value < 200 else 0)
    return dark.histogram()[255]


def drawn_signature_png(data_url: str) -> bytes:
    """The PNG bytes of a drawn signature, or SignatureRejected (empty, not a PNG, too big, blank)."""
    if not data_url.startswith(DATA_URL_PREFIX):
        raise SignatureRejected(_("Please draw your signature in the box, or choose to type your name."))
    try:
        data = base64.b64decode(data_url[len(DATA_URL_PREFIX) :], validate=True)
    except (binascii.Error, ValueError):
        raise SignatureRejected(_("The drawn signature could not be read. Please clear it and draw again.")) from None
    if len(data) > MAX_IMAGE_BYTES:
        raise SignatureRejected(_("The drawn signature is too large. Please clear it and draw again."))
    try:
        with Image.open(io.BytesIO(data)) as probe:
            probe.verify()
        image = Image.open(io.BytesIO(data))
        if image.format != "PNG" or image.width > MAX_WIDTH or image.height > MAX_HEIGHT:
            raise SignatureRejected(_("The drawn signature could not be read. Please clear it and draw again."))
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        raise SignatureRejected(_("The drawn signature could not be read. Please clear it and draw again.")) from None
    if _ink_pixels(image) < MIN_INK_PIXELS:
        raise SignatureRejected(_("The signature box is empty. Please draw your signature."))
    return data


def _refuse_constant(name: str) -> None:
    raise ValueError(name)  # NaN and Infinity are not JSON numbers


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e400 overflows to infinity, which no database stores as JSON
        raise ValueError(text)
    return value


def _is_coordinate(value: object) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and abs(value) <= MAX_COORDINATE
    )


def drawn_strokes(raw: str) -> list[Stroke]:
    """signature_pad's stroke data: a list of strokes, each with a list of points."""
    try:
        strokes = json.loads(raw or "[]", parse_constant=_refuse_constant, parse_float=_finite_float)
    except (json.JSONDecodeError, ValueError, RecursionError):
        raise SignatureRejected(_("The drawn signature could not be read. Please clear it and draw again.")) from None
    valid = (
        isinstance(strokes, list)
        and 0 < len(strokes) <= MAX_STROKES
        and all(
            isinstance(stroke, dict) and isinstance(stroke.get("points"), list) and stroke["points"]
            for stroke in strokes
        )
    )
    if not valid or sum(len(stroke["points"]) for stroke in strokes) > MAX_POINTS:
        raise SignatureRejected(_("The drawn signature could not be read. Please clear it and draw again."))
    for stroke in strokes:
        for point in stroke["points"]:
            if not (isinstance(point, dict) and all(_is_coordinate(point.get(axis)) for axis in ("x", "y"))):
                raise SignatureRejected(_("The drawn signature could not be read. Please clear it and draw again."))
    checked: list[Stroke] = strokes
    return checked


def typed_signature_png(name: str) -> bytes:
    """An image of the typed name, made on the server (the person chose to type instead of draw)."""
    font: ImageFont.FreeTypeFont | ImageFont.ImageFont
    try:
        font = ImageFont.truetype(str(settings.DOCUMENT_FONT_PATH), 56)
    except OSError:
        font = ImageFont.load_default(size=56)
    image = Image.new("RGBA", (900, 160), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    draw.text((20, 40), name, fill=(20, 30, 60, 255), font=font)
    draw.line((20, 130, 880, 130), fill=(120, 130, 140, 255), width=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
