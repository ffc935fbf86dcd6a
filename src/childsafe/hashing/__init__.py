"""Hashing of media for matching against lists of known abuse material.

A ``HashAlgorithm`` turns bytes into one or more ``HashValue``s and knows its own distance and
default match threshold; PDQ, MD5 and SHA-256 ship here, vPDQ registers itself where the optional
``video`` extra is installed, and others (PhotoDNA under licence) plug in by registering. Decoding is
bounded: corrupt, truncated, unsupported or oversized images and videos raise ``InvalidMedia`` and
nothing is stored. ``hash_upload`` / ``hash_file`` tell images from videos by their bytes.
"""

from childsafe.hashing.algorithms import (
    ALGORITHMS,
    DIHEDRAL_VARIANTS,
    HashAlgorithm,
    HashValue,
    Md5,
    Pdq,
    Sha256,
    algorithm,
    hash_media,
    parse_hash,
    pdq_hash_bytes,
    register,
)
from childsafe.hashing.images import InvalidMedia, decode_for_pdq, decode_image
from childsafe.hashing.media import MediaHashes, hash_file, hash_upload
from childsafe.hashing.pdq import PDQ_MIN_QUALITY, hamming, pdq_dihedral, pdq_hash
from childsafe.hashing.sniff import sniff_video
from childsafe.hashing.video import (
    VideoFrame,
    VideoInfo,
    VideoUnsupported,
    Vpdq,
    VpdqMatch,
    format_vpdq_frames,
    hash_video_bytes,
    hash_video_file,
    parse_vpdq_frames,
    probe_video,
    vpdq_available,
    vpdq_match,
)

__all__ = [
    "ALGORITHMS",
    "DIHEDRAL_VARIANTS",
    "PDQ_MIN_QUALITY",
    "HashAlgorithm",
    "HashValue",
    "InvalidMedia",
    "Md5",
    "MediaHashes",
    "Pdq",
    "Sha256",
    "VideoFrame",
    "VideoInfo",
    "VideoUnsupported",
    "Vpdq",
    "VpdqMatch",
    "algorithm",
    "decode_for_pdq",
    "decode_image",
    "format_vpdq_frames",
    "hamming",
    "hash_file",
    "hash_media",
    "hash_upload",
    "hash_video_bytes",
    "hash_video_file",
    "parse_hash",
    "parse_vpdq_frames",
    "pdq_dihedral",
    "pdq_hash",
    "pdq_hash_bytes",
    "probe_video",
    "register",
    "sniff_video",
    "vpdq_available",
    "vpdq_match",
]
