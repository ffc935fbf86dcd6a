"""PDQ (Meta's perceptual hash): the ``pdqhash`` bindings of the reference C++ code, and a fast path for large images.

The pipeline (``pdq/cpp/hashing/pdqhashing.cpp``): RGB to float luma, a two-pass Jarosz (box) filter along rows and
columns with windows of ceil(side / 128), point-sampling to 64x64, a quality score from the 64x64 gradients, the
16x16 low-frequency block of a DCT (without the DC row and column), and one bit per coefficient: above the median.

Every step before the DCT is linear and separable, so blur-and-sample is ``M_rows @ luma @ M_cols.T`` with two
64-row matrices that depend only on the image size (``_axis_matrix``), each row non-zero only on a short band
around its sample point (``_axis_band``). That gives the fast path for large images:

* images at most ``EXACT_MAX_SIDE`` (512) on both sides go through ``pdqhash`` unchanged: bit-exact with the
  pinned bindings;
* larger images are decoded smaller and only the luma is kept: a JPEG is decoded by libjpeg straight to its Y
  plane (the same 0.299/0.587/0.114 luma) at 1/2, 1/4 or 1/8 scale in the DCT domain (``Image.draft``), other
  formats are box-reduced by Pillow; then the full-resolution filter is folded onto the reduced grid (each
  full-resolution weight lands on the reduced pixel that covers it) and applied as two short banded products.
  The scale is the largest that keeps a reduced pixel at most a quarter of the filter window, so the result stays
  close to the full-resolution hash (measured: at most 2 bits from ``pdqhash`` on the 1600x1004 reference photos,
  and 2-8 bits from both C++ reference builds, like ``pdqhash`` itself). See bench/hashing.py.

Not emulated on purpose: the C++ command-line tools first resize anything over 512 to 512x512 with CImg's
nearest-neighbour ``resize``. That reproduces the WASM build's published hashes to 0-2 bits, but is 4-12 bits from
the native build's published hashes of the same photos, while the full-resolution filter is within 8 bits of both.
"""

import functools
from dataclasses import dataclass

import numpy as np
import pdqhash

PDQ_MIN_QUALITY = 50  # below this a PDQ hash is too unreliable to claim a match (Meta's guidance)
PDQ_BITS = 256
EXACT_MAX_SIDE = 512  # images no larger than this on both sides are hashed by the bindings, bit-exact
MIN_HASHABLE_DIM = 5  # the reference gives quality 0 and an all-zero hash below this
_ZERO = "0" * 64
_LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)


def _hex(bits: np.ndarray) -> str:
    return f"{int(''.join('1' if b else '0' for b in bits), 2):064x}"


def pdq_hash(pixels: np.ndarray) -> tuple[str, int]:
    """(64-hex-digit hash, quality 0-100) of RGB pixels, through the bindings at full resolution."""
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


# ---------------------------------------------------------------------------------------------------------------
# The reference pipeline as matrices.


def jarosz_window(side: int) -> int:
    """``computeJaroszFilterWindowSize(side, 64)``: ceil(side / 128)."""
    return (side + 2 * 64 - 1) // (2 * 64)


def _box_extent(n: int, window: int) -> tuple[np.ndarray, np.ndarray]:
    """``box1DFloat``: output i is the mean of inputs first[i] ... last[i], a window clipped at both ends."""
    half = (window + 2) // 2
    out = np.arange(n)
    return np.maximum(out - (window - half), 0), np.minimum(out + half - 1, n - 1)


