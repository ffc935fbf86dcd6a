"""Retention: purge what no active hold covers any more; never anything under an active hold.

A purge first crypto-shreds the item (its wrapped data key is erased in the same transaction that
marks it purged), then deletes the sealed object, then records that the object is gone. Each step is
idempotent, so a run killed anywhere leaves nothing readable behind and the next run finishes the job.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from childsafe.audit import Actor, record
from childsafe.evidence.holds import held_case_ids
from childsafe.evidence.models import EvidenceItem
from childsafe.evidence.vault import vault_for
from childsafe.store import Database, utcnow

_BATCH = 500


@dataclass
class RetentionResult:
    dry_run: bool
    due: list[uuid.UUID] = field(default_factory=list)  # items no active hold covers
    purged: int = 0
    objects_deleted: int = 0


def due_for_purge(session: Session) -> list[uuid.UUID]:
    """Unpurged items whose case no active hold covers, oldest first."""
    due: list[uuid.UUID] = []
    after: uuid.UUID | None = None
    while True:
        query = select(EvidenceItem.id, EvidenceItem.case_id).where(EvidenceItem.purged_at.is_(None))
        if after is not None:
            query = query.where(EvidenceItem.id > after)
        rows = session.execute(query.order_by(EvidenceItem.id).limit(_BATCH)).all()
        if not rows:
            return due
        held = held_case_ids(session, {r.case_id for r in rows})
        due += [r.id for r in rows if r.case_id not in held]
        after = rows[-1].id


def _shred(db: Database, item_id: uuid.UUID, actor: Actor) -> bool:
    """Mark purged and erase the wrapped key, re-checking the hold inside the transaction."""
    with db.transaction() as session:
        query = select(EvidenceItem).where(EvidenceItem.id == item_id)
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update()
        item = session.scalar(query)
        if item is None or item.purged_at is not None or held_case_ids(session, {item.case_id}):
            return False
        item.purged_at, item.wrapped_key = utcnow(), None
        record(session, actor, "evidence.purged", "evidence_item", item.id, case_id=item.case_id, kind=item.kind)
        return True


def _leftover_objects(session: Session) -> list[tuple[uuid.UUID, str]]:
    rows = session.execute(select(EvidenceItem.id, EvidenceItem.object_key).where(
        EvidenceItem.purged_at.is_not(None), EvidenceItem.object_deleted.is_(False)))
    return [(r.id, r.object_key) for r in rows]


def run(db: Database, *, actor: Actor, dry_run: bool = False,
        progress: Callable[[int, int], None] | None = None) -> RetentionResult:
    """One retention pass. ``progress(done, total)`` is called after each item."""
    with db.transaction() as session:
        result = RetentionResult(dry_run, due_for_purge(session))
        if dry_run:
            record(session, actor, "evidence.retention_run", "evidence", "retention", dry_run=True,
                   due=len(result.due))
            return result
    for done, item_id in enumerate(result.due, 1):
        result.purged += _shred(db, item_id, actor)
        if progress:
            progress(done, len(result.due))
    with db.transaction() as session:
        leftovers = _leftover_objects(session)
        store = vault_for(session).store
    for item_id, object_key in leftovers:
        store.delete(object_key)  # idempotent: an object already gone is fine
        with db.transaction() as session:
            item = session.get(EvidenceItem, item_id)
            if item is not None:
                item.object_deleted = True
        result.objects_deleted += 1
    with db.transaction() as session:
        record(session, actor, "evidence.retention_run", "evidence", "retention", dry_run=False,
               due=len(result.due), purged=result.purged, objects_deleted=result.objects_deleted)
    return result
