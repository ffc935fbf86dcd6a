"""256-bit codes as numpy rows, hex conversion and the argument checks every entry point shares.

A code is 32 ``uint8`` bytes in the order of its hex string (``bytes.fromhex``), so a PDQ hash round-trips through
``codes_from_hex``/``hex_from_codes`` unchanged. Any fixed bit order gives the same Hamming distances; this one is
also the order faiss's binary indexes take, so the benchmark can feed both the same arrays.

The checks raise ``ValueError`` with a message meant for an API error, because the caller (banks, scans) turns
these into 4xx answers rather than crashing on a half-applied change.
"""

from collections.abc import Iterable, Sequence

import numpy as np

CODE_BYTES = 32
CODE_BITS = CODE_BYTES * 8
MAX_RADIUS = 63  # four 16-bit flips per chunk would be needed past this; PDQ's own threshold is 31
MAX_TAG = np.iinfo(np.uint16).max

# ASCII byte -> nibble value, 255 for anything that is not a hex digit: decodes millions of hashes without a
# Python-level loop and rejects bad input in the same pass.
_NIBBLE = np.full(256, 255, dtype=np.uint8)
for _i, _c in enumerate(b"0123456789abcdef"):
    _NIBBLE[_c] = _i
for _i, _c in enumerate(b"ABCDEF", start=10):
    _NIBBLE[_c] = _i


def codes_from_hex(values: Sequence[str]) -> np.ndarray:
    """(n, 32) uint8 codes from 64-digit hex strings; ValueError naming the first bad value."""
    if isinstance(values, str | bytes):
        raise ValueError("expected a sequence of hex strings, not a single string")
    values = list(values)
    if not values:
        return np.empty((0, CODE_BYTES), dtype=np.uint8)
    if not all(isinstance(v, str) for v in values):
        bad = next(i for i, v in enumerate(values) if not isinstance(v, str))
        raise ValueError(f"hash {bad} is {type(values[bad]).__name__}, not a hex string")
    digits = CODE_BYTES * 2
    lengths = np.fromiter(map(len, values), dtype=np.int64, count=len(values))
    wrong = np.flatnonzero(lengths != digits)
    if wrong.size:
        i = int(wrong[0])
        raise ValueError(f"hash {i} has {lengths[i]} characters, expected {digits} hex digits: {values[i][:80]!r}")
    joined = "".join(values)
    if not joined.isascii():
        raise ValueError(f"hash {_first_bad(values)} is not hex: {values[_first_bad(values)]!r}")
    nibbles = _NIBBLE[np.frombuffer(joined.encode("ascii"), dtype=np.uint8)].reshape(len(values), digits)
    bad_rows = np.flatnonzero((nibbles == 255).any(axis=1))
    if bad_rows.size:
        i = int(bad_rows[0])
        raise ValueError(f"hash {i} is not hex: {values[i]!r}")
    return (nibbles[:, 0::2] << 4) | nibbles[:, 1::2]


def _first_bad(values: list[str]) -> int:
    return next(i for i, v in enumerate(values) if not v.isascii())


def hex_from_codes(codes: np.ndarray) -> list[str]:
    """64-digit lower-case hex strings of (n, 32) uint8 codes."""
    codes = as_codes(codes, "codes")
    text = codes.tobytes().hex()
    digits = CODE_BYTES * 2
    return [text[i : i + digits] for i in range(0, len(text), digits)]


def as_codes(codes: object, name: str = "codes") -> np.ndarray:
    """The codes as a C-contiguous (n, 32) uint8 array; ValueError for anything else.

    Only real uint8 arrays are accepted: silently casting e.g. int64 bit arrays or float data would index
    something other than what the caller meant.
    """
    if not isinstance(codes, np.ndarray):
        raise ValueError(f"{name} must be a numpy uint8 array of shape (n, {CODE_BYTES}), got {type(codes).__name__}")
    if codes.dtype != np.uint8:
        raise ValueError(f"{name} must have dtype uint8, got {codes.dtype}")
    if codes.ndim != 2 or codes.shape[1] != CODE_BYTES:
        raise ValueError(f"{name} must have shape (n, {CODE_BYTES}), got {codes.shape}")
    return np.ascontiguousarray(codes)


