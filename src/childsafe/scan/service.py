"""Scanning media against the banks, and what follows a match.

A match in a match bank opens (or joins) a case for the content: abuse-material banks land in the
child-safety queue at top priority through the taxonomy. A hit in an allow bank (known false
positives) suppresses the media's match-bank hits, and the result says which allow entry did it.
PDQ hashes below the quality gate never support a match claim. The hashes of scanned content are
kept (never the content), so that hashes added to a bank later find earlier uploads.
"""

import hashlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from childsafe import banks, cases, notify
from childsafe.audit import Actor, record
from childsafe.banks import BankInfo, Hit, Matcher, Query
from childsafe.hashing import PDQ_MIN_QUALITY
from childsafe.scan.models import ScanHit, SeenMedia
from childsafe.scan.video import FrameHash, video_match
from childsafe.store import utcnow
from childsafe.vocabulary import AgeBand, RiskCategory


@dataclass(frozen=True)
class MediaHash:
    """One hash of the media being scanned (computed here, or sent by the platform)."""

    algorithm: str
    value: str
    quality: int | None = None
    variant: str = "original"

    @property
    def low_quality(self) -> bool:
        return self.algorithm == "pdq" and self.quality is not None and self.quality < PDQ_MIN_QUALITY


@dataclass(frozen=True)
class Subject:
    content_id: str | None = None
    account_id: str | None = None
    age_band: AgeBand = AgeBand.UNKNOWN
    subject_type: str = "content"


@dataclass
class Match:
    bank: BankInfo
    algorithm: str
    query_value: str
    bank_value: str
    item_id: str
    distance: int
    hash_id: int
    quality: int | None = None
    variant: str = "original"
    query_match: float | None = None  # vPDQ: share of the scanned video's frames found in the bank video
    index_match: float | None = None  # vPDQ: share of the bank video's frames found in the scanned video
    suppressed_by: str | None = None  # the allow bank that marks this as a known false positive

    def view(self) -> dict[str, Any]:
        return {"bank": self.bank.name, "bank_kind": self.bank.kind, "category": self.bank.category,
                "algorithm": self.algorithm, "distance": self.distance, "threshold": self.bank.threshold,
                "quality": self.quality, "hash": self.query_value, "bank_hash": self.bank_value,
                "bank_item_id": self.item_id or None, "variant": self.variant, "query_match": self.query_match,
                "index_match": self.index_match, "suppressed_by": self.suppressed_by}


@dataclass
class Outcome:
    hashes: list[MediaHash]
    frames: int
    matches: list[Match] = field(default_factory=list)
    suppressed: list[Match] = field(default_factory=list)
    allowed: list[Match] = field(default_factory=list)  # the allow-bank hits themselves
    low_quality: bool = False
    case_id: str | None = None
    stored: bool = False

    @property
    def verdict(self) -> str:
        if self.matches:
            return "match"
        if self.suppressed:
            return "suppressed"
        if self.low_quality and not any(h.algorithm in ("md5", "sha256") for h in self.hashes):
            return "low_quality"
        return "no_match"


def preview(session: Session, matcher: Matcher, hashes: Sequence[MediaHash], frames: Sequence[FrameHash], *,
            bank_names: Sequence[str] | None = None) -> Outcome:
    """What the banks say about this media, with nothing stored and no case opened."""
    outcome = Outcome(list(hashes), len(frames))
    outcome.low_quality = any(h.low_quality for h in hashes) or (
        bool(frames) and all(f.quality < PDQ_MIN_QUALITY for f in frames))
    queries = [Query(h.algorithm, h.value, h.quality, key=i) for i, h in enumerate(hashes) if not h.low_quality]
    found = _image_matches(matcher.search(session, queries, banks=bank_names), hashes)
    found += _video_matches(session, matcher, frames, bank_names)
    allow = [m for m in found if m.bank.kind == "allow"]
    outcome.allowed = allow
    for m in found:
        if m.bank.kind != "match":
            continue
        if allow:  # the media is a known false positive: its match-bank hits are explained, not acted on
            m.suppressed_by = allow[0].bank.name
            outcome.suppressed.append(m)
        else:
            outcome.matches.append(m)
    outcome.matches.sort(key=lambda m: (m.distance, m.bank.name))
    return outcome


def scan(session: Session, matcher: Matcher, subject: Subject, hashes: Sequence[MediaHash],
         frames: Sequence[FrameHash], actor: Actor, *, bank_names: Sequence[str] | None = None,
         store: bool = True, sla_hours: dict[str, float] | None = None) -> Outcome:
    """Match, keep the hashes for retroactive matching, and open a case on a match-bank hit."""
    outcome = preview(session, matcher, hashes, frames, bank_names=bank_names)
    if subject.content_id and store:
        _remember(session, subject, hashes, frames)
        outcome.stored = True
    if outcome.matches:
        case = open_match_case(session, subject, hashes, outcome.matches, actor, retroactive=False,
                               sla_hours=sla_hours)
        outcome.case_id = str(case.id)
    record(session, actor, "scan.media", "content", _audit_id(subject.content_id), verdict=outcome.verdict,
           matches=len(outcome.matches), suppressed=len(outcome.suppressed))
    return outcome


def _audit_id(content_id: str | None) -> str:
    """Platform ids go up to 200 characters; the audit log keeps 80, so long ones go in as a digest."""
    if not content_id:
        return "-"
    return content_id if len(content_id) <= 80 else "sha256:" + hashlib.sha256(content_id.encode()).hexdigest()


