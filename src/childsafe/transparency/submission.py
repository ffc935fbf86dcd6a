"""Statements of reasons to the DSA Transparency Database, each exactly once.

``queue`` copies new statements (personal data removed) into ``transparency_statement`` and enqueues a
``transparency.submit`` job in the same transaction. The job claims up to 100 pending statements at
a time, posts them with no transaction open, and records the TDB's receipts. If the answer is lost
after the TDB stored a batch, the retry is refused with ``existing_puids``; those statements are looked
up by puid and recorded as submitted, never sent twice. A statement the TDB finds invalid is marked
``rejected`` with the TDB's messages for a person to look at; the rest of its batch goes again.
"""

import logging
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from childsafe import audit, decisions, jobs, notify
from childsafe.config import Settings, get_settings
from childsafe.store import Database, utcnow
from childsafe.store.aggregates import within
from childsafe.transparency import redact
from childsafe.transparency.models import StatementSubmission
from childsafe.transparency.tdb import MAX_BATCH, Receipt, TdbAuthError, TdbClient, TdbError

log = logging.getLogger("childsafe.transparency")

JOB = "transparency.submit"
CLAIM_FOR = timedelta(minutes=5)
LOOK_BACK = timedelta(minutes=10)  # decisions committed late with an earlier timestamp are still picked up
_configured: dict[str, Any] = {}
SUBMITTER = audit.Actor("transparency", "system", "DSA TDB submission")


QUEUE_JOB = "transparency.queue"


def configure(db: Database, settings: Settings) -> None:
    """Tell the ``transparency.submit`` job which database and TDB account to use (the API and worker do)."""
    _configured.update(db=db, settings=settings)


def queue(session: Session, settings: Settings, *, limit: int = 1000) -> int:
    """Queue statements of reasons not yet queued; returns how many. Enqueues the submission job."""
    last = session.scalar(select(func.max(StatementSubmission.decided_at)))
    since = last - LOOK_BACK if last else None
    added, after = 0, None
    while added < limit:
        rows = decisions.stats.statements_since(session, since, after=after, limit=500)
        if not rows:
            break
        after = (rows[-1].decided_at, rows[-1].decision_id)
        seen = set(session.scalars(select(StatementSubmission.decision_id).where(
            StatementSubmission.decision_id.in_([r.decision_id for r in rows]))))
        for row in rows:
            if row.decision_id in seen:
                continue
            payload = redact.for_tdb(row.statement, known=row.known_identifiers, mode=settings.tdb_free_text)
            session.add(StatementSubmission(decision_id=row.decision_id, decided_at=row.decided_at,
                                            puid=payload["puid"], payload=payload,
                                            environment=settings.tdb_environment))
            added += 1
    if added:
        session.flush()
        jobs.enqueue(session, JOB, {"queued": added})
        audit.record(session, SUBMITTER, "transparency.statements_queued", "transparency_statement", "batch",
                     count=added)
    return added


@dataclass
class SubmitSummary:
    submitted: int = 0
    reconciled: int = 0  # already in the TDB (a lost answer): recorded, not sent again
    rejected: int = 0
    batches: list[int] = field(default_factory=list)
    error: str | None = None


def _claim(db: Database, limit: int) -> list[StatementSubmission]:
    now = utcnow()
    with db.transaction() as session:
        query = (select(StatementSubmission).where(
            StatementSubmission.status == "pending",
            or_(StatementSubmission.claimed_until.is_(None), StatementSubmission.claimed_until < now))
            .order_by(StatementSubmission.decided_at, StatementSubmission.id).limit(limit))
        if db.postgres:
            query = query.with_for_update(skip_locked=True)
        rows = list(session.scalars(query))
        for row in rows:
            row.claimed_until, row.attempts = now + CLAIM_FOR, row.attempts + 1
        return rows


def _record(session: Session, row_id: uuid.UUID, receipt: Receipt, *, reconciled: bool) -> None:
    row = session.get(StatementSubmission, row_id)
    assert row is not None
    row.status, row.submitted_at, row.claimed_until, row.last_error = "submitted", utcnow(), None, None
    row.tdb_uuid, row.tdb_id, row.permalink, row.reconciled = receipt.uuid, receipt.id, receipt.permalink, reconciled


def _release(db: Database, ids: list[uuid.UUID], error: str | None) -> None:
    if ids:
        with db.transaction() as session:
            session.execute(update(StatementSubmission).where(StatementSubmission.id.in_(ids))
                            .values(claimed_until=None, last_error=error))


