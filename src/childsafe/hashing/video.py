"""vPDQ: one PDQ hash per second of video, and ThreatExchange's whole-video comparison.

``vpdq`` (C++ with FFmpeg's libav* decoding) is the optional ``video`` extra: Debian builds FFmpeg under the GPL,
so nothing here imports it. It runs in a short-lived child process instead (``python -I -c``), which also means a
decoder crash or hang on a hostile file costs that child, never the service: the child is killed at a timeout and
any failure becomes ``InvalidMedia``. Before it runs, ``ffprobe`` (a subprocess with an argument list, no shell,
a timeout, only the ``file`` protocol) must find a video stream in a known container, no longer than
``max_seconds`` and no larger per frame than the image limit; an MP4/MOV whose boxes run past the end of the file
is refused as truncated without decoding anything.

Uploaded bytes are written to a fresh private directory (``tempfile.TemporaryDirectory``, mode 0700) as a file
created with mode 0600, and both are removed when hashing ends, whether it succeeded or not.

The text format is ThreatExchange's ``vpdq/sample-hashes``: ``frame_number,quality,hex,timestamp`` per line.
"""

import importlib.util
import json
import math
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from childsafe.hashing.algorithms import HashValue, register
from childsafe.hashing.images import MAX_PIXELS, InvalidMedia
from childsafe.hashing.pdq import PDQ_MIN_QUALITY, hamming
from childsafe.hashing.sniff import SUFFIX, sniff_video

VIDEO_MAX_BYTES = 200 * 1024 * 1024
VIDEO_MAX_SECONDS = 600
SECONDS_PER_HASH = 1.0
PROBE_TIMEOUT = 30.0
VPDQ_THRESHOLD = 31  # ThreatExchange's VPDQ_DISTANCE_THRESHOLD
VPDQ_QUERY_MATCH = 0.8  # VPDQ_QUERY_MATCH_THRESHOLD_PERCENT / 100
VPDQ_INDEX_MATCH = 0.0  # VPDQ_INDEX_MATCH_THRESHOLD_PERCENT / 100
# FFmpeg's demuxer names for the containers ``sniff_video`` lets through
_CONTAINERS = {"mov,mp4,m4a,3gp,3g2,mj2": "mp4", "matroska,webm": "webm", "avi": "avi", "mpegts": "mpegts",
               "flv": "flv"}
_HEX64 = re.compile(r"^[0-9a-fA-F]{64}$")


class VideoUnsupported(InvalidMedia):
    """Video hashing is not available here (the ``video`` extra or FFmpeg's ``ffprobe`` is missing)."""


@dataclass(frozen=True, slots=True)
class VideoFrame:
    """One vPDQ frame hash: the frame it came from, its time in seconds, the PDQ hash and its quality."""

    frame: int
    timestamp: float
    hex: str
    quality: int

    @property
    def match_eligible(self) -> bool:
        return self.quality >= PDQ_MIN_QUALITY

    def hash_value(self) -> HashValue:
        return HashValue("vpdq", self.hex, self.quality, "original", self.frame, self.timestamp)


@dataclass(frozen=True, slots=True)
class VideoInfo:
    container: str  # one of SUFFIX's keys
    duration: float  # seconds, of the video stream where known
    width: int
    height: int
    codec: str


@dataclass(frozen=True, slots=True)
class VpdqMatch:
    """ThreatExchange's comparison of two frame lists. Shares are fractions 0-1 of the unique, quality-passing
    frame hashes on each side that lie within the distance threshold of some frame on the other side."""

    query_match: float
    index_match: float
    is_match: bool
    query_frames: int  # unique quality-passing frame hashes compared, query side
    index_frames: int  # the same, candidate side

    @property
    def query_match_percent(self) -> float:
        return self.query_match * 100

    @property
    def index_match_percent(self) -> float:
        return self.index_match * 100


# ---------------------------------------------------------------------------------------------------------------
# The frame-list text format.


def parse_vpdq_frames(text: str) -> list[VideoFrame]:
    """Frames from ``frame_number,quality,hex,timestamp`` lines (blank lines are skipped). A malformed line raises
    ``ValueError`` naming its line number."""
    frames = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split(",")]
        try:
            if len(parts) != 4:
                raise ValueError(f"expected 4 comma-separated fields (frame_number,quality,hash,timestamp), "
                                 f"got {len(parts)}")
            frame, quality, value, timestamp = int(parts[0]), int(parts[1]), parts[2], float(parts[3])
            if frame < 0:
                raise ValueError(f"frame number {frame} is negative")
            if not 0 <= quality <= 100:
                raise ValueError(f"quality {quality} is outside 0-100")
            if not _HEX64.match(value):
                raise ValueError("the hash is not 64 hexadecimal digits")
            if not math.isfinite(timestamp) or timestamp < 0:
                raise ValueError(f"timestamp {parts[3]!r} is not a non-negative number of seconds")
        except ValueError as exc:
            raise ValueError(f"vPDQ line {number}: {exc}") from None
        frames.append(VideoFrame(frame, timestamp, value.lower(), quality))
    return frames


