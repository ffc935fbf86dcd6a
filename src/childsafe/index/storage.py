"""On-disk format: one ``.npy`` file per array plus ``manifest.json``, replaced atomically as a whole.

A restart loads arrays in bulk (or memory-maps them), so 10M entries come back in seconds instead of being re-read
hash by hash from the database; the caller then replays its changes after ``checkpoint``.

Crash safety: every save writes new files under a fresh name prefix (temp name, fsync, rename), fsyncs the
directory, and only then replaces the manifest the same way. A crash at any point leaves either the old manifest
with all of its files or the new one with all of its files; files no manifest names are deleted afterwards.
"""

import json
import os
import re
import secrets
from pathlib import Path

import numpy as np

from childsafe.index.codes import CODE_BYTES, weights
from childsafe.index.segment import Segment
from childsafe.index.snapshot import Snapshot

FORMAT = "childsafe.hamming-index"
VERSION = 1
MANIFEST = "manifest.json"
_OWN_FILE = re.compile(r"^[0-9a-f]{16}-[a-z0-9_.-]+\.npy$")
_TABLE_ARRAYS = ("offsets", "pos_lo", "pos_hi", "side")
_DTYPES = {"ids": np.int64, "codes": np.uint8, "tags": np.uint16, "offsets": np.uint32, "pos_lo": np.uint16,
           "pos_hi": np.uint8, "side": np.int64, "dead": np.int64}


def save_snapshot(snapshot: Snapshot, directory: Path, *, checkpoint: int, settings: dict) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    prefix = secrets.token_hex(8)
    written: list[str] = []

    def put(name: str, array: np.ndarray) -> str:
        final = f"{prefix}-{name}.npy"
        _write_atomic(directory / final, lambda handle: np.save(handle, np.ascontiguousarray(array)))
        written.append(final)
        return final

    def put_segment(name: str, segment: Segment, dead: np.ndarray) -> dict:
        files = {key: put(f"{name}.{key}", getattr(segment, key)) for key in ("ids", "codes", "tags")}
        if segment.offsets is not None:
            files.update({key: put(f"{name}.{key}", getattr(segment, key)) for key in _TABLE_ARRAYS})
        files["dead"] = put(f"{name}.dead", dead)
        return {"rows": segment.rows, "files": files}

    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "checkpoint": int(checkpoint),
        "entries": snapshot.live,
        "settings": settings,
        "base": [put_segment(f"base{i:05d}", s, d) for i, (s, d) in
                 enumerate(zip(snapshot.base, snapshot.base_dead, strict=True))],
        "delta": put_segment("delta", snapshot.delta, snapshot.delta_dead),
        "tail": {key: put(f"tail.{key}", getattr(snapshot, f"tail_{key}")) for key in ("ids", "codes", "tags")},
    }
    _fsync_directory(directory)
    text = json.dumps(manifest, indent=1, sort_keys=True).encode()
    _write_atomic(directory / MANIFEST, lambda handle: handle.write(text))
    _fsync_directory(directory)
    keep = set(written)
    for path in directory.iterdir():
        if _OWN_FILE.match(path.name) and path.name not in keep:
            path.unlink(missing_ok=True)


def load_snapshot(directory: Path, *, mmap: bool) -> tuple[Snapshot, int, dict]:
    """(snapshot, checkpoint, settings) of a saved index; ValueError if the files are not a valid index."""
    try:
        manifest = json.loads((directory / MANIFEST).read_text())
    except FileNotFoundError:
        raise ValueError(f"no index in {directory}: {MANIFEST} is missing") from None
    except json.JSONDecodeError as error:
        raise ValueError(f"{directory / MANIFEST} is not valid JSON: {error}") from None
    if manifest.get("format") != FORMAT:
        raise ValueError(f"{directory} does not hold a {FORMAT}")
    if manifest.get("version") != VERSION:
        raise ValueError(f"index format version {manifest.get('version')} is not supported (expected {VERSION})")
    mode = "r" if mmap else None

    def get(name: str, kind: str) -> np.ndarray:
        array = np.load(directory / name, mmap_mode=mode, allow_pickle=False)
        if array.dtype != _DTYPES[kind]:
            raise ValueError(f"{name}: dtype {array.dtype}, expected {np.dtype(_DTYPES[kind])}")
        return array

    def get_segment(entry: dict) -> tuple[Segment, np.ndarray]:
        files = entry["files"]
        ids, codes, tags = get(files["ids"], "ids"), get(files["codes"], "codes"), get(files["tags"], "tags")
        n = ids.shape[0]
        if codes.shape != (n, CODE_BYTES) or tags.shape != (n,) or n != entry["rows"]:
            raise ValueError("segment arrays disagree on their row count")
        dead = get(files["dead"], "dead")
        if "offsets" not in files:
            empty = np.empty(0, np.int64)
            return Segment(ids, codes, tags, None, None, None, empty, np.empty((0, CODE_BYTES), np.uint8),
                           np.empty(0, np.int16)), dead
        offsets, pos_lo, pos_hi, side = (get(files[k], k) for k in _TABLE_ARRAYS)
        indexed = n - side.shape[0]
        if offsets.shape != (16, 65537) or pos_lo.shape != (16 * indexed,) or pos_hi.shape != pos_lo.shape:
            raise ValueError("segment tables do not match its rows")
        side_codes = np.ascontiguousarray(codes[side])
        return Segment(ids, codes, tags, offsets, pos_lo, pos_hi, side, side_codes, weights(side_codes)), dead

    base = [get_segment(entry) for entry in manifest["base"]]
    delta, delta_dead = get_segment(manifest["delta"])
    tail = manifest["tail"]
    tail_ids = get(tail["ids"], "ids")
    live = sum(s.rows - d.shape[0] for s, d in [*base, (delta, delta_dead)]) + tail_ids.shape[0]
    if live != manifest["entries"]:
        raise ValueError(f"{directory}: the manifest says {manifest['entries']} entries, the arrays hold {live}")
    snapshot = Snapshot(
        base=tuple(s for s, _ in base), base_dead=tuple(d for _, d in base), delta=delta, delta_dead=delta_dead,
        tail_ids=tail_ids, tail_codes=get(tail["codes"], "codes"), tail_tags=get(tail["tags"], "tags"), live=live,
    )
    return snapshot, int(manifest["checkpoint"]), manifest["settings"]


def _write_atomic(path: Path, write) -> None:
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        with open(temporary, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def _fsync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
