"""What a search returns: one row per (query, matched entry), as parallel numpy arrays."""

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class SearchResult:
    """Matches of a batch of queries, sorted by (query, distance, id), each pair once.

    Arrays rather than objects because a retroactive rescan can return millions of rows; ``tags`` lets the caller
    apply per-bank thresholds without a second lookup.
    """

    query: np.ndarray  # int64: row of the query in the batch
    ids: np.ndarray  # int64: the matched entry's id
    distances: np.ndarray  # int32: Hamming distance
    tags: np.ndarray  # uint16: the matched entry's tag

    def __len__(self) -> int:
        return int(self.ids.shape[0])

    def for_query(self, query: int) -> "SearchResult":
        """The rows of one query of the batch (rows are sorted by query, so this is a slice)."""
        low, high = np.searchsorted(self.query, [query, query + 1])
        return SearchResult(self.query[low:high], self.ids[low:high], self.distances[low:high], self.tags[low:high])

    @classmethod
    def empty(cls) -> "SearchResult":
        return cls(np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.int32), np.empty(0, np.uint16))
