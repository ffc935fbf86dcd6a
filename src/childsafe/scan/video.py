"""Whole-video matching on vPDQ frame hashes, as the scan capability needs it.

The comparison rule itself (ThreatExchange's query-match / index-match percentages) lives with the
hashing capability; this adapter feeds it frame hashes that came from storage or from a platform.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from childsafe.hashing.video import VideoFrame, vpdq_match

QUERY_MATCH = 0.8  # ThreatExchange's default: 80 % of the scanned video's frames found in the bank video
INDEX_MATCH = 0.0


@dataclass(frozen=True, slots=True)
class FrameHash:
    value: str
    quality: int
    timestamp: float


@dataclass(frozen=True, slots=True)
class VideoResult:
    is_match: bool
    query_match: float
    index_match: float
    best_distance: int


def _frames(frames: Sequence[FrameHash]) -> list[VideoFrame]:
    return [VideoFrame(i, f.timestamp, f.value, f.quality) for i, f in enumerate(frames)]


def video_match(query: Sequence[FrameHash], candidate: Sequence[FrameHash], *, threshold: int) -> VideoResult:
    result = vpdq_match(_frames(query), _frames(candidate), threshold=threshold, query_match=QUERY_MATCH,
                        index_match=INDEX_MATCH)
    best = min((_distance(q.value, c.value) for q in query for c in candidate), default=256) if result.is_match \
        else 256
    return VideoResult(result.is_match, result.query_match, result.index_match, best)


def _distance(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()
