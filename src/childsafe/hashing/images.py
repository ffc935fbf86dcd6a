"""Bounded image decoding.

Pillow is told the largest image we accept before it allocates anything, so a decompression bomb
(a small file claiming huge dimensions) is refused from its header alone.
"""

import io
import warnings

import numpy as np
from PIL import Image, UnidentifiedImageError

from childsafe.errors import InvalidInput

MAX_PIXELS = 50_000_000  # about 7000 x 7000: far above any photo, far below a bomb
MAX_BYTES = 50 * 1024 * 1024


class InvalidMedia(InvalidInput):
    """The bytes are not an image we can hash; the message says why, in words a platform can act on."""


def decode_image(data: bytes, *, max_pixels: int = MAX_PIXELS, max_bytes: int = MAX_BYTES) -> np.ndarray:
    """RGB pixels as an (height, width, 3) uint8 array."""
    if not data:
        raise InvalidMedia("the file is empty (0 bytes)", field="media")
    if len(data) > max_bytes:
        raise InvalidMedia(f"the file is larger than {max_bytes} bytes", field="media")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
                if width <= 0 or height <= 0:
                    raise InvalidMedia("the image has no pixels", field="media")
                if width * height > max_pixels:
                    raise InvalidMedia(f"the image is {width}x{height}, more than {max_pixels} pixels allowed "
                                       "(a possible decompression bomb)", field="media")
                image.load()
                return np.asarray(image.convert("RGB"))
    except InvalidMedia:
        raise
    except UnidentifiedImageError:
        raise InvalidMedia("the file is not an image format we can read (JPEG, PNG, GIF, BMP, TIFF, WebP)",
                           field="media") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InvalidMedia("the image is too large to decode safely (a possible decompression bomb)",
                           field="media") from None
    except (OSError, SyntaxError, ValueError, EOFError, MemoryError) as exc:
        raise InvalidMedia(f"the image is corrupt or truncated ({type(exc).__name__})", field="media") from None
