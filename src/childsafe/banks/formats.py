"""Hash-list file formats the field exchanges, read as a stream with line numbers and byte offsets.

Supported:
- ``plain``: ``hash[,id]`` per line (the algorithm comes from the caller, or from the length for MD5);
- ``pytx``: python-threatexchange's local-file format, ``signal_type signal`` per line;
- ``csv``: HMA / ThreatExchange CSV exports with a header naming the signal type and value columns;
- ``vpdq``: a vPDQ frame list (``frame,quality,hex,timestamp``), one file per video.

Blank lines and ``#`` comments are skipped everywhere. A malformed line never stops the reader:
it comes out as a ``Malformed`` record so the importer can report it (or abort under ``--strict``).
"""

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from childsafe.errors import InvalidInput

FORMATS = ("auto", "plain", "pytx", "csv", "vpdq")
HEX_LENGTH = {"md5": 32, "sha256": 64, "pdq": 64, "vpdq": 64}  # what a bank can hold
PERCEPTUAL = frozenset({"pdq", "vpdq"})  # matched by distance; the others exactly
_HEX = frozenset("0123456789abcdef")


def known_algorithm(name: str) -> str:
    if name not in HEX_LENGTH:
        raise InvalidInput(f"banks hold {', '.join(HEX_LENGTH)} hashes, not {name!r}", field="algorithm")
    return name


def canonical(algorithm: str, value: str) -> str:
    """The lower-case hex form, or a clear error saying what is wrong with the value."""
    cleaned = value.strip().lower()
    length = HEX_LENGTH[known_algorithm(algorithm)]
    if len(cleaned) != length or not _HEX.issuperset(cleaned):
        raise InvalidInput(f"a {algorithm} hash is {length} hexadecimal digits; got {len(cleaned)} characters"
                           + ("" if _HEX.issuperset(cleaned) else " including non-hex ones"), field="hash")
    return cleaned

# Signal-type names used by HMA/pytx, ThreatExchange and NCMEC, mapped to ours.
SIGNAL_TYPES = {
    "pdq": "pdq", "hash_pdq": "pdq", "photo_pdq": "pdq", "imagepdq": "pdq",
    "md5": "md5", "video_md5": "md5", "hash_md5": "md5", "photo_md5": "md5", "videomd5": "md5",
    "hash_video_md5": "md5",
    "sha256": "sha256", "hash_sha256": "sha256", "sha-256": "sha256",
    "vpdq": "vpdq", "hash_vpdq": "vpdq",
}
_TYPE_COLUMNS = ("signal_type", "type", "hash_type", "indicator_type", "fingerprint_type", "algorithm")
_VALUE_COLUMNS = ("signal", "signal_value", "hash", "indicator", "hash_value", "value", "fingerprint")
_ID_COLUMNS = ("id", "content_id", "bank_content_id", "external_id", "item_id", "descriptor_id")


@dataclass(frozen=True, slots=True)
class Entry:
    line: int
    algorithm: str
    value: str
    item_id: str = ""
    quality: int | None = None
    frame_time: float | None = None


@dataclass(frozen=True, slots=True)
class Malformed:
    line: int
    reason: str


@dataclass(frozen=True, slots=True)
class Position:
    """Where the reader is after a line: a resume point."""

    line: int
    offset: int


Record = Entry | Malformed


def signal_type(name: str) -> str:
    try:
        return SIGNAL_TYPES[name.strip().lower()]
    except KeyError:
        raise InvalidInput(f"unknown signal type {name.strip()!r}", field="signal_type") from None


def detect(path: Path) -> str:
    """Guess the format from the first meaningful line."""
    with path.open("rb") as handle:
        for raw in handle:
            line = raw.decode("utf-8", "replace").strip()
            if not line or line.startswith("#"):
                continue
            lowered = line.lower()
            fields = line.split(",")
            if any(col in {f.strip().lower() for f in fields} for col in _VALUE_COLUMNS):
                return "csv"
            if len(fields) == 4 and len(fields[2].strip()) == 64:
                return "vpdq"
            if " " in line and lowered.split(" ", 1)[0] in SIGNAL_TYPES:
                return "pytx"
            return "plain"
    return "plain"


