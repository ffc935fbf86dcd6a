"""HammingIndex: exact radius search over 256-bit codes with incremental add/remove, safe under concurrent reads.

See ``snapshot.py`` for the levels and the concurrency rule, ``segment.py`` for the tables and why the search is
exact, and ``storage.py`` for the on-disk format.
"""

import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from childsafe.index.codes import CODE_BYTES, as_codes, as_ids, as_radius, as_tag_filter, as_tags, weights
from childsafe.index.kernels import brute_force
from childsafe.index.memory import release_free_memory
from childsafe.index.result import SearchResult
from childsafe.index.segment import (
    MAX_SEGMENT_ROWS,
    Segment,
    build_segment,
    empty_segment,
    merge_segment,
    search_segment,
)
from childsafe.index.snapshot import Snapshot

DEFAULT_SEGMENT_ROWS = 1 << 21  # 2M rows: ~190 MB per segment; a compaction holds at most one extra segment
TAIL_ROWS = 2048  # newest additions scanned by brute force (~10 us per query) before they are indexed
QUERY_BATCH = 16  # queries per vectorised pass: ~130k candidates per 2M-row segment at radius 31 (16 measured
# faster than 32 or 64 at 10M: the temporaries of one pass stay in the L3 cache)
DEAD_SHARE = 64  # automatic compaction rewrites a segment for its tombstones once 1/64 of its rows are dead


