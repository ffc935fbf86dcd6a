"""An immutable, multi-index-hashed block of entries: build from scratch, merge changes in, search exactly.

Layout (rows sorted by id, so an id is found with one ``searchsorted`` and no separate id map is needed):

* ``ids`` int64 (8 B), ``codes`` 32 uint8 (32 B), ``tags`` uint16 (2 B) per row;
* 16 CSR tables, one per 16-bit chunk: ``offsets[t]`` (65,537 uint32) bounds each chunk value's bucket, and the
  bucket holds the row numbers of the entries with that chunk value. Row numbers stay below 2**24 (segments are
  capped at that size), so they are stored as a uint16 low part and a uint8 high part: 3 B per row per table,
  48 B per row in all, instead of 64 B for uint32;
* a *side set*: rows that sit in an oversized bucket of any table (near-constant hashes, big near-duplicate
  clusters) are kept out of every table and verified by brute force, ordered by bit count so a query only
  scans those whose bit count is within the radius of its own (``|w(q) - w(x)| <= d(q, x)``). Without this a
  single query near an all-zero hash would pull in every low-entropy entry once per table.

Exactness (multi-index hashing, Norouzi et al.): if d(q, x) <= r then some chunk differs in at most
floor(r / 16) bits, else the 16 chunks would add up to at least 16 * (floor(r / 16) + 1) > r bits. Probing every
key within floor(r / 16) flips of each query chunk therefore reaches every match that is in the tables, and the
side set is searched exhaustively (within the bit-count bound), so nothing is missed.
"""

from dataclasses import dataclass

import numpy as np

from childsafe.index.codes import CODE_BYTES, weights
from childsafe.index.kernels import (
    CHUNK_KEYS,
    CHUNKS,
    as_void,
    brute_force,
    chunk_keys,
    expand,
    flip_masks,
    verify,
)

MAX_SEGMENT_ROWS = 1 << 24  # row numbers must fit the uint16 + uint8 split
INDEX_MIN_ROWS = 4096  # below this a segment is scanned: probing 272 buckets costs more than 4k comparisons
MAX_CANDIDATES = 1 << 18  # candidates verified per numpy pass: bounds the temporaries (~25 MB) of one search
BRUTE_RATIO = 8  # a query whose probes reach more than rows / 8 candidates is cheaper to answer by scanning

_KEYS = np.arange(CHUNK_KEYS, dtype=np.uint16)


@dataclass(frozen=True, slots=True, eq=False)
class Segment:
    """Immutable rows plus their tables; ``offsets is None`` marks a small segment searched by brute force."""

    ids: np.ndarray
    codes: np.ndarray
    tags: np.ndarray
    offsets: np.ndarray | None  # (16, 65537) uint32
    pos_lo: np.ndarray | None  # (16 * indexed,) uint16
    pos_hi: np.ndarray | None  # (16 * indexed,) uint8
    side: np.ndarray  # int64 rows outside the tables, ordered by bit count
    side_codes: np.ndarray  # their codes, contiguous for a sequential scan
    side_weights: np.ndarray  # their bit counts, ascending

    @property
    def rows(self) -> int:
        return int(self.ids.shape[0])

    @property
    def indexed(self) -> int:
        return 0 if self.pos_lo is None else self.pos_lo.shape[0] // CHUNKS

    @property
    def nbytes(self) -> int:
        arrays = (self.ids, self.codes, self.tags, self.offsets, self.pos_lo, self.pos_hi, self.side,
                  self.side_codes, self.side_weights)
        return sum(a.nbytes for a in arrays if a is not None)

    def table_rows(self, table: int, start: int, stop: int) -> np.ndarray:
        """Row numbers stored in ``table`` at flat positions start..stop (relative to the table)."""
        assert self.pos_lo is not None and self.pos_hi is not None
        base = table * self.indexed
        rows = self.pos_hi[base + start : base + stop].astype(np.int32)
        rows <<= 16
        rows |= self.pos_lo[base + start : base + stop]
        return rows


def empty_segment() -> Segment:
    return _small(np.empty(0, np.int64), np.empty((0, CODE_BYTES), np.uint8), np.empty(0, np.uint16))


def _small(ids: np.ndarray, codes: np.ndarray, tags: np.ndarray) -> Segment:
    none = np.empty(0, dtype=np.int64)
    return Segment(ids, codes, tags, None, None, None, none, np.empty((0, CODE_BYTES), np.uint8),
                   np.empty(0, np.int16))


