"""The audit log.

Entries are collected during a transaction and written when it commits, under a lock that
serialises writers across every replica (an advisory lock on PostgreSQL, the write lock on
SQLite). Each row stores the SHA-256 of its content and the previous row's hash, so changing or
deleting a row breaks the chain; database triggers refuse UPDATE and DELETE in the first place.
Sealing last keeps the lock held for the shortest possible time.
"""

import hashlib
import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

import orjson
from sqlalchemy import BigInteger, Integer, String, Text, event, select, text
from sqlalchemy.orm import Mapped, Session, SessionTransaction, mapped_column

from childsafe.store.base import Base, JSONDict, UTCDateTime, jsonable, utcnow

GENESIS = "0" * 64
_log = logging.getLogger("childsafe.audit")
_PENDING = "childsafe.audit.pending"
_MARKS = "childsafe.audit.savepoints"
_PG_LOCK_KEY = 0x63686C64  # "chld"


class AuditEntry(Base):
    __tablename__ = "audit_entry"

    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                     autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    actor: Mapped[str] = mapped_column(String(200), nullable=False)
    actor_role: Mapped[str] = mapped_column(String(40), nullable=False)
    action: Mapped[str] = mapped_column(String(80), nullable=False, index=True)
    object_type: Mapped[str] = mapped_column(String(40), nullable=False)
    object_id: Mapped[str] = mapped_column(String(80), nullable=False, index=True)
    reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSONDict, nullable=False, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)


@dataclass(frozen=True, slots=True)
class Actor:
    """Who did something: a person (through a key or console account) or an automation."""

    id: str
    role: str
    name: str = ""

    @property
    def label(self) -> str:
        return f"{self.id} ({self.name})" if self.name else self.id


SYSTEM = Actor("system", "system", "childsafe")


def _digest(prev_hash: str, seq: int, at: datetime, actor: str, actor_role: str, action: str,
            object_type: str, object_id: str, reason: str, details: dict[str, Any]) -> str:
    body = orjson.dumps(
        [prev_hash, seq, at.isoformat(timespec="microseconds"), actor, actor_role, action, object_type,
         object_id, reason, details],
        option=orjson.OPT_SORT_KEYS,
    )
    return hashlib.sha256(body).hexdigest()


class _Pending(NamedTuple):
    actor: Actor
    action: str
    object_type: str
    object_id: str
    reason: str
    details: dict[str, Any]
    durable: bool


def record(session: Session, actor: Actor, action: str, object_type: str, object_id: str | uuid.UUID, /, *,
           reason: str = "", durable: bool = False, **details: Any) -> None:
    """Queue an entry; it is written only if the transaction commits.

    ``durable`` entries (refused access) are written even when the transaction rolls back, in a
    transaction of their own: the refusal is what rolls it back.
    Details must never hold message text or a child's personal data: ids, codes and counts only.
    """
    session.info.setdefault(_PENDING, []).append(
        _Pending(actor, action, object_type, str(object_id), reason, jsonable(details), durable)
    )


@event.listens_for(Session, "before_commit")
def _seal(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint released: seal once, when the whole transaction commits
        return
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
    last = session.execute(select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)).first()
    seq, prev = (last.seq, last.hash) if last else (0, GENESIS)
    for actor, action, object_type, object_id, reason, details, _ in pending:
        seq += 1
        at = utcnow()
        digest = _digest(prev, seq, at, actor.label, actor.role, action, object_type, object_id, reason, details)
        session.add(AuditEntry(seq=seq, at=at, actor=actor.label, actor_role=actor.role, action=action,
                               object_type=object_type, object_id=object_id, reason=reason, details=details,
                               prev_hash=prev, hash=digest))
        prev = digest
    session.flush()


@event.listens_for(Session, "after_transaction_create")
def _mark(session: Session, transaction: SessionTransaction) -> None:
    if transaction.nested:
        session.info.setdefault(_MARKS, {})[transaction] = len(session.info.get(_PENDING, ()))


@event.listens_for(Session, "after_soft_rollback")
def _discard_savepoint(session: Session, previous_transaction: SessionTransaction) -> None:
    """A rolled-back savepoint drops only the entries queued inside it, not the transaction's earlier ones."""
    mark = session.info.get(_MARKS, {}).pop(previous_transaction, None)
    pending = session.info.get(_PENDING)
    if mark is not None and pending:
        pending[mark:] = [p for p in pending[mark:] if p.durable]


@event.listens_for(Session, "after_transaction_end")
def _discard(session: Session, transaction: SessionTransaction) -> None:
    """The transaction ended without committing its entries: drop them, writing only the durable ones."""
    if transaction.parent is not None:  # a savepoint's mark is read by _discard_savepoint, which runs later
        return
    session.info.pop(_MARKS, None)
    durable = [p for p in session.info.pop(_PENDING, None) or () if p.durable]
    if durable and session.bind is not None:
        try:
            with Session(session.bind) as fresh, fresh.begin():
                fresh.info[_PENDING] = durable
        except Exception as exc:
            _log.error("audit entry lost", extra={"actions": [p.action for p in durable],
                                                  "error": type(exc).__name__})


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    head_seq: int
    head_hash: str
    problems: list[str] = field(default_factory=list)


def verify(session: Session, *, expect_head: str | None = None, batch: int = 5000) -> VerifyResult:
    """Walk the whole chain. A changed row fails its own hash; a deleted one breaks the link or the
    sequence; a truncated tail shows when the caller passes a head hash saved earlier."""
    problems: list[str] = []
    prev, expected_seq, checked = GENESIS, 1, 0
    seen_expected_head = expect_head is None
    for row in _iter_rows(session, batch):
        checked += 1
        if row.seq != expected_seq:
            problems.append(f"entry {expected_seq}..{row.seq - 1} missing (sequence jumps to {row.seq})")
        if row.prev_hash != prev:
            problems.append(f"entry {row.seq}: link to the previous entry is broken")
        recomputed = _digest(row.prev_hash, row.seq, row.at, row.actor, row.actor_role, row.action,
                             row.object_type, row.object_id, row.reason, row.details)
        if recomputed != row.hash:
            problems.append(f"entry {row.seq}: content does not match its hash (changed after writing)")
        if row.hash == expect_head:
            seen_expected_head = True
        prev, expected_seq = row.hash, row.seq + 1
    if not seen_expected_head:
        problems.append("the expected head entry is gone: the log was truncated")
    return VerifyResult(ok=not problems, checked=checked, head_seq=expected_seq - 1, head_hash=prev,
                        problems=problems)


def _iter_rows(session: Session, batch: int) -> Iterator[AuditEntry]:
    after = 0
    while True:
        rows = session.scalars(
            select(AuditEntry).where(AuditEntry.seq > after).order_by(AuditEntry.seq).limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        after = rows[-1].seq
        session.expunge_all()


def head(session: Session) -> tuple[int, str]:
    last = session.execute(select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)).first()
    return (last.seq, last.hash) if last else (0, GENESIS)


def entries(session: Session, *, object_id: str | None = None, action: str | None = None,
            after_seq: int = 0, limit: int = 100) -> list[AuditEntry]:
    query = select(AuditEntry).where(AuditEntry.seq > after_seq)
    if object_id:
        query = query.where(AuditEntry.object_id == object_id)
    if action:
        query = query.where(AuditEntry.action == action)
    return list(session.scalars(query.order_by(AuditEntry.seq).limit(limit)))
