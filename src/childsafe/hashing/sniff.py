"""Is this upload a video? Decided from magic bytes only, never from the file name.

Recognised containers: MP4/MOV/3GP (ISO base media ``ftyp``, or a QuickTime file opening with ``moov``/``mdat``/
``wide``/``free``/``skip``), WebM/Matroska (EBML), AVI (``RIFF....AVI ``), MPEG transport streams (0x47 sync bytes
every 188 bytes, or 192 for M2TS) and FLV. HEIF/AVIF images share the ``ftyp`` box, so their brands go to the
image path. Anything else is treated as an image and left to the image decoder to accept or refuse.
"""

import struct

# ftyp brands of still-image formats (HEIF, AVIF and their sequences) rather than video
_IMAGE_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs", b"mif1",
                           b"msf1", b"avif", b"avis", b"avio", b"jpeg", b"jpgs"})
_QUICKTIME_FIRST = frozenset({b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"})
TS_PACKET = 188

# the suffix a temporary copy gets (FFmpeg probes the content; the suffix only helps it)
SUFFIX = {"mp4": ".mp4", "webm": ".webm", "avi": ".avi", "mpegts": ".ts", "flv": ".flv"}


def _isobmff(data: bytes) -> str | None:
    if len(data) < 12:
        return None
    kind = data[4:8]
    if kind == b"ftyp":
        return None if data[8:12] in _IMAGE_BRANDS else "mp4"  # the major brand says still image or not
    if kind in _QUICKTIME_FIRST and struct.unpack(">I", data[:4])[0] >= 8:
        return "mp4"
    return None


def _mpegts(data: bytes) -> bool:
    for offset, packet in ((0, TS_PACKET), (4, 192)):
        positions = range(offset, min(len(data), offset + 4 * packet), packet)
        if len(positions) >= 3 and all(data[p] == 0x47 for p in positions):
            return True
    return False


def sniff_video(data: bytes) -> str | None:
    """``"mp4"``, ``"webm"``, ``"avi"``, ``"mpegts"`` or ``"flv"`` when the bytes open like that video container,
    else None (an image, or nothing we know)."""
    if data.startswith(b"\x1a\x45\xdf\xa3"):
        return "webm"  # EBML: WebM and Matroska
    if len(data) >= 12 and data.startswith(b"RIFF") and data[8:12] in (b"AVI ", b"AVIX"):
        return "avi"
    if data.startswith(b"FLV\x01"):
        return "flv"
    if _mpegts(data):
        return "mpegts"
    return _isobmff(data)
