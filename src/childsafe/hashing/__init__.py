"""Hashing of media for matching against lists of known abuse material.

A ``HashAlgorithm`` turns bytes into one or more ``HashValue``s and knows its own distance and
default match threshold; PDQ, MD5 and SHA-256 ship here, and others (vPDQ, PhotoDNA under licence)
plug in by registering. Decoding is bounded: corrupt, truncated, unsupported or oversized images
raise ``InvalidMedia`` and nothing is stored.
"""

from childsafe.hashing.algorithms import (
    ALGORITHMS,
    HashAlgorithm,
    HashValue,
    Md5,
    Pdq,
    Sha256,
    algorithm,
    hash_media,
    parse_hash,
    register,
)
from childsafe.hashing.images import InvalidMedia, decode_image
from childsafe.hashing.pdq import PDQ_MIN_QUALITY, hamming, pdq_dihedral, pdq_hash

__all__ = [
    "ALGORITHMS", "PDQ_MIN_QUALITY", "HashAlgorithm", "HashValue", "InvalidMedia", "Md5", "Pdq", "Sha256",
    "algorithm", "decode_image", "hamming", "hash_media", "parse_hash", "pdq_dihedral", "pdq_hash", "register",
]