def format_vpdq_frames(frames: Iterable[VideoFrame]) -> str:
    """The inverse of ``parse_vpdq_frames``: one line per frame, timestamps to the millisecond."""
    return "".join(f"{f.frame},{f.quality},{f.hex},{f.timestamp:.3f}\n" for f in frames)


# ---------------------------------------------------------------------------------------------------------------
# Comparison.


def _prepared(frames: Iterable[VideoFrame], min_quality: int) -> list[str]:
    """pytx ``prepare_vpdq_feature``: drop frames below the quality floor, then identical hashes."""
    return list(dict.fromkeys(f.hex.lower() for f in frames if f.quality >= min_quality))


def _share_found(hashes: Sequence[str], other: Sequence[int], threshold: int) -> float:
    if not hashes:
        return 0.0
    found = sum(any((int(h, 16) ^ o).bit_count() <= threshold for o in other) for h in hashes)
    return found / len(hashes)


def vpdq_match(query_frames: Iterable[VideoFrame], candidate_frames: Iterable[VideoFrame], *,
               threshold: int = VPDQ_THRESHOLD, min_quality: int = PDQ_MIN_QUALITY,
               query_match: float = VPDQ_QUERY_MATCH, index_match: float = VPDQ_INDEX_MATCH) -> VpdqMatch:
    """ThreatExchange's vPDQ rule (pytx ``VPDQIndex.query`` / ``match_VPDQ_hash_brute``): after dropping frames
    below ``min_quality`` and de-duplicating identical hashes, the share of the query's frames within
    ``threshold`` bits of some candidate frame, and the share of the candidate's frames within ``threshold`` of
    some query frame. A match needs both shares at or above ``query_match`` and ``index_match`` (fractions 0-1;
    ThreatExchange's defaults are 80 % and 0 %). An empty side matches nothing."""
    for name, share in (("query_match", query_match), ("index_match", index_match)):
        if not 0.0 <= share <= 1.0:
            raise ValueError(f"{name} is a fraction between 0 and 1, got {share}")
    query = _prepared(query_frames, min_quality)
    candidate = _prepared(candidate_frames, min_quality)
    query_ints = [int(h, 16) for h in query]
    candidate_ints = [int(h, 16) for h in candidate]
    found_query = _share_found(query, candidate_ints, threshold)
    found_candidate = _share_found(candidate, query_ints, threshold)
    is_match = bool(query and candidate) and found_query >= query_match and found_candidate >= index_match
    return VpdqMatch(found_query, found_candidate, is_match, len(query), len(candidate))


# ---------------------------------------------------------------------------------------------------------------
# Hashing.


def vpdq_available() -> bool:
    """Whether the ``video`` extra (the ``vpdq`` package) is installed; found without importing it."""
    return importlib.util.find_spec("vpdq") is not None


def _unsupported_reason() -> str | None:
    if not vpdq_available():
        return ("video hashing needs the optional 'video' extra (pip install 'childsafe[video]'), "
                "which is not installed")
    if shutil.which("ffprobe") is None:
        return "video hashing needs FFmpeg's ffprobe on the PATH, which was not found"
    return None


def _check_boxes(path: Path, size: int) -> None:
    """An ISO base media file (MP4/MOV) whose top-level boxes run past the end of the file is truncated."""
    offset, boxes = 0, 0
    with open(path, "rb") as handle:
        while offset < size and boxes < 100_000:
            handle.seek(offset)
            header = handle.read(16)
            if len(header) < 8:
                raise InvalidMedia("the video is truncated (it ends inside a box header)", field="media")
            box_size, kind = struct.unpack(">I4s", header[:8])
            if box_size == 1:
                if len(header) < 16:
                    raise InvalidMedia("the video is truncated (it ends inside a box header)", field="media")
                box_size = struct.unpack(">Q", header[8:16])[0]
            elif box_size == 0:
                return  # this box runs to the end of the file
            if box_size < 8:
                raise InvalidMedia(f"the video is corrupt (a box of {box_size} bytes)", field="media")
            if offset + box_size > size:
                name = kind.decode("latin-1")
                raise InvalidMedia(f"the video is truncated: its {name!r} box needs {offset + box_size} bytes, "
                                   f"the file has {size}", field="media")
            offset += box_size
            boxes += 1


def _number(value: object) -> float | None:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) and number >= 0 else None