def submit_pending(db: Database, client: TdbClient, *, max_batches: int | None = None) -> SubmitSummary:
    """Send pending statements in batches of up to 100 until none is left (or a failure stops it)."""
    summary = SubmitSummary()
    while max_batches is None or len(summary.batches) < max_batches:
        rows = _claim(db, MAX_BATCH)
        if not rows:
            break
        by_puid = {row.puid: row.id for row in rows}
        summary.batches.append(len(rows))
        try:
            result = client.submit([row.payload for row in rows])
            if result.existing_puids:
                _reconcile(db, client, result.existing_puids, by_puid, summary)
            elif result.invalid:
                _reject(db, rows, result.invalid, by_puid, summary)
            with db.transaction() as session:
                for receipt in result.created:
                    if receipt.puid in by_puid:
                        _record(session, by_puid.pop(receipt.puid), receipt, reconciled=False)
                        summary.submitted += 1
        except TdbError as exc:
            summary.error = str(exc)
            _release(db, list(by_puid.values()), str(exc))
            if isinstance(exc, TdbAuthError):
                log.error("TDB refused the token; statements stay queued")
            break
        if len(by_puid) == len(rows):  # nothing settled: the TDB answer made no sense for this batch
            summary.error = f"TDB settled none of a batch of {len(rows)}"
            _release(db, list(by_puid.values()), summary.error)
            break
        _release(db, list(by_puid.values()), None)  # refused with the batch: they go again in the next one
    return summary


def _reconcile(db: Database, client: TdbClient, puids: list[str], by_puid: dict[str, uuid.UUID],
               summary: SubmitSummary) -> None:
    for puid in puids:
        if puid not in by_puid:
            continue
        receipt = client.existing(puid)
        if receipt is None:
            continue  # a duplicate within the batch, not stored: it goes again
        with db.transaction() as session:
            _record(session, by_puid.pop(puid), receipt, reconciled=True)
        summary.reconciled += 1


def _reject(db: Database, rows: list[StatementSubmission], invalid: dict[int, dict[str, list[str]]],
            by_puid: dict[str, uuid.UUID], summary: SubmitSummary) -> None:
    with db.transaction() as session:
        for index, errors in invalid.items():
            if index < len(rows):
                row = session.get(StatementSubmission, rows[index].id)
                assert row is not None
                row.status, row.claimed_until = "rejected", None
                row.last_error = "; ".join(f"{f}: {' '.join(m)}" for f, m in sorted(errors.items()))[:2000]
                summary.rejected += 1
                audit.record(session, SUBMITTER, "transparency.statement_rejected", "transparency_statement",
                             row.id, fields=sorted(errors))
    for index in invalid:
        if index < len(rows):
            by_puid.pop(rows[index].puid, None)


@notify.subscribe("enforcement.applied")
def _queue_after_decision(session: Session, _data: dict[str, Any]) -> None:
    """A restricting decision has a statement of reasons: queue it for the TDB once submission is set up.

    The queueing runs as its own job after the decision commits; a job that finds nothing new costs one query."""
    settings = _configured.get("settings") or get_settings()
    if settings.tdb_token:
        jobs.enqueue(session, QUEUE_JOB, {})


@jobs.handler(QUEUE_JOB)
def _queue_job(session: Session, _payload: dict[str, Any]) -> None:
    queue(session, _configured.get("settings") or get_settings())


@jobs.external_handler(JOB)
def _submit_job(payload: dict[str, Any]) -> None:
    if "db" not in _configured:  # a worker process that serves no request: the process-wide settings
        settings = get_settings()
        configure(Database(settings.database_url), settings)
    db, settings = _configured["db"], _configured["settings"]
    with TdbClient(settings) as client:
        summary = submit_pending(db, client)
    if summary.error:
        raise TdbError(summary.error)  # the outbox retries the job later, with backoff


def status_counts(session: Session) -> dict[str, int]:
    rows = session.execute(select(StatementSubmission.status, func.count()).group_by(StatementSubmission.status))
    return {status: int(n) for status, n in rows}


def submissions(session: Session, *, status: str | None = None, since: datetime | None = None,
                limit: int = 100) -> list[StatementSubmission]:
    query = select(StatementSubmission)
    if status:
        query = query.where(StatementSubmission.status == status)
    if since:
        query = query.where(StatementSubmission.decided_at >= since)
    return list(session.scalars(query.order_by(StatementSubmission.decided_at.desc()).limit(limit)))


def period_counts(session: Session, start: date, end: date) -> dict[str, int]:
    """Statements of reasons for decisions taken in a period, by submission status."""
    rows = session.execute(select(StatementSubmission.status, func.count())
                           .where(within(StatementSubmission.decided_at, start, end))
                           .group_by(StatementSubmission.status))
    return {status: int(n) for status, n in rows}
