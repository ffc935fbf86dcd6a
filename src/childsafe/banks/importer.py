"""Importing hash lists: streamed, checkpointed per batch, resumable, and honest about bad lines.

Each batch of lines is one transaction that also moves the import's checkpoint (line number and
byte offset), so a killed import resumes at the first line not yet committed when it is run again
on the same file. Under ``strict`` the whole file is checked first, so a bad line aborts before
anything is written.
"""

import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from childsafe.audit import Actor, record
from childsafe.banks import formats
from childsafe.banks.formats import Entry, Malformed, Position
from childsafe.banks.models import BankImport
from childsafe.banks.service import _max_hash_id, announce_added, get_bank, insert_entries, write_lock
from childsafe.errors import InvalidInput
from childsafe.store import Database, utcnow

MAX_ERRORS_KEPT = 100


class ImportAborted(InvalidInput):
    """A strict import met a malformed line; nothing was written."""


@dataclass
class ImportReport:
    import_id: str
    bank: str
    file: str
    format: str
    resumed_from_line: int = 0
    lines: int = 0
    added: int = 0
    duplicates: int = 0
    malformed: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    status: str = "running"


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def import_file(db: Database, actor: Actor, bank_name: str, path: Path, *, fmt: str = "auto",
                algorithm: str | None = None, item_id: str | None = None, strict: bool = False,
                batch_size: int = 50_000, on_progress: Callable[[int], None] | None = None) -> ImportReport:
    """Import ``path`` into the bank. ``on_progress`` gets the byte offset reached after each batch."""
    if not path.is_file():
        raise InvalidInput(f"{path} is not a file", field="file")
    resolved = formats.detect(path) if fmt == "auto" else fmt
    if resolved not in formats.FORMATS:
        raise InvalidInput(f"unknown format {fmt!r}; known: {', '.join(formats.FORMATS)}", field="format")
    if strict:
        _check_all(path, resolved, algorithm, item_id)
    digest = file_digest(path)
    with db.transaction() as session:
        bank = get_bank(session, bank_name)
        job = session.scalar(select(BankImport).where(
            BankImport.bank_id == bank.id, BankImport.file_sha256 == digest, BankImport.status == "running"))
        if job is None:
            job = BankImport(bank_id=bank.id, file_name=path.name[:300], file_sha256=digest, format=resolved,
                             algorithm=algorithm, started_by=actor.label)
            session.add(job)
            session.flush()
            record(session, actor, "bank.import_started", "bank", str(bank.id), format=resolved)
        report = ImportReport(str(job.id), bank.name, path.name, resolved, resumed_from_line=job.lines_done,
                              lines=job.lines_done, added=job.added, duplicates=job.duplicates,
                              malformed=job.malformed, errors=list(job.errors))
        start = Position(job.lines_done, job.byte_offset) if job.lines_done else None
    if on_progress and start:
        on_progress(start.offset)

    batch: list[Entry] = []
    bad: list[Malformed] = []
    position = start or Position(0, 0)
    for record_, position in formats.read(path, resolved, algorithm=algorithm, item_id=item_id, start=start):
        if isinstance(record_, Malformed):
            bad.append(record_)
        else:
            batch.append(record_)
        if len(batch) >= batch_size:
            _commit(db, report, batch, bad, position)
            batch, bad = [], []
            if on_progress:
                on_progress(position.offset)
    _commit(db, report, batch, bad, position, final=True, actor=actor)
    if on_progress:
        on_progress(position.offset)
    return report


def _check_all(path: Path, fmt: str, algorithm: str | None, item_id: str | None) -> None:
    for record_, _ in formats.read(path, fmt, algorithm=algorithm, item_id=item_id):
        if isinstance(record_, Malformed):
            raise ImportAborted(f"line {record_.line}: {record_.reason} (strict import: nothing was imported)",
                                field="file")


def _commit(db: Database, report: ImportReport, batch: list[Entry], bad: list[Malformed], position: Position, *,
            final: bool = False, actor: Actor | None = None) -> None:
    with db.transaction() as session:
        write_lock(session)
        job = session.get(BankImport, uuid.UUID(report.import_id))
        assert job is not None
        bank = get_bank(session, report.bank)
        unique = list({(e.algorithm, e.value, e.item_id): e for e in batch}.values())
        before = _max_hash_id(session)
        added = insert_entries(session, bank, unique, import_id=job.id)
        announce_added(session, bank, before)  # each batch is matched retroactively as soon as it commits
        report.lines = max(report.lines, position.line)
        report.added += added
        report.duplicates += len(batch) - added
        report.malformed += len(bad)
        room = MAX_ERRORS_KEPT - len(report.errors)
        report.errors.extend({"line": m.line, "reason": m.reason} for m in bad[:max(room, 0)])
        job.lines_done, job.byte_offset = report.lines, position.offset
        job.added, job.duplicates, job.malformed, job.errors = (report.added, report.duplicates, report.malformed,
                                                                list(report.errors))
        if final:
            job.status, job.finished_at = "done", utcnow()
            report.status = "done"
            assert actor is not None
            record(session, actor, "bank.import_finished", "bank", str(bank.id), added=report.added,
                   duplicates=report.duplicates, malformed=report.malformed, lines=report.lines)