class HammingIndex:
    """Exact Hamming-radius index of (id, 256-bit code, uint16 tag) entries.

    Writers (add, remove, compact) are serialised by a lock; searches take no lock and see a consistent snapshot
    (see ``snapshot.py``). An add or remove is visible to every search that starts after it returns.
    """

    def __init__(self, *, delta_limit: int = 200_000, segment_rows: int = DEFAULT_SEGMENT_ROWS) -> None:
        if delta_limit < 1:
            raise ValueError("delta_limit must be at least 1")
        if not 1 <= segment_rows <= MAX_SEGMENT_ROWS:
            raise ValueError(f"segment_rows must be in 1..{MAX_SEGMENT_ROWS}")
        self.delta_limit = int(delta_limit)
        self.segment_rows = int(segment_rows)
        self.tail_limit = min(TAIL_ROWS, self.delta_limit)
        # A bucket 16x the uniform mean is "oversized": its rows go to the brute-forced side set (segment.py).
        self.bucket_cap = max(64, 16 * self.segment_rows // (1 << 16))
        self._snapshot = Snapshot()
        self._write_lock = threading.Lock()
        self._save_lock = threading.Lock()
        self._checkpoint = 0

    # -- reading -----------------------------------------------------------------------------------------------

    def __len__(self) -> int:
        return self._snapshot.live

    def __contains__(self, id: object) -> bool:
        if isinstance(id, bool) or not isinstance(id, int | np.integer):
            return False
        if not np.iinfo(np.int64).min <= int(id) <= np.iinfo(np.int64).max:
            return False
        return bool(self._snapshot.locate(np.array([id], dtype=np.int64)).found[0])

    def search(
        self, codes: np.ndarray, radius: int = 31, *, tags: Sequence[int] | Iterable[int] | None = None
    ) -> SearchResult:
        """Every live entry within ``radius`` bits of each query row, optionally only entries with these tags."""
        queries = as_codes(codes, "codes")
        radius = as_radius(radius)
        allowed = as_tag_filter(tags)
        snapshot = self._snapshot
        if queries.shape[0] == 0 or snapshot.live == 0 or (allowed is not None and allowed.size == 0):
            return SearchResult.empty()
        query_weights = weights(queries)
        parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
        levels = [*zip(snapshot.base, snapshot.base_dead, strict=True), (snapshot.delta, snapshot.delta_dead)]
        for start in range(0, queries.shape[0], QUERY_BATCH):
            batch = queries[start : start + QUERY_BATCH]
            batch_weights = query_weights[start : start + QUERY_BATCH]
            for segment, dead in levels:
                query, rows, dist = search_segment(segment, batch, batch_weights, radius)
                parts.append(_live(segment, dead, query + start, rows, dist))
            if snapshot.tail_ids.size:
                rows, query, dist = brute_force(snapshot.tail_codes, batch, radius)
                parts.append((query + start, snapshot.tail_ids[rows], dist, snapshot.tail_tags[rows]))
        return _result(parts, allowed)

    @property
    def checkpoint(self) -> int:
        """The caller's change-log position this index reflects (saved with it; 0 for a new index)."""
        return self._checkpoint

    @checkpoint.setter
    def checkpoint(self, value: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int | np.integer):
            raise ValueError("checkpoint must be an integer")
        self._checkpoint = int(value)

    def stats(self) -> dict:
        """Counts and approximate array memory; ``base``/``delta`` count stored rows, dead ones included."""
        s = self._snapshot
        return {
            "entries": s.live,
            "base": sum(seg.rows for seg in s.base),
            "delta": s.delta.rows + s.tail_ids.shape[0],
            "tombstones": s.tombstones,
            "segments": len(s.base),
            "side": sum(seg.side.shape[0] for seg in s.base) + s.delta.side.shape[0],
            "bytes": s.nbytes,
        }

    # -- writing -----------------------------------------------------------------------------------------------

    def add(self, ids: np.ndarray, codes: np.ndarray, tags: np.ndarray | None = None) -> None:
        """Add entries; ValueError (and no change) on bad input or an id that is already present."""
        ids = as_ids(ids)
        codes = as_codes(codes)
        if codes.shape[0] != ids.shape[0]:
            raise ValueError(f"got {ids.shape[0]} ids but {codes.shape[0]} codes")
        tags = as_tags(tags, ids.shape[0])
        if ids.size == 0:
            return
        unique, counts = np.unique(ids, return_counts=True)
        if unique.shape[0] != ids.shape[0]:
            raise ValueError(f"duplicate ids in the batch: {unique[counts > 1][:10].tolist()}")
        with self._write_lock:
            snapshot = self._snapshot
            present = snapshot.locate(unique).found
            if present.any():
                raise ValueError(f"ids already present: {unique[present][:10].tolist()}")
            # Every path below copies (concatenate, merge, gather), so the caller may reuse its arrays afterwards.
            if snapshot.tail_ids.shape[0] + ids.shape[0] <= self.tail_limit:
                self._publish(snapshot.with_changes(
                    tail_ids=np.concatenate([snapshot.tail_ids, ids]),
                    tail_codes=np.concatenate([snapshot.tail_codes, codes]),
                    tail_tags=np.concatenate([snapshot.tail_tags, tags]),
                    live=snapshot.live + ids.shape[0],
                ))
            elif snapshot.pending + ids.shape[0] <= self.delta_limit:
                self._publish(self._fold_tail(snapshot, ids, codes, tags))
                release_free_memory()
            else:
                self._compact(ids, codes, tags, drop_all_tombstones=False)

    def remove(self, ids: np.ndarray | Sequence[int]) -> int:
        """Remove entries by id; returns how many were present (unknown ids are ignored)."""
        ids = np.unique(as_ids(ids))
        if ids.size == 0:
            return 0
        with self._write_lock:
            snapshot = self._snapshot
            where = snapshot.locate(ids)
            count = int(where.found.sum())
            if count == 0:
                return 0
            base_dead = list(snapshot.base_dead)
            for i, rows in where.base_rows.items():
                base_dead[i] = np.union1d(base_dead[i], rows)
            keep_tail = np.ones(snapshot.tail_ids.shape[0], dtype=bool)
            keep_tail[where.tail_at] = False
            self._publish(snapshot.with_changes(
                base_dead=tuple(base_dead),
                delta_dead=np.union1d(snapshot.delta_dead, where.delta_rows),
                tail_ids=snapshot.tail_ids[keep_tail],
                tail_codes=snapshot.tail_codes[keep_tail],
                tail_tags=snapshot.tail_tags[keep_tail],
                live=snapshot.live - count,
            ))
            if self._snapshot.tombstones > self.delta_limit:
                self._compact(None, None, None, drop_all_tombstones=True)
            return count

    def compact(self) -> None:
        """Merge the delta and tail into the base and drop every tombstone (segments without changes are kept)."""
        with self._write_lock:
            s = self._snapshot
            if s.pending or s.tombstones:
                self._compact(None, None, None, drop_all_tombstones=True)

    # -- persistence -------------------------------------------------------------------------------------------

    def save(self, directory: str | Path, *, checkpoint: int = 0) -> None:
        """Write the current snapshot to ``directory`` atomically (see storage.py) with the caller's checkpoint."""
        from childsafe.index.storage import save_snapshot

        if isinstance(checkpoint, bool) or not isinstance(checkpoint, int | np.integer):
            raise ValueError("checkpoint must be an integer")
        with self._save_lock:
            save_snapshot(self._snapshot, Path(directory), checkpoint=int(checkpoint),
                          settings={"delta_limit": self.delta_limit, "segment_rows": self.segment_rows})
            self._checkpoint = int(checkpoint)

    @classmethod
    def load(cls, directory: str | Path, *, mmap: bool = False) -> "HammingIndex":
        """Open a saved index; arrays are read in bulk (or memory-mapped read-only with ``mmap=True``)."""
        from childsafe.index.storage import load_snapshot

        snapshot, checkpoint, settings = load_snapshot(Path(directory), mmap=mmap)
        index = cls(delta_limit=int(settings["delta_limit"]), segment_rows=int(settings["segment_rows"]))
        index._snapshot = snapshot
        index._checkpoint = checkpoint
        return index

    # -- internals ---------------------------------------------------------------------------------------------

    def _publish(self, snapshot: Snapshot) -> None:
        self._snapshot = snapshot  # a single reference store: readers see the old or the new state, never a mix

    def _fold_tail(self, snapshot: Snapshot, ids: np.ndarray, codes: np.ndarray, tags: np.ndarray) -> Snapshot:
        """Merge the tail and a batch into the delta segment (its tombstones go at the same time)."""
        add_ids = np.concatenate([snapshot.tail_ids, ids])
        order = np.argsort(add_ids, kind="stable")
        delta = merge_segment(snapshot.delta, snapshot.delta_dead, add_ids[order],
                              np.concatenate([snapshot.tail_codes, codes])[order],
                              np.concatenate([snapshot.tail_tags, tags])[order], self.bucket_cap)
        return snapshot.with_changes(
            delta=delta, delta_dead=np.empty(0, np.int64), tail_ids=np.empty(0, np.int64),
            tail_codes=np.empty((0, codes.shape[1]), np.uint8), tail_tags=np.empty(0, np.uint16),
            live=snapshot.live + ids.shape[0],
        )

    def _compact(
        self, ids: np.ndarray | None, codes: np.ndarray | None, tags: np.ndarray | None, *, drop_all_tombstones: bool
    ) -> None:
        """Merge delta, tail and an optional new batch into the base, publishing after each rewritten segment.

        Called with the write lock held. Each intermediate snapshot holds every live entry exactly once (what was
        merged into a segment is tombstoned in the delta or cut from the tail in the same snapshot), so searches
        running meanwhile stay exact, and at most one old segment is alive beside its replacement.
        """
        work = _Additions.collect(self._snapshot, ids, codes, tags)
        snapshot = self._snapshot
        base = list(snapshot.base)
        dead = list(snapshot.base_dead)
        if not base:
            base, dead = [empty_segment()], [np.empty(0, np.int64)]
        segment_of = np.searchsorted(np.array([s.ids[0] for s in base[1:]], dtype=np.int64), work.ids, side="right")
        bounds = np.searchsorted(segment_of, np.arange(len(base) + 1))
        i, old_count = 0, len(base)
        for old_index in range(old_count):
            segment, segment_dead = base[i], dead[i]
            take = slice(int(bounds[old_index]), int(bounds[old_index + 1]))
            has_dead = segment_dead.size > 0 and (drop_all_tombstones or segment_dead.size * DEAD_SHARE >= segment.rows)
            if take.start == take.stop and not has_dead:
                i += 1
                continue
            pieces = self._rewrite(segment, segment_dead, work, take, last=old_index == old_count - 1)
            base[i : i + 1] = pieces
            dead[i : i + 1] = [np.empty(0, np.int64)] * len(pieces)
            i += len(pieces)
            snapshot = work.moved(self._snapshot, take, base, dead)
            self._publish(snapshot)
        self._publish(work.finish(self._snapshot))
        del work, base, dead, snapshot
        release_free_memory()

    def _rewrite(self, segment: Segment, dead: np.ndarray, work: "_Additions", take: slice, *, last: bool
                 ) -> list[Segment]:
        """The segment with its changes applied: merged table by table when it fits, else split into pieces.

        Pieces are gathered straight from the old segment and the (unsorted) sources of the additions, so a bulk
        load or a large split never holds a second full copy of the rows.
        """
        count = take.stop - take.start
        if segment.rows - dead.shape[0] + count <= self.segment_rows:
            merged = merge_segment(segment, dead, *work.rows(take), self.bucket_cap)
            return [merged] if merged.rows else []
        keep = np.ones(segment.rows, dtype=bool)
        keep[dead] = False
        kept = np.flatnonzero(keep)
        add_ids = work.ids[take]
        n = kept.shape[0] + count
        is_new = np.zeros(n, dtype=bool)
        is_new[np.searchsorted(segment.ids[kept], add_ids) + np.arange(count)] = True
        new_before = np.concatenate([[0], np.cumsum(is_new)])
        pieces = -(-n // self.segment_rows)
        # Appends (ids above the base) fill pieces to the cap so the last one keeps growing; inserts in the middle
        # split evenly so both halves have room.
        size = self.segment_rows if last else -(-n // pieces)
        out = []
        for start in range(0, n, size):
            stop = min(n, start + size)
            new = is_new[start:stop]
            a0, a1 = int(new_before[start]), int(new_before[stop])
            old = kept[start - a0 : stop - a1]
            ids, codes, tags = (np.empty(stop - start, np.int64), np.empty((stop - start, CODE_BYTES), np.uint8),
                                np.empty(stop - start, np.uint16))
            new_ids, new_codes, new_tags = work.rows(slice(take.start + a0, take.start + a1))
            ids[new], codes[new], tags[new] = new_ids, new_codes, new_tags
            ids[~new], codes[~new], tags[~new] = segment.ids[old], segment.codes[old], segment.tags[old]
            out.append(build_segment(ids, codes, tags, self.bucket_cap))
        return out


class _Additions:
    """Entries that a compaction moves into the base, sorted by id, and where each one currently lives.

    Sources are concatenated as [delta live rows][tail][new batch]; when only a new batch is present (the bulk
    load of an empty index) it is used in place, so building 10M entries needs no second copy of the codes.
    """

    def __init__(self, ids: np.ndarray, codes: np.ndarray, tags: np.ndarray, order: np.ndarray,
                 delta_rows: np.ndarray, tail_count: int) -> None:
        self.ids = ids[order]
        self._codes, self._tags, self._order = codes, tags, order
        self._delta_rows = delta_rows  # source i < len(delta_rows) is delta row delta_rows[i]
        self._tail_end = delta_rows.shape[0] + tail_count

    @classmethod
    def collect(cls, snapshot: Snapshot, ids: np.ndarray | None, codes: np.ndarray | None,
                tags: np.ndarray | None) -> "_Additions":
        delta = snapshot.delta
        keep = np.ones(delta.rows, dtype=bool)
        keep[snapshot.delta_dead] = False
        delta_rows = np.flatnonzero(keep)
        parts_ids = [delta.ids[delta_rows], snapshot.tail_ids]
        parts_codes = [delta.codes[delta_rows], snapshot.tail_codes]
        parts_tags = [delta.tags[delta_rows], snapshot.tail_tags]
        if ids is not None and codes is not None and tags is not None:
            parts_ids.append(ids)
            parts_codes.append(codes)
            parts_tags.append(tags)
        if sum(p.shape[0] for p in parts_ids[:2]) == 0 and len(parts_ids) == 3:
            all_ids, all_codes, all_tags = parts_ids[2], parts_codes[2], parts_tags[2]
        else:
            all_ids = np.concatenate(parts_ids)
            all_codes = np.concatenate(parts_codes)
            all_tags = np.concatenate(parts_tags)
        order = np.argsort(all_ids, kind="stable")
        return cls(all_ids, all_codes, all_tags, order, delta_rows, snapshot.tail_ids.shape[0])

    def rows(self, take: slice) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        picked = self._order[take]
        return self.ids[take], self._codes[picked], self._tags[picked]

    def moved(self, snapshot: Snapshot, take: slice, base: list[Segment], dead: list[np.ndarray]) -> Snapshot:
        """``snapshot`` with the new base, and the additions in ``take`` no longer in the delta or tail."""
        picked = self._order[take]
        from_delta = self._delta_rows[picked[picked < self._delta_rows.shape[0]]]
        from_tail = picked[(picked >= self._delta_rows.shape[0]) & (picked < self._tail_end)]
        new_entries = int(np.count_nonzero(picked >= self._tail_end))
        tail_keep = ~np.isin(snapshot.tail_ids, self.ids[take]) if from_tail.size else slice(None)
        return snapshot.with_changes(
            base=tuple(s for s in base if s.rows),
            base_dead=tuple(d for s, d in zip(base, dead, strict=True) if s.rows),
            delta_dead=np.union1d(snapshot.delta_dead, from_delta) if from_delta.size else snapshot.delta_dead,
            tail_ids=snapshot.tail_ids[tail_keep], tail_codes=snapshot.tail_codes[tail_keep],
            tail_tags=snapshot.tail_tags[tail_keep], live=snapshot.live + new_entries,
        )

    def finish(self, snapshot: Snapshot) -> Snapshot:
        """Everything has moved: the delta and tail are empty."""
        assert snapshot.pending == 0, "compaction left entries behind"
        return snapshot.with_changes(delta=empty_segment(), delta_dead=np.empty(0, np.int64))


def _live(
    segment: Segment, dead: np.ndarray, query: np.ndarray, rows: np.ndarray, dist: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    if dead.size and rows.size:
        keep = ~np.isin(rows, dead)
        query, rows, dist = query[keep], rows[keep], dist[keep]
    return query, segment.ids[rows], dist, segment.tags[rows]


def _result(parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]], allowed: np.ndarray | None):
    parts = [p for p in parts if p[0].size]
    if not parts:
        return SearchResult.empty()
    query = np.concatenate([p[0] for p in parts]).astype(np.int64)
    ids = np.concatenate([p[1] for p in parts]).astype(np.int64)
    dist = np.concatenate([p[2] for p in parts]).astype(np.int32)
    tags = np.concatenate([p[3] for p in parts]).astype(np.uint16)
    if allowed is not None:
        keep = np.isin(tags, allowed)
        query, ids, dist, tags = query[keep], ids[keep], dist[keep], tags[keep]
    order = np.lexsort((ids, dist, query))
    return SearchResult(query[order], ids[order], dist[order], tags[order])
