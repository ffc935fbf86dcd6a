"""PDQ (Meta's perceptual hash) through the ``pdqhash`` bindings of the reference C++ code."""

import numpy as np
import pdqhash

PDQ_MIN_QUALITY = 50  # below this a PDQ hash is too unreliable to claim a match (Meta's guidance)
PDQ_BITS = 256


def _hex(bits: np.ndarray) -> str:
    return f"{int(''.join('1' if b else '0' for b in bits), 2):064x}"


def pdq_hash(pixels: np.ndarray) -> tuple[str, int]:
    """(64-hex-digit hash, quality 0-100) of RGB pixels."""
    bits, quality = pdqhash.compute(np.ascontiguousarray(pixels))
    return _hex(bits), int(quality)


def pdq_dihedral(pixels: np.ndarray) -> tuple[list[str], int]:
    """The 8 hashes of the image's rotations and flips (same order as the reference), and quality."""
    hashes, quality = pdqhash.compute_dihedral(np.ascontiguousarray(pixels))
    return [_hex(h) for h in hashes], int(quality)


def hamming(a: str, b: str) -> int:
    """Bits that differ between two hex hashes of equal length."""
    if len(a) != len(b):
        raise ValueError("hashes of different lengths cannot be compared")
    return (int(a, 16) ^ int(b, 16)).bit_count()