def probe_video(path: Path, *, timeout: float = PROBE_TIMEOUT) -> VideoInfo:
    """Container, duration and first video stream of a file, from ``ffprobe``; ``InvalidMedia`` when it has none."""
    ffprobe = shutil.which("ffprobe")
    if ffprobe is None:
        raise VideoUnsupported(_unsupported_reason() or "ffprobe not found", field="media")
    command = [ffprobe, "-v", "error", "-protocol_whitelist", "file",
               "-show_entries", "format=format_name,duration:stream=codec_type,codec_name,width,height,duration"
               ":stream_disposition=attached_pic", "-of", "json", f"file:{path.resolve()}"]
    try:
        done = subprocess.run(command, capture_output=True, timeout=timeout, check=False,  # noqa: S603
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise InvalidMedia(f"reading the video's header took longer than {timeout:.0f} s", field="media") from None
    try:
        info = json.loads(done.stdout or b"{}")
    except ValueError:
        info = {}
    fmt = info.get("format") or {}
    if done.returncode != 0 or not fmt:
        raise InvalidMedia("the file is not a video we can read (corrupt, truncated or an unknown container)",
                           field="media")
    container = _CONTAINERS.get(str(fmt.get("format_name", "")))
    if container is None:
        raise InvalidMedia(f"the video container {fmt.get('format_name')!r} is not accepted "
                           "(MP4/MOV, WebM/Matroska, AVI, MPEG-TS, FLV)", field="media")
    streams = [s for s in info.get("streams") or [] if s.get("codec_type") == "video"
               and not (s.get("disposition") or {}).get("attached_pic")]
    if not streams:
        raise InvalidMedia("the file has no video stream", field="media")
    stream = streams[0]
    width, height = int(_number(stream.get("width")) or 0), int(_number(stream.get("height")) or 0)
    if width <= 0 or height <= 0:
        raise InvalidMedia("the video stream has no frame size (corrupt or unsupported codec)", field="media")
    if width * height > MAX_PIXELS:
        raise InvalidMedia(f"the video's frames are {width}x{height}, more than {MAX_PIXELS} pixels allowed",
                           field="media")
    duration = _number(stream.get("duration"))
    if duration is None:
        duration = _number(fmt.get("duration"))
    if duration is None:
        raise InvalidMedia("the video's duration cannot be read from its header", field="media")
    return VideoInfo(container, duration, width, height, str(stream.get("codec_name", "")))


_MARK = "childsafe-vpdq-result: "
# The child process: imports only vpdq, prints the frames as JSON on a line of its own. -I keeps PYTHON* variables
# and the working directory out of its import path.
_CHILD = """
import json, resource, sys
def say(result, code):
    sys.stdout.write("\\n" + MARK + json.dumps(result) + "\\n")
    sys.stdout.flush()
    sys.exit(code)
limit = int(sys.argv[4])
hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
if hard != resource.RLIM_INFINITY:
    limit = min(limit, hard)
resource.setrlimit(resource.RLIMIT_CPU, (limit, hard))
try:
    import vpdq
except Exception as exc:
    say({"unavailable": f"{type(exc).__name__}: {exc}"}, 3)
try:
    features = vpdq.computeHash(sys.argv[1], seconds_per_hash=float(sys.argv[2]), thread_count=int(sys.argv[3]))
except Exception as exc:
    say({"error": f"{type(exc).__name__}: {exc}"}, 2)
say({"frames": [[f.frame_number, f.timestamp, f.hex, f.quality] for f in features]}, 0)
""".replace("MARK", repr(_MARK))


def _run_vpdq(path: Path, seconds_per_hash: float, threads: int, timeout: float) -> list[VideoFrame]:
    cpu_limit = int(timeout * (threads if threads > 0 else os.cpu_count() or 1)) + 10  # RLIMIT_CPU: all threads
    command = [sys.executable, "-I", "-c", _CHILD, str(path.resolve()), repr(float(seconds_per_hash)),
               str(int(threads)), str(cpu_limit)]
    try:
        done = subprocess.run(command, capture_output=True, timeout=timeout, check=False,  # noqa: S603
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise InvalidMedia(f"hashing the video took longer than {timeout:.0f} s", field="media") from None
    lines = [line for line in done.stdout.decode("utf-8", "replace").splitlines() if line.startswith(_MARK)]
    try:
        result = json.loads(lines[-1].removeprefix(_MARK))  # vpdq may print its own lines too
    except (ValueError, IndexError):
        result = {}
    if done.returncode == 3 and "unavailable" in result:
        raise VideoUnsupported(f"the 'video' extra is installed but vpdq cannot load: {result['unavailable']}",
                               field="media")
    if done.returncode != 0 or not isinstance(result.get("frames"), list):
        how = f"the decoder stopped with signal {-done.returncode}" if done.returncode < 0 else "decoding failed"
        raise InvalidMedia(f"the video is corrupt, truncated or in a codec we cannot decode ({how})", field="media")
    try:
        return [VideoFrame(int(n), float(t), str(h).lower(), int(q)) for n, t, h, q in result["frames"]]
    except (TypeError, ValueError):
        raise InvalidMedia("the video decoder returned malformed output", field="media") from None


def hash_video_file(path: str | Path, *, max_seconds: float = VIDEO_MAX_SECONDS, max_bytes: int = VIDEO_MAX_BYTES,
                    seconds_per_hash: float = SECONDS_PER_HASH, threads: int = 1,
                    timeout: float | None = None) -> list[VideoFrame]:
    """vPDQ frame hashes of a video file, one per ``seconds_per_hash`` (1 s), after the checks above.

    ``timeout`` bounds the decoder's wall time (default 60 s plus twice the video's duration); ``threads`` is
    vpdq's ``thread_count`` (1 keeps one request on one core; 0 lets it choose)."""
    reason = _unsupported_reason()
    if reason:
        raise VideoUnsupported(reason, field="media")
    path = Path(path)
    try:
        stat = path.stat()
    except OSError:
        raise InvalidMedia("the video file cannot be read", field="media") from None
    if not path.is_file():
        raise InvalidMedia("the video is not a regular file", field="media")
    if stat.st_size == 0:
        raise InvalidMedia("the file is empty (0 bytes)", field="media")
    if stat.st_size > max_bytes:
        raise InvalidMedia(f"the video is larger than {max_bytes} bytes", field="media")
    with open(path, "rb") as handle:
        head = handle.read(1024)
    container = sniff_video(head)
    if container is None:
        raise InvalidMedia("the file is not a video container we accept (MP4/MOV, WebM/Matroska, AVI, MPEG-TS, "
                           "FLV)", field="media")
    if container == "mp4":
        _check_boxes(path, stat.st_size)
    info = probe_video(path)
    if info.duration > max_seconds:
        raise InvalidMedia(f"the video is {info.duration:.1f} s long, more than the {max_seconds:g} s allowed",
                           field="media")
    frames = _run_vpdq(path, seconds_per_hash, threads, timeout if timeout is not None else 60 + 2 * info.duration)
    if not frames:
        raise InvalidMedia("no frame of the video could be decoded", field="media")
    missing = info.duration - frames[-1].timestamp
    if missing > max(3.0, 2 * seconds_per_hash, 0.2 * info.duration):
        raise InvalidMedia(f"the video is truncated or partly corrupt: frames decode to {frames[-1].timestamp:.1f} s "
                           f"of {info.duration:.1f} s", field="media")
    return frames


def hash_video_bytes(data: bytes, *, max_seconds: float = VIDEO_MAX_SECONDS, max_bytes: int = VIDEO_MAX_BYTES,
                     seconds_per_hash: float = SECONDS_PER_HASH, threads: int = 1, timeout: float | None = None,
                     work_dir: str | Path | None = None) -> list[VideoFrame]:
    """``hash_video_file`` on uploaded bytes, through a private temporary copy that is always removed.
    ``work_dir`` is where the temporary directory goes (default: the system's temporary directory)."""
    reason = _unsupported_reason()
    if reason:
        raise VideoUnsupported(reason, field="media")
    if not data:
        raise InvalidMedia("the file is empty (0 bytes)", field="media")
    if len(data) > max_bytes:
        raise InvalidMedia(f"the video is larger than {max_bytes} bytes", field="media")
    container = sniff_video(data[:1024])
    if container is None:
        raise InvalidMedia("the file is not a video container we accept (MP4/MOV, WebM/Matroska, AVI, MPEG-TS, "
                           "FLV)", field="media")
    with tempfile.TemporaryDirectory(prefix="childsafe-video-", dir=work_dir) as folder:
        path = Path(folder) / f"upload{SUFFIX[container]}"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        return hash_video_file(path, max_seconds=max_seconds, max_bytes=max_bytes, seconds_per_hash=seconds_per_hash,
                               threads=threads, timeout=timeout)


class Vpdq:
    """vPDQ behind the ``HashAlgorithm`` seam: ``hash_bytes`` gives one ``HashValue`` per frame hash, with its frame
    number and timestamp. Registered only where the ``video`` extra is installed."""

    name = "vpdq"
    hex_length = 64
    default_threshold = VPDQ_THRESHOLD

    def __init__(self, *, max_seconds: float = VIDEO_MAX_SECONDS) -> None:
        self.max_seconds = max_seconds

    def hash_bytes(self, data: bytes, *, dihedral: bool = False) -> list[HashValue]:
        return [f.hash_value() for f in hash_video_bytes(data, max_seconds=self.max_seconds)]

    def distance(self, a: str, b: str) -> int:
        return hamming(a, b)


if vpdq_available():
    register(Vpdq())
