"""Reviewer wellness: abuse material is shown blurred and in greyscale unless a reviewer deliberately
reveals it, and every look is counted per reviewer per day (see ``service.exposure``)."""

import io

import numpy as np
from PIL import Image, ImageFilter

from childsafe.hashing import decode_image

PREVIEW_SIDE = 512  # a preview never needs more pixels; fewer pixels also mean less detail to blur away


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def blurred(data: bytes) -> bytes:
    """Greyscale, shrunk and strongly blurred: shapes and layout survive, identifying detail does not."""
    image = Image.fromarray(decode_image(data)).convert("L")
    image.thumbnail((PREVIEW_SIDE, PREVIEW_SIDE))
    radius = max(6.0, max(image.size) / 24)
    return _png(image.filter(ImageFilter.GaussianBlur(radius)))


def carries_exif(data: bytes) -> bool:
    """Whether the original file holds EXIF metadata (camera, time, often GPS): reading the raw bytes then
    exposes more than the pixels. Only the header is parsed, in memory; nothing is decoded or written."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            return len(image.getexif()) > 0
    except Exception:  # not an image Pillow knows (a video, a record): no EXIF to expose
        return False


def revealed(data: bytes) -> bytes:
    """The original pixels re-encoded as PNG: metadata (EXIF, GPS) is not passed on to the reviewer."""
    return _png(Image.fromarray(np.asarray(decode_image(data))))