def _axis_matrix(full: int, scale: int = 1) -> np.ndarray:
    """64 x ceil(full / scale): two box passes and the 64-point decimation along one axis of a ``full``-pixel side,
    folded onto a grid reduced by ``scale`` (reduced pixel j covers full pixels j*scale ... j*scale + scale - 1).
    Built from run boundaries (a difference array per row), never as a full x full matrix."""
    first, last = _box_extent(full, jarosz_window(full))
    samples = ((np.arange(64) + 0.5) * full / 64).astype(np.int64)  # decimateFloat: target centres
    diff = np.zeros((64, full + 1))
    for row, sample in enumerate(samples):
        # second pass: the mean over [first, last] of the sample ...
        middle = np.arange(first[sample], last[sample] + 1)
        weight = 1.0 / len(middle)
        # ... of first-pass outputs, each the mean over its own run
        np.add.at(diff[row], first[middle], weight / (last[middle] - first[middle] + 1))
        np.add.at(diff[row], last[middle] + 1, -weight / (last[middle] - first[middle] + 1))
    weights = np.cumsum(diff, axis=1)[:, :full]
    support_first, support_last = first[first[samples]], last[last[samples]]
    columns = np.arange(full)[None, :]
    weights[(columns < support_first[:, None]) | (columns > support_last[:, None])] = 0  # cumsum round-off
    if scale == 1:
        return weights.astype(np.float32)
    reduced = -(-full // scale)
    folded = np.zeros((64, reduced))
    np.add.at(folded.T, np.minimum(np.arange(full) // scale, reduced - 1), weights.T)
    return folded.astype(np.float32)


@functools.lru_cache(maxsize=64)
def _axis_band(full: int, scale: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """``_axis_matrix`` as bands: each of its 64 rows is non-zero on one short run of pixels (the tent around a
    sample point), so (64 x K indices, 64 x K weights) with K the longest run replaces the mostly-zero matrix."""
    matrix = _axis_matrix(full, scale)
    nonzero = matrix != 0
    first = nonzero.argmax(axis=1)
    end = matrix.shape[1] - nonzero[:, ::-1].argmax(axis=1)
    width = int((end - first).max())
    index = first[:, None] + np.arange(width)[None, :]
    weights = np.where(index < end[:, None], np.take_along_axis(matrix, np.minimum(index, matrix.shape[1] - 1), 1), 0)
    index = np.minimum(index, matrix.shape[1] - 1)
    index.setflags(write=False)
    weights = weights.astype(np.float32)
    weights.setflags(write=False)
    return index, weights


def blur_and_sample(pixels: np.ndarray, height: int, width: int, scale: int = 1) -> np.ndarray:
    """The reference's Jarosz filter and 64x64 decimation of a ``height`` x ``width`` luma image, applied to
    ``pixels`` (that image, or its reduction by ``scale``): 64 x 64 float32."""
    row_index, row_weights = _axis_band(height, scale)
    col_index, col_weights = _axis_band(width, scale)
    rows = np.einsum("ik,ikw->iw", row_weights, pixels[row_index].astype(np.float32, copy=False))
    return np.einsum("jk,ijk->ij", col_weights, rows[:, col_index])


_DCT = (np.float32(np.sqrt(2.0 / 64)) * np.cos(
    (np.pi / 2 / 64) * np.outer(np.arange(1, 17), 2 * np.arange(64) + 1))).astype(np.float32)


def _quality(b64: np.ndarray) -> int:
    """``pdqImageDomainQualityMetric``: quantised gradient magnitude of the 64x64 image, 0-100."""
    scale, denominator = np.float32(100), np.float32(255)
    vertical = np.trunc((b64[:-1, :] - b64[1:, :]) * scale / denominator)
    horizontal = np.trunc((b64[:, :-1] - b64[:, 1:]) * scale / denominator)
    gradient = int(np.abs(vertical).sum(dtype=np.float64) + np.abs(horizontal).sum(dtype=np.float64))
    return min(gradient // 90, 100)


def _bits_hex(dct16: np.ndarray) -> str:
    """``pdqBuffer16x16ToBits``: bit i*16+j is set when coefficient (i, j) exceeds the median (Torben's, the 128th
    smallest); the hex is the 256-bit number, most significant bit first, as the reference prints it."""
    flat = dct16.ravel()
    median = np.partition(flat, 127)[127]
    bits = (flat > median)[::-1]  # bit 255 first
    return np.packbits(bits).tobytes().hex()


def _dihedral_dcts(a: np.ndarray) -> list[np.ndarray]:
    """The reference's sign-and-transpose rules: original, rot90, rot180, rot270, flipx, flipy, flip+1, flip-1."""
    i = np.arange(16)[:, None]
    j = np.arange(16)[None, :]
    odd_i, odd_j, odd_ij = (i & 1).astype(bool), (j & 1).astype(bool), ((i + j) & 1).astype(bool)
    return [
        a,
        np.where(odd_j, a, -a).T,
        np.where(odd_ij, -a, a),
        np.where(odd_i, a, -a).T,
        np.where(odd_i, a, -a),
        np.where(odd_j, a, -a),
        a.T,
        np.where(odd_ij, -a, a).T,
    ]


@dataclass(frozen=True, slots=True)
class Luma:
    """Float luma of an image, possibly on a grid reduced by ``scale`` from ``height`` x ``width``."""

    pixels: np.ndarray  # (ceil(height / scale), ceil(width / scale)), uint8 or float32
    height: int
    width: int
    scale: int = 1


def pdq_from_luma(luma: Luma, *, dihedral: bool = False) -> tuple[list[str], int]:
    """PDQ of a (possibly reduced) luma image: ([hash] or the 8 dihedral hashes, quality)."""
    if luma.height < MIN_HASHABLE_DIM or luma.width < MIN_HASHABLE_DIM:
        return [_ZERO] * (8 if dihedral else 1), 0
    if luma.height == 64 and luma.width == 64 and luma.scale == 1:
        b64 = luma.pixels.astype(np.float32)  # the reference skips the filter for an exact 64x64 input
    else:
        b64 = blur_and_sample(luma.pixels, luma.height, luma.width, luma.scale)
    quality = _quality(b64)
    dct16 = (_DCT @ b64) @ _DCT.T
    if not dihedral:
        return [_bits_hex(dct16)], quality
    return [_bits_hex(d) for d in _dihedral_dcts(dct16)], quality


def luma_from_rgb(pixels: np.ndarray) -> np.ndarray:
    """Float32 luma of (h, w, 3) uint8 RGB, with the reference's coefficients."""
    return (pixels.reshape(-1, 3) @ _LUMA).reshape(pixels.shape[:2])


def reduction_for(height: int, width: int) -> int:
    """The largest DCT-domain scale (1, 2, 4 or 8) whose pixel is at most a quarter of the smaller filter window."""
    window = min(jarosz_window(height), jarosz_window(width))
    for scale in (8, 4, 2):
        if scale * 4 <= window:
            return scale
    return 1
