"""Retroactive matching: when a match bank gains hashes, media seen before is matched again.

Runs as an outbox job per committed batch of new bank hashes, so it survives restarts and runs
exactly when the hashes exist. The new hashes (the small side) go into a temporary exact index and
the stored hashes of seen media stream past it in pages; exact algorithms are a join by value.
Each (content, bank entry) pair is recorded once, so a re-run opens no duplicate signals.
"""

from collections import defaultdict
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from childsafe import banks, jobs
from childsafe.audit.log import SYSTEM
from childsafe.banks import BankInfo, HashRow
from childsafe.hashing import PDQ_MIN_QUALITY
from childsafe.index import HammingIndex, codes_from_hex
from childsafe.scan.models import ScanHit, SeenMedia
from childsafe.scan.service import Match, MediaHash, Subject, open_match_case
from childsafe.scan.video import FrameHash, video_match
from childsafe.vocabulary import AgeBand

PAGE = 100_000


@jobs.handler(banks.HASHES_ADDED)
def rescan(session: Session, payload: dict[str, Any]) -> None:
    bank = banks.all_banks(session).get(int(payload["bank_id"]))
    if bank is None or bank.kind != "match" or not bank.enabled:
        return
    after, last = int(payload["after_id"]), int(payload["last_id"])
    while after < last:
        rows = banks.hashes_after(session, after, last_id=last, limit=PAGE, bank_id=bank.id,
                                  algorithms=banks.HEX_LENGTH)
        if not rows:
            break
        found = _exact(session, bank, rows) + _near(session, "pdq", bank, rows) + _videos(session, bank, rows)
        _act(session, bank, found)
        after = rows[-1].id


def _exact(session: Session, bank: BankInfo, rows: list[HashRow]) -> list[tuple[SeenMedia, HashRow, int]]:
    found = []
    for algorithm in ("md5", "sha256"):
        by_value = {r.value: r for r in rows if r.algorithm == algorithm}
        values = sorted(by_value)
        for start in range(0, len(values), 1000):
            for media in session.scalars(select(SeenMedia).where(SeenMedia.algorithm == algorithm,
                                                                 SeenMedia.value.in_(values[start:start + 1000]))):
                found.append((media, by_value[media.value], 0))
    return found


def _near(session: Session, algorithm: str, bank: BankInfo,
          rows: list[HashRow]) -> list[tuple[SeenMedia, HashRow, int]]:
    """Stored hashes within the bank's threshold of the new rows of one perceptual algorithm."""
    chosen = {r.id: r for r in rows if r.algorithm == algorithm}
    if not chosen:
        return []
    index = HammingIndex()
    index.add(np.fromiter(chosen, np.int64, len(chosen)), codes_from_hex([r.value for r in chosen.values()]))
    found = []
    last_id = 0
    while True:
        page = list(session.execute(select(SeenMedia.id, SeenMedia.value).where(
            SeenMedia.algorithm == algorithm, SeenMedia.id > last_id,
            SeenMedia.quality.is_(None) | (SeenMedia.quality >= PDQ_MIN_QUALITY))
            .order_by(SeenMedia.id).limit(PAGE)))
        if not page:
            break
        last_id = page[-1][0]
        result = index.search(codes_from_hex([v for _, v in page]), bank.threshold)
        for qi, hash_id, distance in zip(result.query, result.ids, result.distances, strict=True):
            media = session.get(SeenMedia, page[int(qi)][0])
            assert media is not None
            found.append((media, chosen[int(hash_id)], int(distance)))
    return found


def _videos(session: Session, bank: BankInfo, rows: list[HashRow]) -> list[tuple[SeenMedia, HashRow, int]]:
    """Seen videos sharing frames with a new bank video, confirmed by the whole-video vPDQ rule."""
    pairs = {(media.content_id, row.item_id) for media, row, _ in _near(session, "vpdq", bank, rows)}
    found = []
    for content_id, item_id in sorted(pairs):
        candidate_rows = banks.video_frames(session, bank.id, item_id)  # the whole video, not just this page
        candidate = [FrameHash(r.value, r.quality or 0, r.frame_time or 0.0) for r in candidate_rows]
        frames = list(session.scalars(select(SeenMedia).where(SeenMedia.content_id == content_id,
                                                              SeenMedia.algorithm == "vpdq")))
        query = [FrameHash(f.value, f.quality or 0, f.frame_time or 0.0) for f in frames]
        result = video_match(query, candidate, threshold=bank.threshold)
        if result.is_match and candidate_rows:
            found.append((frames[0], candidate_rows[0], result.best_distance))
    return found


def _act(session: Session, bank: BankInfo, found: list[tuple[SeenMedia, HashRow, int]]) -> None:
    by_content: dict[str, list[tuple[SeenMedia, HashRow, int]]] = defaultdict(list)
    for media, row, distance in found:
        by_content[media.content_id].append((media, row, distance))
    for content_id, items in by_content.items():
        known = set(session.scalars(select(ScanHit.bank_hash_id).where(ScanHit.content_id == content_id)))
        new = [(m, r, d) for m, r, d in items if r.id not in known]
        if not new:
            continue
        media = new[0][0]
        subject = Subject(content_id=content_id, account_id=media.account_id, age_band=AgeBand(media.age_band))
        matches = [Match(bank, r.algorithm, m.value, r.value, r.item_id, d, r.id, m.quality) for m, r, d in new]
        hashes = [MediaHash(m.algorithm, m.value, m.quality) for m, _, _ in new]
        open_match_case(session, subject, hashes, matches, SYSTEM, retroactive=True, sla_hours=None)