def _side_arrays(codes: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    side_codes = codes[rows]
    w = weights(side_codes)
    order = np.argsort(w, kind="stable")
    return rows[order].astype(np.int64), np.ascontiguousarray(side_codes[order]), w[order]


def build_segment(ids: np.ndarray, codes: np.ndarray, tags: np.ndarray, cap: int) -> Segment:
    """A segment over rows already sorted by unique id (the arrays are kept, not copied).

    Each table is one stable argsort of a uint16 column, which numpy does as a radix sort: O(n) per table.
    """
    n = ids.shape[0]
    if n > MAX_SEGMENT_ROWS:
        raise ValueError(f"a segment holds at most {MAX_SEGMENT_ROWS} rows")
    if n < INDEX_MIN_ROWS:
        return _small(ids, codes, tags)
    keys = chunk_keys(codes)
    side_mask = np.zeros(n, dtype=bool)
    for t in range(CHUNKS):
        oversized = np.bincount(keys[:, t], minlength=CHUNK_KEYS) > cap
        if oversized.any():
            side_mask |= oversized[keys[:, t]]
    indexed = np.flatnonzero(~side_mask) if side_mask.any() else None
    m = n if indexed is None else indexed.shape[0]
    offsets = np.zeros((CHUNKS, CHUNK_KEYS + 1), dtype=np.uint32)
    pos_lo = np.empty(CHUNKS * m, dtype=np.uint16)
    pos_hi = np.empty(CHUNKS * m, dtype=np.uint8)
    for t in range(CHUNKS):
        column = keys[:, t] if indexed is None else keys[indexed, t]
        order = np.argsort(column, kind="stable")
        rows = order if indexed is None else indexed[order]
        np.cumsum(np.bincount(column, minlength=CHUNK_KEYS), out=offsets[t, 1:])
        pos_lo[t * m : (t + 1) * m] = rows  # keeps the low 16 bits
        pos_hi[t * m : (t + 1) * m] = rows >> 16
    side, side_codes, side_weights = _side_arrays(codes, np.flatnonzero(side_mask))
    return Segment(ids, codes, tags, offsets, pos_lo, pos_hi, side, side_codes, side_weights)


def merge_rows(
    segment: Segment, dead: np.ndarray, add_ids: np.ndarray, add_codes: np.ndarray, add_tags: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The segment's live rows and the additions merged in id order.

    Returns (ids, codes, tags, new row of each old row or -1 if dead, new row of each addition).
    ``add_ids`` must be sorted and disjoint from the live ids.
    """
    n_old = segment.rows
    keep = np.ones(n_old, dtype=bool)
    keep[dead] = False
    kept = np.flatnonzero(keep)
    kept_ids = segment.ids[kept]
    insert_at = np.searchsorted(kept_ids, add_ids)
    n_new = kept.shape[0] + add_ids.shape[0]
    add_rows = insert_at + np.arange(add_ids.shape[0])
    is_new = np.zeros(n_new, dtype=bool)
    is_new[add_rows] = True
    kept_rows = np.flatnonzero(~is_new)
    ids = np.empty(n_new, dtype=np.int64)
    ids[kept_rows] = kept_ids
    ids[add_rows] = add_ids
    codes = np.empty((n_new, CODE_BYTES), dtype=np.uint8)
    new_void = as_void(codes)
    new_void[kept_rows] = as_void(segment.codes)[kept]
    new_void[add_rows] = as_void(add_codes)
    tags = np.empty(n_new, dtype=np.uint16)
    tags[kept_rows] = segment.tags[kept]
    tags[add_rows] = add_tags
    old_to_new = np.full(n_old, -1, dtype=np.int32)  # rows < 2**24: int32 halves the temporaries
    old_to_new[kept] = kept_rows
    return ids, codes, tags, old_to_new, add_rows


def merge_segment(
    segment: Segment, dead: np.ndarray, add_ids: np.ndarray, add_codes: np.ndarray, add_tags: np.ndarray, cap: int
) -> Segment:
    """A new segment with ``dead`` rows dropped and the additions merged in, table by table.

    Old table entries keep their bucket and order (their row numbers are remapped), and the additions are placed
    after them in each bucket by counting, so no table is re-sorted; memory beyond the new segment is a few
    row-sized temporaries for one table at a time. Rows whose bucket grows past ``cap`` move to the side set.
    """
    ids, codes, tags, old_to_new, add_rows = merge_rows(segment, dead, add_ids, add_codes, add_tags)
    if segment.offsets is None or ids.shape[0] < INDEX_MIN_ROWS:
        return build_segment(ids, codes, tags, cap)
    n_new = ids.shape[0]
    old_keys = chunk_keys(segment.codes)
    add_keys = chunk_keys(add_codes)
    dead_indexed = np.setdiff1d(dead, segment.side, assume_unique=True)

    # Which rows end up outside the tables: old side rows, plus anything in a bucket that grows past the cap.
    side_mask = np.zeros(n_new, dtype=bool)
    old_side = old_to_new[segment.side]
    side_mask[old_side[old_side >= 0]] = True
    add_side = np.zeros(add_ids.shape[0], dtype=bool)
    for t in range(CHUNKS):
        counts = np.diff(segment.offsets[t]).astype(np.int64)
        counts -= np.bincount(old_keys[dead_indexed, t], minlength=CHUNK_KEYS)
        counts += np.bincount(add_keys[:, t], minlength=CHUNK_KEYS)
        oversized = counts > cap
        if not oversized.any():
            continue
        add_side |= oversized[add_keys[:, t]]
        for key in np.flatnonzero(oversized):
            moved = old_to_new[segment.table_rows(t, int(segment.offsets[t, key]), int(segment.offsets[t, key + 1]))]
            side_mask[moved[moved >= 0]] = True
    side_mask[add_rows[add_side]] = True

    add_indexed = np.flatnonzero(~add_side)
    m_new = n_new - int(side_mask.sum())
    m_old = segment.indexed
    offsets = np.empty((CHUNKS, CHUNK_KEYS + 1), dtype=np.uint32)
    pos_lo = np.empty(CHUNKS * m_new, dtype=np.uint16)
    pos_hi = np.empty(CHUNKS * m_new, dtype=np.uint8)
    add_rows = add_rows.astype(np.int32)
    for t in range(CHUNKS):
        mapped = old_to_new[segment.table_rows(t, 0, m_old)]
        valid = mapped >= 0
        valid[valid] = ~side_mask[mapped[valid]]
        old_bucket = np.repeat(_KEYS, np.diff(segment.offsets[t]))[valid]
        old_rows = mapped[valid]
        del mapped, valid
        add_key = add_keys[add_indexed, t]
        order = np.argsort(add_key, kind="stable")
        add_key = add_key[order]
        add_row = add_rows[add_indexed][order]
        before_old = np.zeros(CHUNK_KEYS + 1, dtype=np.int32)
        np.cumsum(np.bincount(old_bucket, minlength=CHUNK_KEYS), out=before_old[1:])
        before_add = np.zeros(CHUNK_KEYS + 1, dtype=np.int32)
        np.cumsum(np.bincount(add_key, minlength=CHUNK_KEYS), out=before_add[1:])
        # Bucket b holds its old entries, then its new ones: an old entry j lands at j + (new entries in buckets
        # before b); a new entry i (sorted by key) at (old entries up to and including b) + i.
        rows = np.empty(m_new, dtype=np.int32)
        target = before_add[old_bucket]
        target += np.arange(old_rows.shape[0], dtype=np.int32)
        rows[target] = old_rows
        del target, old_rows, old_bucket
        rows[before_old[add_key.astype(np.intp) + 1] + np.arange(add_row.shape[0], dtype=np.int32)] = add_row
        offsets[t] = before_old + before_add
        pos_lo[t * m_new : (t + 1) * m_new] = rows
        rows >>= 16
        pos_hi[t * m_new : (t + 1) * m_new] = rows
    side, side_codes, side_weights = _side_arrays(codes, np.flatnonzero(side_mask))
    return Segment(ids, codes, tags, offsets, pos_lo, pos_hi, side, side_codes, side_weights)


def search_segment(
    segment: Segment, queries: np.ndarray, query_weights: np.ndarray, radius: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(query index, row, distance) of every row within ``radius`` of a query, each pair once, dead rows included.

    ``queries`` is a (q, 32) uint8 batch and ``query_weights`` its bit counts.
    """
    if segment.rows == 0:
        empty = np.empty(0, dtype=np.intp)
        return empty, empty, np.empty(0, dtype=np.int32)
    if segment.offsets is None:
        rows, query, dist = brute_force(segment.codes, queries, radius)
        return query, rows, dist
    assert segment.pos_lo is not None and segment.pos_hi is not None
    masks = flip_masks(radius // 16)
    if CHUNKS * masks.size * BRUTE_RATIO > CHUNK_KEYS:
        # Even at the uniform mean the probes would reach more than rows / 8 candidates (radius >= 48).
        rows, query, dist = brute_force(segment.codes, queries, radius)
        return query, rows, dist
    m = segment.indexed
    probes = chunk_keys(queries)[:, :, None] ^ masks[None, None, :]
    flat = probes.astype(np.intp)
    flat += (np.arange(CHUNKS, dtype=np.intp) * (CHUNK_KEYS + 1))[None, :, None]
    offsets = segment.offsets.reshape(-1)
    low = offsets[flat]
    lengths = (offsets[flat + 1] - low).astype(np.intp)
    starts = low.astype(np.intp)
    starts += (np.arange(CHUNKS, dtype=np.intp) * m)[None, :, None]
    per_query = lengths.reshape(lengths.shape[0], -1).sum(axis=1)

    found_query: list[np.ndarray] = []
    found_rows: list[np.ndarray] = []
    found_dist: list[np.ndarray] = []
    scan = per_query * BRUTE_RATIO > segment.rows
    if scan.any():
        picked = np.flatnonzero(scan)
        rows, query, dist = brute_force(segment.codes, queries[picked], radius)
        found_query.append(picked[query])
        found_rows.append(rows)
        found_dist.append(dist)
    probed = np.flatnonzero(~scan)
    for group in _groups(probed, per_query[probed]):
        group_starts, group_lengths = starts[group].reshape(-1), lengths[group].reshape(-1)
        _touch(segment, group_starts, group_lengths)
        picks = expand(group_starts, group_lengths)
        rows = segment.pos_hi.take(picks).astype(np.intp)
        rows <<= 16
        rows |= segment.pos_lo.take(picks)
        hit, query, dist = verify(segment.codes, rows, queries[group], per_query[group], radius)
        found_query.append(group[query])
        found_rows.append(rows[hit])
        found_dist.append(dist)
    if segment.side.size and probed.size:
        low_w = np.searchsorted(segment.side_weights, query_weights[probed] - radius, side="left")
        high_w = np.searchsorted(segment.side_weights, query_weights[probed] + radius, side="right")
        span = (high_w - low_w).astype(np.intp)
        for group_at in _groups(np.arange(probed.shape[0]), span):
            picks = expand(low_w[group_at].astype(np.intp), span[group_at])
            hit, query, dist = verify(segment.side_codes, picks, queries[probed[group_at]], span[group_at], radius)
            found_query.append(probed[group_at][query])
            found_rows.append(segment.side[picks[hit]])
            found_dist.append(dist)
    return _unique(found_query, found_rows, found_dist, segment.rows)


def _touch(segment: Segment, starts: np.ndarray, lengths: np.ndarray) -> None:
    """Load the first and last entry of every bucket range before the gathers that read them in full.

    This is software prefetching with numpy's means: these loads are independent, so the CPU overlaps their cache
    misses, while the expand-then-take that follows walks one range after the other and would otherwise wait for
    each range's miss in turn (measured: ~16 -> ~10 ns per candidate for the position decode at 10M).
    """
    ends = starts + lengths - 1
    touch = np.concatenate([starts, ends])
    segment.pos_lo.take(touch, mode="clip")
    segment.pos_hi.take(touch, mode="clip")


def _groups(queries: np.ndarray, candidates: np.ndarray) -> list[np.ndarray]:
    """Split query indexes into consecutive groups of about MAX_CANDIDATES candidates (one query may exceed it)."""
    total = int(candidates.sum())
    if total == 0:
        return []
    if total <= MAX_CANDIDATES:
        return [queries]
    group = (np.cumsum(candidates) - candidates) // MAX_CANDIDATES
    return np.split(queries, np.flatnonzero(np.diff(group)) + 1)


def _unique(
    queries: list[np.ndarray], rows: list[np.ndarray], dist: list[np.ndarray], n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Drop the pairs found through more than one table (any entry near a query matches in several chunks)."""
    if not queries:
        empty = np.empty(0, dtype=np.intp)
        return empty, empty, np.empty(0, dtype=np.int32)
    q = np.concatenate(queries).astype(np.int64)
    r = np.concatenate(rows).astype(np.int64)
    d = np.concatenate(dist)
    if q.size == 0:
        return q, r, d
    _, first = np.unique(q * n + r, return_index=True)
    return q[first], r[first], d[first]
