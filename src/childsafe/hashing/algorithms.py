"""The ``HashAlgorithm`` seam and the algorithms that ship with childsafe."""

import hashlib
import re
from dataclasses import dataclass
from typing import ClassVar, Protocol

import numpy as np

from childsafe.errors import InvalidInput
from childsafe.hashing.images import InvalidMedia, decode_for_pdq, decode_image
from childsafe.hashing.pdq import PDQ_MIN_QUALITY, hamming, pdq_dihedral, pdq_from_luma, pdq_hash
from childsafe.hashing.sniff import sniff_video


@dataclass(frozen=True, slots=True)
class HashValue:
    algorithm: str
    value: str
    quality: int | None = None  # perceptual hashes only
    variant: str = "original"  # or the dihedral transform it came from
    frame: int | None = None  # vPDQ: the frame number the hash came from
    timestamp: float | None = None  # vPDQ: that frame's time in seconds

    @property
    def match_eligible(self) -> bool:
        """A low-quality perceptual hash never supports a match claim."""
        return self.quality is None or self.quality >= PDQ_MIN_QUALITY


class HashAlgorithm(Protocol):
    name: ClassVar[str]
    hex_length: ClassVar[int]
    default_threshold: ClassVar[int]  # largest distance that counts as a match

    def hash_bytes(self, data: bytes, *, dihedral: bool = False) -> list[HashValue]: ...

    def distance(self, a: str, b: str) -> int: ...


_HEX = re.compile(r"^[0-9a-f]+$")


def parse_hash(algorithm: "HashAlgorithm", value: str) -> str:
    """A canonical (lower-case) hash, or a clear error naming what is wrong with it."""
    cleaned = value.strip().lower()
    if len(cleaned) != algorithm.hex_length or not _HEX.match(cleaned):
        raise InvalidInput(f"a {algorithm.name} hash is {algorithm.hex_length} hexadecimal digits; "
                           f"got {len(cleaned)} characters", field="hash")
    return cleaned


class _Cryptographic:
    name: ClassVar[str]
    hex_length: ClassVar[int]
    default_threshold: ClassVar[int] = 0

    def distance(self, a: str, b: str) -> int:
        return 0 if a == b else 1

    def digest(self, data: bytes) -> str:
        raise NotImplementedError

    def hash_bytes(self, data: bytes, *, dihedral: bool = False) -> list[HashValue]:
        return [HashValue(self.name, self.digest(data))]


class Md5(_Cryptographic):
    name = "md5"
    hex_length = 32

    def digest(self, data: bytes) -> str:
        return hashlib.md5(data, usedforsecurity=False).hexdigest()


class Sha256(_Cryptographic):
    name = "sha256"
    hex_length = 64

    def digest(self, data: bytes) -> str:
        return hashlib.sha256(data).hexdigest()


DIHEDRAL_VARIANTS = ("original", "rotate90", "rotate180", "rotate270", "flipx", "flipy", "flip_plus1",
                     "flip_minus1")
_DIHEDRAL = DIHEDRAL_VARIANTS


def pdq_hash_bytes(data: bytes, *, dihedral: bool = False, exact: bool = False) -> tuple[list[str], int]:
    """PDQ of an image file: ([hash] or the 8 dihedral hashes in ``DIHEDRAL_VARIANTS`` order, quality).

    By default an image larger than 512 on a side takes the fast path (reduced decode, luma only; within a few
    bits of the full-resolution hash, see ``childsafe.hashing.pdq``); ``exact=True`` always decodes in full and
    hashes through the bindings. Images at most 512 on both sides are bit-exact either way.
    """
    if sniff_video(data):
        raise InvalidMedia("the file is a video; PDQ hashes images (videos get vPDQ frame hashes)", field="media")
    decoded = decode_image(data) if exact else decode_for_pdq(data)
    if isinstance(decoded, np.ndarray):
        if dihedral:
            return pdq_dihedral(decoded)
        value, quality = pdq_hash(decoded)
        return [value], quality
    return pdq_from_luma(decoded, dihedral=dihedral)


class Pdq:
    name = "pdq"
    hex_length = 64
    default_threshold = 31  # HMA's and ThreatExchange's default

    def __init__(self, *, exact: bool = False) -> None:
        self.exact = exact

    def hash_bytes(self, data: bytes, *, dihedral: bool = False) -> list[HashValue]:
        hashes, quality = pdq_hash_bytes(data, dihedral=dihedral, exact=self.exact)
        return [HashValue(self.name, h, quality, v) for h, v in zip(hashes, _DIHEDRAL, strict=False)]

    def distance(self, a: str, b: str) -> int:
        return hamming(a, b)


ALGORITHMS: dict[str, HashAlgorithm] = {}


def register(algo: HashAlgorithm) -> None:
    ALGORITHMS[algo.name] = algo


for _algo in (Md5(), Sha256(), Pdq()):
    register(_algo)


def algorithm(name: str) -> HashAlgorithm:
    try:
        return ALGORITHMS[name]
    except KeyError:
        raise InvalidInput(f"unknown hash algorithm {name!r}; known: {', '.join(sorted(ALGORITHMS))}",
                           field="algorithm") from None


def hash_media(data: bytes, *, algorithms: tuple[str, ...] = ("md5", "sha256", "pdq"),
               dihedral: bool = False) -> list[HashValue]:
    """Every requested hash of one file. The cryptographic hashes come first and need no decoding."""
    return [value for name in algorithms for value in algorithm(name).hash_bytes(data, dihedral=dihedral)]
