"""The ``HashAlgorithm`` seam and the algorithms that ship with childsafe."""

import hashlib
import re
from dataclasses import dataclass
from typing import ClassVar, Protocol

from childsafe.errors import InvalidInput
from childsafe.hashing.images import decode_image
from childsafe.hashing.pdq import PDQ_MIN_QUALITY, hamming, pdq_dihedral, pdq_hash


@dataclass(frozen=True, slots=True)
class HashValue:
    algorithm: str
    value: str
    quality: int | None = None  # perceptual hashes only
    variant: str = "original"  # or the dihedral transform it came from

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


_DIHEDRAL = ("original", "rotate90", "rotate180", "rotate270", "flipx", "flipy", "flip_plus1", "flip_minus1")


class Pdq:
    name = "pdq"
    hex_length = 64
    default_threshold = 31  # HMA's and ThreatExchange's default

    def hash_bytes(self, data: bytes, *, dihedral: bool = False) -> list[HashValue]:
        pixels = decode_image(data)
        if dihedral:
            hashes, quality = pdq_dihedral(pixels)
            return [HashValue(self.name, h, quality, v) for h, v in zip(hashes, _DIHEDRAL, strict=True)]
        value, quality = pdq_hash(pixels)
        return [HashValue(self.name, value, quality)]

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
