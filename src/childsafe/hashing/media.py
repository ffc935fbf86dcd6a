"""One entry point for an uploaded file: image or video, decided from its bytes.

Always MD5 and SHA-256 of the bytes; then PDQ (with quality, optionally the 8 dihedral variants) for an image, or
vPDQ frame hashes (one per second) for a video. A file name is only a hint for messages, never trusted.
"""

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from childsafe.hashing.algorithms import DIHEDRAL_VARIANTS, HashValue, pdq_hash_bytes
from childsafe.hashing.images import MAX_BYTES, InvalidMedia
from childsafe.hashing.sniff import sniff_video
from childsafe.hashing.video import VIDEO_MAX_BYTES, VIDEO_MAX_SECONDS, VideoFrame, hash_video_bytes, hash_video_file

_VIDEO_SUFFIXES = frozenset({".mp4", ".m4v", ".mov", ".3gp", ".3g2", ".mkv", ".webm", ".avi", ".ts", ".m2ts",
                             ".mts", ".flv", ".mpg", ".mpeg", ".wmv", ".ogv"})
_CHUNK = 1024 * 1024


@dataclass(frozen=True, slots=True)
class MediaHashes:
    kind: str  # "image" or "video"
    md5: str
    sha256: str
    hashes: list[HashValue]  # md5, sha256, then an image's PDQ (1 or 8 dihedral variants)
    frames: list[VideoFrame] = field(default_factory=list)  # a video's vPDQ frame hashes, one per second
    container: str | None = None  # a video's container: mp4, webm, avi, mpegts or flv

    @property
    def pdq(self) -> list[HashValue]:
        return [h for h in self.hashes if h.algorithm == "pdq"]


def _looks_like_video_name(filename_hint: str | None) -> bool:
    return bool(filename_hint) and Path(str(filename_hint)).suffix.lower() in _VIDEO_SUFFIXES


def _image(data: bytes, md5: str, sha256: str, dihedral: bool, filename_hint: str | None) -> MediaHashes:
    try:
        values, quality = pdq_hash_bytes(data, dihedral=dihedral)
    except InvalidMedia as exc:
        if _looks_like_video_name(filename_hint) and "not an image format" in exc.detail:
            raise InvalidMedia("the file is named like a video but is not a video container we accept (MP4/MOV, "
                               "WebM/Matroska, AVI, MPEG-TS, FLV) nor an image", field="media") from None
        raise
    pdq = [HashValue("pdq", v, quality, variant) for v, variant in zip(values, DIHEDRAL_VARIANTS, strict=False)]
    return MediaHashes("image", md5, sha256, [HashValue("md5", md5), HashValue("sha256", sha256), *pdq])


def hash_upload(data: bytes, filename_hint: str | None = None, *, dihedral: bool = False,
                max_video_seconds: float = VIDEO_MAX_SECONDS, max_image_bytes: int = MAX_BYTES,
                max_video_bytes: int = VIDEO_MAX_BYTES) -> MediaHashes:
    """Hashes of uploaded bytes. Videos are hashed through a private temporary file that is always removed."""
    if not data:
        raise InvalidMedia("the file is empty (0 bytes)", field="media")
    container = sniff_video(data[:1024])
    limit = max_video_bytes if container else max_image_bytes
    if len(data) > limit:
        raise InvalidMedia(f"the {'video' if container else 'file'} is larger than {limit} bytes", field="media")
    md5 = hashlib.md5(data, usedforsecurity=False).hexdigest()
    sha256 = hashlib.sha256(data).hexdigest()
    if container is None:
        return _image(data, md5, sha256, dihedral, filename_hint)
    frames = hash_video_bytes(data, max_seconds=max_video_seconds, max_bytes=max_video_bytes)
    return MediaHashes("video", md5, sha256, [HashValue("md5", md5), HashValue("sha256", sha256)], frames, container)


def hash_file(path: str | Path, *, dihedral: bool = False, max_video_seconds: float = VIDEO_MAX_SECONDS,
              max_image_bytes: int = MAX_BYTES, max_video_bytes: int = VIDEO_MAX_BYTES) -> MediaHashes:
    """Hashes of a file on disk. A video is hashed in place (no copy); an image is read into memory."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise InvalidMedia("not a regular file", field="media")
        with open(path, "rb") as handle:
            head = handle.read(1024)
    except OSError as exc:
        raise InvalidMedia(f"the file cannot be read ({type(exc).__name__})", field="media") from None
    if size == 0:
        raise InvalidMedia("the file is empty (0 bytes)", field="media")
    container = sniff_video(head)
    if container is None:
        if size > max_image_bytes:
            raise InvalidMedia(f"the file is larger than {max_image_bytes} bytes", field="media")
        return hash_upload(path.read_bytes(), path.name, dihedral=dihedral, max_image_bytes=max_image_bytes)
    if size > max_video_bytes:
        raise InvalidMedia(f"the video is larger than {max_video_bytes} bytes", field="media")
    md5, sha256 = hashlib.md5(usedforsecurity=False), hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            md5.update(chunk)
            sha256.update(chunk)
    frames = hash_video_file(path, max_seconds=max_video_seconds, max_bytes=max_video_bytes)
    md5_hex, sha_hex = md5.hexdigest(), sha256.hexdigest()
    return MediaHashes("video", md5_hex, sha_hex, [HashValue("md5", md5_hex), HashValue("sha256", sha_hex)], frames,
                       container)
