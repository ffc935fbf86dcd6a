"""The matcher: in-memory exact indexes of the perceptual hashes in every bank, kept current.

A process holds one ``HammingIndex`` per perceptual algorithm (PDQ, vPDQ frames). It starts from
the newest snapshot on disk, replays the bank changes made after that snapshot, then follows new
changes every ``refresh_seconds`` in a background thread: an added hash is matchable, and a
retracted one unmatchable, within seconds and without a rebuild. MD5 and SHA-256 are looked up in
the database, so they are always current. Searching is safe while the refresher updates.
"""

import json
import logging
import os
import shutil
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from childsafe.banks import service
from childsafe.banks.formats import PERCEPTUAL
from childsafe.banks.service import BankInfo
from childsafe.index import HammingIndex, codes_from_hex
from childsafe.store import Database

log = logging.getLogger("childsafe.banks")

SNAPSHOT_EVERY = 500_000  # replayed changes after which the refresher writes a new snapshot
_PAGE = 100_000


@dataclass(frozen=True, slots=True)
class Query:
    """One hash to look up. ``key`` lets the caller tie results back to what it sent."""

    algorithm: str
    value: str
    quality: int | None = None
    key: int = 0


@dataclass(frozen=True, slots=True)
class Hit:
    key: int
    bank: BankInfo
    hash_id: int
    algorithm: str
    value: str  # the bank's hash
    item_id: str
    distance: int
    frame_time: float | None = None


@dataclass
class _State:
    last_hash: int = 0
    last_removal: int = 0
    replayed_since_snapshot: int = 0


