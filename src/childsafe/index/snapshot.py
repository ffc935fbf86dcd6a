"""The index's state as one immutable value, so readers need no lock.

A search reads ``HammingIndex._snapshot`` once and works on that object to the end; writers build a new
``Snapshot`` (sharing every unchanged array) and swap the reference under their lock. Nothing reachable from a
published snapshot is ever written to, so a reader can neither crash on nor half-see a change: it sees exactly
the entries whose add() returned before it started, minus those whose remove() returned before it started.

Levels, from oldest to newest (an LSM tree with exact search at every level):

* ``base``: segments partitioned by id range, each with MIH tables; compaction rewrites only the segments that
  changed, one at a time, so memory never doubles;
* ``delta``: one segment holding recent additions of any ids, with its own tables, merged again every time the
  tail fills up;
* ``tail``: the newest few thousand additions, unsorted and scanned by brute force, so add() costs an array
  append and nothing else;
* tombstones (``base_dead``, ``delta_dead``): sorted row numbers of removed entries, filtered out of results.
"""

from dataclasses import dataclass, field, replace

import numpy as np

from childsafe.index.codes import CODE_BYTES
from childsafe.index.segment import Segment, empty_segment

_NO_ROWS = np.empty(0, dtype=np.int64)


@dataclass(frozen=True, slots=True, eq=False)
class Snapshot:
    base: tuple[Segment, ...] = ()
    base_dead: tuple[np.ndarray, ...] = ()
    delta: Segment = field(default_factory=empty_segment)
    delta_dead: np.ndarray = field(default_factory=lambda: _NO_ROWS)
    tail_ids: np.ndarray = field(default_factory=lambda: _NO_ROWS)
    tail_codes: np.ndarray = field(default_factory=lambda: np.empty((0, CODE_BYTES), dtype=np.uint8))
    tail_tags: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.uint16))
    live: int = 0
    first_ids: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "first_ids", np.array([s.ids[0] for s in self.base], dtype=np.int64))

    def with_changes(self, **changes: object) -> "Snapshot":
        return replace(self, **changes)

    @property
    def tombstones(self) -> int:
        return sum(d.shape[0] for d in self.base_dead) + self.delta_dead.shape[0]

    @property
    def pending(self) -> int:
        """Live entries outside the base: what the next compaction has to merge."""
        return self.delta.rows - self.delta_dead.shape[0] + self.tail_ids.shape[0]

    def route(self, ids: np.ndarray) -> np.ndarray:
        """Base segment whose id range covers each id (ids below the first segment go to segment 0)."""
        return np.searchsorted(self.first_ids[1:], ids, side="right")

    def locate(self, ids: np.ndarray) -> "Locations":
        """Where each (unique) id is live; ids that are dead or unknown are simply not found."""
        found = np.zeros(ids.shape[0], dtype=bool)
        base_rows: dict[int, np.ndarray] = {}
        if self.base:
            segment_of = self.route(ids)
            for i in np.unique(segment_of):
                at = np.flatnonzero(segment_of == i)
                rows, hit = _live_rows(self.base[i], self.base_dead[i], ids[at])
                if rows.size:
                    base_rows[int(i)] = rows
                    found[at[hit]] = True
        delta_rows, hit = _live_rows(self.delta, self.delta_dead, ids)
        found[hit] = True
        tail_at = np.flatnonzero(np.isin(self.tail_ids, ids))
        found |= np.isin(ids, self.tail_ids[tail_at])
        return Locations(found, base_rows, delta_rows, tail_at)

    @property
    def nbytes(self) -> int:
        arrays = (*self.base_dead, self.delta_dead, self.tail_ids, self.tail_codes, self.tail_tags)
        return sum(s.nbytes for s in self.base) + self.delta.nbytes + sum(a.nbytes for a in arrays)


@dataclass(frozen=True, slots=True)
class Locations:
    found: np.ndarray  # per asked id
    base_rows: dict[int, np.ndarray]  # segment index -> live rows
    delta_rows: np.ndarray
    tail_at: np.ndarray  # positions in the tail arrays


def _live_rows(segment: Segment, dead: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(rows, positions in ``ids``) of the ids live in this segment."""
    if segment.rows == 0 or ids.size == 0:
        return _NO_ROWS, _NO_ROWS
    rows = np.searchsorted(segment.ids, ids)
    inside = rows < segment.rows
    hit = np.flatnonzero(inside)
    hit = hit[segment.ids[rows[hit]] == ids[hit]]
    if dead.size:
        hit = hit[~np.isin(rows[hit], dead)]
    return rows[hit].astype(np.int64), hit