def as_ids(ids: object, name: str = "ids") -> np.ndarray:
    """The ids as a 1-D int64 array; ValueError for non-integers or values outside int64."""
    array = np.asarray(ids)
    if array.ndim == 0 and array.size == 1:
        array = array.reshape(1)
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {array.shape}")
    if array.size == 0:
        return np.empty(0, dtype=np.int64)
    if array.dtype == np.bool_ or not np.issubdtype(array.dtype, np.integer):
        raise ValueError(f"{name} must be integers, got dtype {array.dtype}")
    if array.dtype == np.uint64 and int(array.max()) > np.iinfo(np.int64).max:
        raise ValueError(f"{name} must fit in int64")
    return array.astype(np.int64, copy=False)


def as_tags(tags: object, count: int) -> np.ndarray:
    """Per-entry uint16 tags (default 0), checked for length and range before any cast can wrap them."""
    if tags is None:
        return np.zeros(count, dtype=np.uint16)
    array = np.asarray(tags)
    if array.ndim != 1 or array.shape[0] != count:
        raise ValueError(f"tags must be one-dimensional with one tag per id ({count}), got shape {array.shape}")
    if count == 0:
        return np.empty(0, dtype=np.uint16)
    if array.dtype == np.bool_ or not np.issubdtype(array.dtype, np.integer):
        raise ValueError(f"tags must be integers, got dtype {array.dtype}")
    if int(array.min()) < 0 or int(array.max()) > MAX_TAG:
        raise ValueError(f"tags must be in 0..{MAX_TAG}")
    return array.astype(np.uint16)


def as_tag_filter(tags: Iterable[int] | np.ndarray | None) -> np.ndarray | None:
    """Sorted unique uint16 array of allowed tags, or None for no filter."""
    if tags is None:
        return None
    array = np.asarray(tags if isinstance(tags, np.ndarray) else list(tags)).ravel()
    if array.size == 0:
        return np.empty(0, dtype=np.uint16)
    if array.dtype == np.bool_ or not np.issubdtype(array.dtype, np.integer):
        raise ValueError(f"tags filter must be integers, got dtype {array.dtype}")
    if int(array.min()) < 0 or int(array.max()) > MAX_TAG:
        raise ValueError(f"tags filter values must be in 0..{MAX_TAG}")
    return np.unique(array.astype(np.uint16))


def as_radius(radius: object) -> int:
    """The radius as an int in 0..63; bools are refused because True would silently mean 1."""
    if isinstance(radius, bool) or not isinstance(radius, int | np.integer):
        raise ValueError(f"radius must be an integer, got {type(radius).__name__}")
    if not 0 <= int(radius) <= MAX_RADIUS:
        raise ValueError(f"radius must be in 0..{MAX_RADIUS}, got {radius}")
    return int(radius)


def weights(codes: np.ndarray) -> np.ndarray:
    """Number of set bits per code (int16): a lower bound on distance via |w(a) - w(b)| <= d(a, b)."""
    if codes.shape[0] == 0:
        return np.empty(0, dtype=np.int16)
    return np.bitwise_count(codes.view(np.uint64)).sum(axis=1, dtype=np.int16)


def distances(codes: np.ndarray, query: np.ndarray) -> np.ndarray:
    """Hamming distances (int32) from one (32,) query to every row of (n, 32) codes; for tests and tools."""
    x = np.bitwise_xor(codes.view(np.uint64), query.reshape(1, CODE_BYTES).view(np.uint64))
    return np.bitwise_count(x).sum(axis=1, dtype=np.int32)
