"""The outbox.

A job row is inserted in the caller's transaction, so the work exists exactly when the change
that caused it exists. A runner claims a row with a conditional UPDATE (only one claimant wins,
whichever replica or message it came from), then runs the handler and marks the row done in one
transaction: database effects happen once. External effects (webhooks) are at-least-once and
carry the job id as an idempotency key.
"""

import contextlib
import logging
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Integer, String, Text, event, func, or_, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from childsafe.store import GUID, Base, Database, JSONDict, UTCDateTime, new_id, utcnow
from childsafe.store.base import jsonable

log = logging.getLogger("childsafe.jobs")

MAX_ATTEMPTS = 8
CLAIM_FOR = timedelta(minutes=5)
_ENQUEUED = "childsafe.jobs.enqueued"

Handler = Callable[[Session, dict[str, Any]], None]
External = Callable[[dict[str, Any]], None]
_HANDLERS: dict[str, Handler] = {}
_EXTERNAL: dict[str, External] = {}
_WAKE: list[Callable[[], None]] = []


class Job(Base):
    __tablename__ = "jobs_outbox"

    id: Mapped[uuid.UUID] = mapped_column(GUID, primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(80), nullable=False)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONDict, nullable=False)
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    available_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    relayed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)


def handler(kind: str) -> Callable[[Handler], Handler]:
    """Register the function that performs jobs of this kind. It must be idempotent."""

    def register(fn: Handler) -> Handler:
        _HANDLERS[kind] = fn
        return fn

    return register


def external_handler(kind: str) -> Callable[[External], External]:
    """Register a job that talks to the outside world (a webhook, a remote API).

    It runs with no transaction open, so a slow remote end holds no database lock or connection;
    the job is marked done afterwards. It must tolerate being run twice (at-least-once).
    """

    def register(fn: External) -> External:
        _EXTERNAL[kind] = fn
        return fn

    return register


def on_enqueue(callback: Callable[[], None]) -> None:
    """Called after a transaction that enqueued jobs commits (wakes an in-process runner)."""
    _WAKE.append(callback)


def off_enqueue(callback: Callable[[], None]) -> None:
    """Stop calling a callback registered with ``on_enqueue`` (a stopped runner must not leak)."""
    with contextlib.suppress(ValueError):  # not registered, or already removed
        _WAKE.remove(callback)


def enqueue(session: Session, kind: str, payload: dict[str, Any], *, dedupe_key: str | None = None,
            delay: timedelta | None = None) -> None:
    if dedupe_key is not None and session.scalar(select(Job.id).where(Job.dedupe_key == dedupe_key)):
        return
    session.add(Job(kind=kind, payload=jsonable(payload), dedupe_key=dedupe_key,
                    available_at=utcnow() + (delay or timedelta())))
    session.info[_ENQUEUED] = True


@event.listens_for(Session, "after_commit")
def _wake_runners(session: Session) -> None:
    if session.info.pop(_ENQUEUED, False):
        for wake in tuple(_WAKE):  # a copy: runners may start or stop in other threads meanwhile
            wake()


def _claim(db: Database, job_id: uuid.UUID) -> bool:
    now = utcnow()
    with db.transaction() as session:
        result = session.execute(
            update(Job)
            .where(Job.id == job_id, Job.available_at <= now,
                   or_(Job.status == "pending", (Job.status == "running") & (Job.claimed_until < now)))
            .values(status="running", claimed_until=now + CLAIM_FOR, attempts=Job.attempts + 1)
        )
        return result.rowcount == 1


def run_job(db: Database, job_id: uuid.UUID) -> bool:
    """Run one job if it is still due. Returns True if this call ran it to completion."""
    if not _claim(db, job_id):
        return False
    try:
        with db.transaction() as session:
            job = session.get(Job, job_id)
            assert job is not None
            kind, payload = job.kind, job.payload
            if kind not in _EXTERNAL:
                fn = _HANDLERS.get(kind)
                if fn is None:
                    raise LookupError(f"no handler registered for job kind {kind!r}")
                fn(session, payload)
                job.status, job.done_at, job.last_error = "done", utcnow(), None
                return True
        _EXTERNAL[kind](payload)
        with db.transaction() as session:
            job = session.get(Job, job_id)
            assert job is not None
            job.status, job.done_at, job.last_error = "done", utcnow(), None
        return True
    except Exception as exc:  # a failing handler must not take the runner down
        log.warning("job failed", extra={"job_id": str(job_id), "error": type(exc).__name__})
        with db.transaction() as session:
            job = session.get(Job, job_id)
            if job is not None:
                dead = job.attempts >= MAX_ATTEMPTS
                job.status = "dead" if dead else "pending"
                job.last_error = f"{type(exc).__name__}: {exc}"[:2000]
                job.available_at = utcnow() + timedelta(seconds=min(2 ** job.attempts, 3600))
                job.claimed_until = None
                job.relayed_at = None  # relay it again once due, not only after the resend window
        return False


def due_job_ids(session: Session, *, limit: int = 100, relayed_before: datetime | None = None) -> list[uuid.UUID]:
    now = utcnow()
    query = select(Job.id).where(
        Job.available_at <= now,
        or_(Job.status == "pending", (Job.status == "running") & (Job.claimed_until < now)),
    )
    if relayed_before is not None:
        query = query.where(or_(Job.relayed_at.is_(None), Job.relayed_at < relayed_before))
    return list(session.scalars(query.order_by(Job.available_at).limit(limit)))


def run_due(db: Database, *, limit: int = 100) -> int:
    with db.transaction() as session:
        ids = due_job_ids(session, limit=limit)
    return sum(run_job(db, job_id) for job_id in ids)


def mark_relayed(session: Session, ids: list[uuid.UUID]) -> None:
    if ids:
        session.execute(update(Job).where(Job.id.in_(ids)).values(relayed_at=utcnow()))


def pending_count(session: Session) -> dict[str, int]:
    rows = session.execute(select(Job.status, func.count()).group_by(Job.status)).all()
    return {status: count for status, count in rows}


def jobs_of_kind(session: Session, kind: str) -> list[Job]:
    return list(session.scalars(select(Job).where(Job.kind == kind).order_by(Job.created_at)))