@dataclass
class Matcher:
    db: Database
    directory: Path | None = None
    refresh_seconds: float = 1.0
    indexes: dict[str, HammingIndex] = field(default_factory=dict)
    banks: dict[int, BankInfo] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._state = _State()
        self._write = threading.Lock()  # one refresher at a time; searches never take it
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        for algorithm in PERCEPTUAL:
            self.indexes.setdefault(algorithm, HammingIndex())

    # ---- lifecycle --------------------------------------------------------------------------

    def open(self) -> "Matcher":
        """Load the newest snapshot (if any) and catch up with the database.

        A database that is down at start-up does not stop the service from starting (``/healthz``
        says 503 meanwhile); the follower thread catches up once it is back.
        """
        if self.directory is not None:
            self._load_snapshot()
        try:
            self.refresh()
        except SQLAlchemyError:
            log.warning("matcher could not reach the database; it will catch up when it can")
        return self

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._follow, name="childsafe-matcher", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def _follow(self) -> None:
        while not self._stop.wait(self.refresh_seconds):
            try:
                self.refresh()
            except Exception:  # the database may be briefly unreachable; keep serving the last state
                log.warning("matcher refresh failed", exc_info=True)

    # ---- catching up ------------------------------------------------------------------------

    def refresh(self) -> int:
        """Apply bank changes made since the last refresh. Returns how many were applied."""
        with self._write:
            with self.db.transaction() as session:
                self.banks = service.all_banks(session)
                last_hash, last_removal = service.change_marks(session)
            applied = 0
            while self._state.last_hash < last_hash:
                with self.db.transaction() as session:
                    rows = service.perceptual_after(session, self._state.last_hash, last_hash, limit=_PAGE)
                if not rows:
                    self._state.last_hash = last_hash
                    break
                self._add(rows)
                self._state.last_hash = rows[-1][0]
                applied += len(rows)
            while self._state.last_removal < last_removal:
                with self.db.transaction() as session:
                    removals = service.removals_after(session, self._state.last_removal, limit=_PAGE)
                if not removals:
                    break
                for algorithm in PERCEPTUAL:
                    ids = [hash_id for _, hash_id, a in removals if a == algorithm]
                    if ids:
                        self.indexes[algorithm].remove(np.asarray(ids, dtype=np.int64))
                self._state.last_removal = removals[-1][0]
                applied += len(removals)
            self._state.replayed_since_snapshot += applied
            if self.directory is not None and self._state.replayed_since_snapshot >= SNAPSHOT_EVERY:
                self._save_snapshot()
            return applied

    def _add(self, rows: Sequence[tuple[int, int, str, str]]) -> None:
        """Rows are (id, bank id, algorithm, hex) and all newer than anything indexed: ids only grow."""
        for algorithm in PERCEPTUAL:
            chosen = [r for r in rows if r[2] == algorithm]
            if chosen:
                self.indexes[algorithm].add(np.fromiter((r[0] for r in chosen), np.int64, len(chosen)),
                                            codes_from_hex([r[3] for r in chosen]),
                                            np.fromiter((r[1] for r in chosen), np.uint16, len(chosen)))

    @property
    def marks(self) -> tuple[int, int]:
        return self._state.last_hash, self._state.last_removal

    # ---- snapshots --------------------------------------------------------------------------

    def save_snapshot(self) -> Path | None:
        with self._write:
            return self._save_snapshot()

    def _save_snapshot(self) -> Path | None:
        """Write every index into a new folder, then point ``CURRENT`` at it in one rename."""
        if self.directory is None:
            return None
        self.directory.mkdir(parents=True, exist_ok=True)
        name = f"snap-{self._state.last_hash}-{self._state.last_removal}-{os.getpid()}-{time.time_ns()}"
        target = self.directory / name
        for algorithm, index in self.indexes.items():
            index.save(target / algorithm, checkpoint=self._state.last_hash)
        (target / "marks.json").write_text(json.dumps({"last_hash": self._state.last_hash,
                                                       "last_removal": self._state.last_removal}))
        pointer = self.directory / f".CURRENT.{os.getpid()}"
        pointer.write_text(name)
        os.replace(pointer, self.directory / "CURRENT")
        self._state.replayed_since_snapshot = 0
        self._prune(keep=name)
        return target

    def _prune(self, keep: str) -> None:
        assert self.directory is not None
        for old in self.directory.glob("snap-*"):
            if old.name != keep and old.stat().st_mtime < time.time() - 60:  # a reader may still be opening it
                shutil.rmtree(old, ignore_errors=True)

    def _load_snapshot(self) -> bool:
        assert self.directory is not None
        current = self.directory / "CURRENT"
        if not current.is_file():
            return False
        folder = self.directory / current.read_text().strip()
        try:
            marks = json.loads((folder / "marks.json").read_text())
            indexes = {a: HammingIndex.load(folder / a) for a in PERCEPTUAL}
        except (OSError, ValueError) as exc:
            log.warning("ignoring an unreadable index snapshot", extra={"error": type(exc).__name__})
            return False
        with self._write:
            self.indexes = indexes
            self._state = _State(marks["last_hash"], marks["last_removal"])
        return True

    # ---- matching ---------------------------------------------------------------------------

    def search(self, session: Session, queries: Sequence[Query], *,
               banks: Iterable[str] | None = None) -> list[Hit]:
        """Every bank entry within its bank's threshold of a query, enabled banks only.

        Perceptual hashes go to the in-memory index at the largest threshold in play and are then
        held to each bank's own threshold; exact hashes go to the database.
        """
        wanted = set(banks) if banks is not None else None
        live = {b.id: b for b in self.banks.values() if b.enabled and (wanted is None or b.name in wanted)}
        if not live or not queries:
            return []
        hits: list[Hit] = []
        for algorithm in {q.algorithm for q in queries}:
            chosen = [q for q in queries if q.algorithm == algorithm]
            if algorithm in PERCEPTUAL:
                hits.extend(self._perceptual(session, algorithm, chosen, live))
            else:
                hits.extend(self._exact(session, algorithm, chosen, live))
        return hits

    def _perceptual(self, session: Session, algorithm: str, queries: Sequence[Query],
                    live: dict[int, BankInfo]) -> list[Hit]:
        radius = max(b.threshold for b in live.values())
        result = self.indexes[algorithm].search(codes_from_hex([q.value for q in queries]), radius,
                                                tags=sorted(live))
        found = [(int(qi), int(i), int(d), int(t)) for qi, i, d, t in
                 zip(result.query, result.ids, result.distances, result.tags, strict=True)
                 if d <= live[int(t)].threshold]
        rows = service.hashes_by_id(session, (i for _, i, _, _ in found))
        return [Hit(queries[qi].key, live[tag], i, algorithm, rows[i].value, rows[i].item_id, d, rows[i].frame_time)
                for qi, i, d, tag in found if i in rows]  # a row retracted a moment ago is not a hit

    def _exact(self, session: Session, algorithm: str, queries: Sequence[Query],
               live: dict[int, BankInfo]) -> list[Hit]:
        by_value: dict[str, list[Query]] = {}
        for q in queries:
            by_value.setdefault(q.value, []).append(q)
        return [Hit(q.key, live[row.bank_id], row.id, algorithm, row.value, row.item_id, 0)
                for row in service.exact_lookup(session, algorithm, by_value) if row.bank_id in live
                for q in by_value[row.value]]

    def stats(self) -> dict[str, object]:
        return {"algorithms": {a: index.stats() for a, index in self.indexes.items()},
                "last_hash_id": self._state.last_hash, "last_removal_seq": self._state.last_removal}