def read(path: Path, fmt: str, *, algorithm: str | None = None, item_id: str | None = None,
         start: Position | None = None) -> Iterator[tuple[Record, Position]]:
    """Every record in the file with the position just after it, from ``start`` if resuming."""
    if fmt == "auto":
        fmt = detect(path)
    if fmt not in FORMATS:
        raise InvalidInput(f"unknown format {fmt!r}; known: {', '.join(FORMATS)}", field="format")
    if algorithm is not None:
        known_algorithm(algorithm)  # a clear error for an unknown name, before reading anything
    with path.open("rb") as handle:
        header: list[str] | None = None
        if fmt == "csv":
            header, header_line, header_end = _read_header(handle)
            if start is None:
                start = Position(header_line, header_end)
        line, offset = (start.line, start.offset) if start else (0, 0)
        handle.seek(offset)
        video_id = item_id or path.stem.removesuffix(".vpdq")
        for raw in handle:
            line += 1
            offset += len(raw)
            record = _parse(raw, line, fmt, header=header, algorithm=algorithm, video_id=video_id)
            if record is not None:
                yield record, Position(line, offset)


def _read_header(handle: BinaryIO) -> tuple[list[str], int, int]:
    offset = 0
    for line, raw in enumerate(handle, start=1):
        offset += len(raw)
        text = raw.decode("utf-8", "replace").strip()
        if text and not text.startswith("#"):
            return [c.strip().lower() for c in next(csv.reader([text]))], line, offset
    raise InvalidInput("the CSV file has no header line", field="file")


def _parse(raw: bytes, line: int, fmt: str, *, header: list[str] | None, algorithm: str | None,
           video_id: str) -> Record | None:
    try:
        text = raw.decode("utf-8").strip()
    except UnicodeDecodeError:
        return Malformed(line, "not valid UTF-8")
    if not text or text.startswith("#"):
        return None
    try:
        if fmt == "plain":
            return _plain(text, line, algorithm)
        if fmt == "pytx":
            kind, _, value = text.partition(" ")
            return _entry(line, signal_type(kind), value.strip(), "")
        if fmt == "csv":
            assert header is not None
            return _csv_row(text, line, header, algorithm)
        return _frame(text, line, video_id)
    except InvalidInput as exc:
        return Malformed(line, exc.detail)
    except ValueError as exc:
        return Malformed(line, str(exc))


def _entry(line: int, algorithm: str, value: str, item_id: str, **extra: object) -> Entry:
    item_id = item_id.strip()
    if len(item_id) > 200:
        raise ValueError("the id is longer than 200 characters")
    return Entry(line, algorithm, canonical(algorithm, value), item_id, **extra)  # type: ignore[arg-type]


def _plain(text: str, line: int, algorithm: str | None) -> Entry:
    value, _, item = text.partition(",")
    value = value.strip()
    name = algorithm or ("md5" if len(value) == 32 else None)
    if name is None:
        raise ValueError("say which algorithm this list holds (--algorithm): a 64-digit hash may be PDQ or SHA-256")
    return _entry(line, name, value, item)


def _csv_row(text: str, line: int, header: list[str], algorithm: str | None) -> Entry:
    row = next(csv.reader(io.StringIO(text)))
    cells = dict(zip(header, (c.strip() for c in row), strict=False))
    kind = next((cells[c] for c in _TYPE_COLUMNS if cells.get(c)), None)
    value = next((cells[c] for c in _VALUE_COLUMNS if cells.get(c)), None)
    if value is None:
        raise ValueError(f"no hash value in the columns {', '.join(c for c in header if c in _VALUE_COLUMNS)}")
    name = signal_type(kind) if kind else algorithm
    if name is None:
        raise ValueError("no signal type column and no --algorithm given")
    return _entry(line, name, value, next((cells[c] for c in _ID_COLUMNS if cells.get(c)), ""))


def _frame(text: str, line: int, video_id: str) -> Entry:
    parts = [p.strip() for p in text.split(",")]
    if len(parts) != 4:
        raise ValueError("a vPDQ frame line is frame_number,quality,hash,timestamp")
    frame, quality, value, timestamp = parts
    if not frame.isdigit():
        raise ValueError(f"frame number {frame!r} is not a whole number")
    if not quality.isdigit() or int(quality) > 100:
        raise ValueError(f"quality {quality!r} is not 0-100")
    seconds = float(timestamp)
    if not 0 <= seconds < 10**7:
        raise ValueError(f"timestamp {timestamp!r} is out of range")
    return _entry(line, "vpdq", value, video_id, quality=int(quality), frame_time=seconds)