def _image_matches(hits: Sequence[Hit], hashes: Sequence[MediaHash]) -> list[Match]:
    best: dict[tuple[int, int], Match] = {}
    for hit in hits:
        query = hashes[hit.key]
        match = Match(hit.bank, hit.algorithm, query.value, hit.value, hit.item_id, hit.distance, hit.hash_id,
                      query.quality, query.variant)
        key = (hit.bank.id, hit.hash_id)
        if key not in best or match.distance < best[key].distance:  # dihedral variants: keep the closest
            best[key] = match
    return list(best.values())


def _video_matches(session: Session, matcher: Matcher, frames: Sequence[FrameHash],
                   bank_names: Sequence[str] | None) -> list[Match]:
    usable = [f for f in frames if f.quality >= PDQ_MIN_QUALITY]
    if not usable:
        return []
    hits = matcher.search(session, [Query("vpdq", f.value, f.quality, key=i) for i, f in enumerate(usable)],
                          banks=bank_names)
    by_item: dict[tuple[int, str], list[Hit]] = defaultdict(list)
    for hit in hits:
        by_item[(hit.bank.id, hit.item_id)].append(hit)
    matches = []
    for (bank_id, item_id), item_hits in by_item.items():
        bank = item_hits[0].bank
        candidate = [FrameHash(r.value, r.quality or 0, r.frame_time or 0.0)
                     for r in banks.video_frames(session, bank_id, item_id)]
        result = video_match(usable, candidate, threshold=bank.threshold)
        if result.is_match:
            closest = min(item_hits, key=lambda h: h.distance)
            matches.append(Match(bank, "vpdq", usable[closest.key].value, closest.value, item_id, closest.distance,
                                 closest.hash_id, usable[closest.key].quality, "video",
                                 round(result.query_match, 4), round(result.index_match, 4)))
    return matches


def _remember(session: Session, subject: Subject, hashes: Sequence[MediaHash], frames: Sequence[FrameHash]) -> None:
    """Keep the hashes of this content for retroactive matching (the original variant only)."""
    now = utcnow()
    rows = [{"content_id": subject.content_id, "account_id": subject.account_id, "age_band": subject.age_band.value,
             "algorithm": h.algorithm, "value": h.value, "quality": h.quality, "frame_time": None,
             "first_seen_at": now, "last_seen_at": now} for h in hashes if h.variant == "original"]
    rows += [{"content_id": subject.content_id, "account_id": subject.account_id, "age_band": subject.age_band.value,
              "algorithm": "vpdq", "value": f.value, "quality": f.quality, "frame_time": f.timestamp,
              "first_seen_at": now, "last_seen_at": now} for f in frames]
    unique = list({(r["algorithm"], r["value"]): r for r in rows}.values())
    if not unique:
        return
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(SeenMedia).on_conflict_do_update(
        index_elements=["content_id", "algorithm", "value"], set_={"last_seen_at": now})
    session.execute(statement, unique)


def open_match_case(session: Session, subject: Subject, hashes: Sequence[MediaHash], matches: Sequence[Match],
               actor: Actor, *, retroactive: bool, sla_hours: dict[str, float] | None) -> cases.Case:
    content_id = subject.content_id or _anonymous_id(hashes)
    ref = cases.SubjectRef(type=subject.subject_type, platform_id=content_id, account_id=subject.account_id,
                           content_type="image" if any(h.algorithm == "pdq" for h in hashes) else None,
                           age_band=subject.age_band)
    case = None
    for match in matches:
        details = {"bank": match.bank.name, "algorithm": match.algorithm, "distance": match.distance,
                   "threshold": match.bank.threshold, "bank_item_id": match.item_id or None,
                   "retroactive": retroactive}
        signal = cases.Signal(kind="hash_match", ref_id=str(match.hash_id), category=RiskCategory(match.bank.category),
                              automated=True, details=details)
        case = cases.attach(session, ref, signal, actor, sla_hours=sla_hours)
        _hit(session, content_id, match, case.id, retroactive)
    assert case is not None
    notify.publish(session, "media.matched", {"content_id": content_id, "case_id": str(case.id),
                                              "banks": sorted({m.bank.name for m in matches}),
                                              "retroactive": retroactive})
    return case


def _hit(session: Session, content_id: str, match: Match, case_id: Any, retroactive: bool) -> bool:
    """Record the hit once per (content, bank entry). Returns False if it was already known."""
    exists = session.scalar(select(ScanHit.id).where(ScanHit.content_id == content_id,
                                                     ScanHit.bank_hash_id == match.hash_id))
    if exists is not None:
        return False
    session.add(ScanHit(content_id=content_id, bank_id=match.bank.id, bank_hash_id=match.hash_id,
                        algorithm=match.algorithm, distance=match.distance, case_id=case_id, retroactive=retroactive))
    session.flush()
    return True


def _anonymous_id(hashes: Sequence[MediaHash]) -> str:
    """Content the platform did not name is known by its SHA-256 (or its first hash)."""
    chosen = next((h for h in hashes if h.algorithm == "sha256"), hashes[0] if hashes else None)
    return f"{chosen.algorithm}:{chosen.value}" if chosen else "unknown"


def known_hashes(session: Session, content_id: str) -> list[SeenMedia]:
    """The stored hashes of one piece of content (for a confirmed decision)."""
    return list(session.scalars(select(SeenMedia).where(SeenMedia.content_id == content_id)
                                .order_by(SeenMedia.algorithm, SeenMedia.frame_time)))


def hits_for_case(session: Session, case_id: Any) -> list[ScanHit]:
    return list(session.scalars(select(ScanHit).where(ScanHit.case_id == case_id)))
