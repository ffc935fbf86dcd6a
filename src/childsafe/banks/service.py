"""The banks capability's public functions: banks, their hashes, retractions and change feeds.

Every write that adds or retracts hashes takes the banks write lock first (a PostgreSQL advisory
lock; SQLite serialises writers anyway), so hash and removal ids become visible in id order and a
matcher that remembers "the last id I saw" never skips a row that commits late.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.orm import Session

from childsafe import jobs
from childsafe.audit import Actor, record
from childsafe.banks.formats import PERCEPTUAL, Entry, canonical, known_algorithm
from childsafe.banks.models import Bank, BankHash, BankImport, BankRemoval
from childsafe.errors import Conflict, InvalidInput, NotFound
from childsafe.store import utcnow
from childsafe.vocabulary import RiskCategory

KINDS = ("match", "allow")
SOURCES = ("local", "file", "exchange")
MAX_THRESHOLD = 63  # beyond a quarter of PDQ's bits a "match" says little; the index is exact up to here
DEFAULT_THRESHOLD = 31  # HMA's and ThreatExchange's PDQ default
MAX_BANKS = 65_535  # a bank id is the uint16 tag on every index entry
HASHES_ADDED = "banks.hashes_added"  # job kind: other capabilities (scan) react to new hashes
_WRITE_LOCK = 0x62616E6B  # "bank"


@dataclass(frozen=True)
class BankInfo:
    """What a matcher needs to know about a bank, detached from any session."""

    id: int
    name: str
    kind: str
    category: str
    threshold: int
    enabled: bool


def info(bank: Bank) -> BankInfo:
    return BankInfo(bank.id, bank.name, bank.kind, bank.category, bank.threshold, bank.enabled)


def write_lock(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _WRITE_LOCK})


def create_bank(session: Session, actor: Actor, *, name: str, kind: str = "match",
                category: RiskCategory = RiskCategory.CSAM, threshold: int = DEFAULT_THRESHOLD,
                source: str = "local", description: str = "", enabled: bool = True) -> Bank:
    _validate(kind=kind, threshold=threshold, source=source, name=name)
    if session.scalar(select(Bank.id).where(Bank.name == name)) is not None:
        raise Conflict(f"a bank named {name!r} already exists")
    if (session.scalar(select(func.max(Bank.id))) or 0) >= MAX_BANKS:
        raise Conflict(f"at most {MAX_BANKS} banks")
    bank = Bank(name=name, kind=kind, category=RiskCategory(category).value, threshold=threshold, source=source,
                description=description, enabled=enabled)
    session.add(bank)
    session.flush()
    record(session, actor, "bank.created", "bank", str(bank.id), name=name, kind=kind, threshold=threshold)
    return bank


def _validate(*, kind: str | None = None, threshold: int | None = None, source: str | None = None,
              name: str | None = None) -> None:
    if kind is not None and kind not in KINDS:
        raise InvalidInput(f"kind must be one of {', '.join(KINDS)}", field="kind")
    if threshold is not None and not 0 <= threshold <= MAX_THRESHOLD:
        raise InvalidInput(f"threshold must be 0-{MAX_THRESHOLD} bits", field="threshold")
    if source is not None and source not in SOURCES:
        raise InvalidInput(f"source must be one of {', '.join(SOURCES)}", field="source")
    if name is not None and not (1 <= len(name) <= 80 and name.replace("-", "").replace("_", "").isalnum()):
        raise InvalidInput("a bank name is 1-80 letters, digits, '-' or '_'", field="name")


def get_bank(session: Session, name: str) -> Bank:
    bank = session.scalar(select(Bank).where(Bank.name == name))
    if bank is None:
        raise NotFound(f"no bank named {name!r}")
    return bank


def ensure_bank(session: Session, actor: Actor, name: str, **options: Any) -> Bank:
    """The named bank, created with ``options`` if it does not exist yet."""
    bank = session.scalar(select(Bank).where(Bank.name == name))
    return bank if bank is not None else create_bank(session, actor, name=name, **options)


def list_banks(session: Session) -> list[Bank]:
    return list(session.scalars(select(Bank).order_by(Bank.name)))


def all_banks(session: Session) -> dict[int, BankInfo]:
    return {b.id: info(b) for b in session.scalars(select(Bank))}


def update_bank(session: Session, actor: Actor, name: str, *, enabled: bool | None = None,
                threshold: int | None = None, description: str | None = None,
                category: RiskCategory | None = None) -> Bank:
    _validate(threshold=threshold)
    bank = get_bank(session, name)
    changes: dict[str, Any] = {}
    for field, value in (("enabled", enabled), ("threshold", threshold), ("description", description),
                         ("category", RiskCategory(category).value if category else None)):
        if value is not None and getattr(bank, field) != value:
            setattr(bank, field, value)
            changes[field] = value
    if changes:
        bank.updated_at = utcnow()
        record(session, actor, "bank.updated", "bank", str(bank.id),
               **{k: v for k, v in changes.items() if k != "description"})
    return bank


def stats(session: Session, bank: Bank) -> dict[str, Any]:
    by_algorithm = dict(session.execute(
        select(BankHash.algorithm, func.count()).where(BankHash.bank_id == bank.id).group_by(BankHash.algorithm)
    ).all())
    items = session.scalar(select(func.count(func.distinct(BankHash.item_id)))
                           .where(BankHash.bank_id == bank.id, BankHash.algorithm == "vpdq")) or 0
    removed = session.scalar(select(func.count()).select_from(BankRemoval).where(BankRemoval.bank_id == bank.id))
    last_import = session.scalar(select(BankImport).where(BankImport.bank_id == bank.id)
                                 .order_by(BankImport.started_at.desc()).limit(1))
    return {
        "hashes": sum(by_algorithm.values()), "by_algorithm": by_algorithm, "videos": items,
        "removed": removed or 0, "last_refresh_at": bank.last_refresh_at,
        "last_import": None if last_import is None else {
            "file_name": last_import.file_name, "status": last_import.status, "lines": last_import.lines_done,
            "added": last_import.added, "duplicates": last_import.duplicates, "malformed": last_import.malformed,
            "started_at": last_import.started_at, "finished_at": last_import.finished_at,
        },
    }


def insert_entries(session: Session, bank: Bank, entries: Sequence[Entry], *, import_id: Any = None) -> int:
    """Add entries, skipping any the bank already holds. Returns how many were new.

    The caller holds the write lock. This is the bulk path of imports (millions of rows), so it
    talks to the driver directly: SQLite gets one prepared ``INSERT … ON CONFLICT DO NOTHING``
    executed per row; PostgreSQL gets ``COPY`` into a temporary table and one ``INSERT … SELECT``.
    Either way a resumed import may re-send a batch safely.
    """
    if not entries:
        return 0
    now = utcnow()
    dialect = session.get_bind().dialect
    stamp = BankHash.__table__.c.added_at.type.bind_processor(dialect)
    key = BankHash.__table__.c.import_id.type.bind_processor(dialect)
    added_at = stamp(now) if stamp else now
    import_key = key(import_id) if key and import_id is not None else import_id
    rows = [(bank.id, e.algorithm, e.value, e.item_id, e.quality, e.frame_time, import_key, added_at) for e in entries]
    before = _max_hash_id(session)
    connection = session.connection()
    if dialect.name == "postgresql":
        _copy_insert(connection, rows)
    else:
        connection.exec_driver_sql(
            f"INSERT INTO banks_hash ({_INSERT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "  # noqa: S608 - constants
            "ON CONFLICT DO NOTHING", rows)
    added = session.scalar(select(func.count()).select_from(BankHash).where(BankHash.id > before)) or 0
    bank.last_refresh_at = now
    return added


_INSERT_COLUMNS = "bank_id, algorithm, value, item_id, quality, frame_time, import_id, added_at"


def _copy_insert(connection: Any, rows: list[tuple[Any, ...]]) -> None:
    cursor = connection.connection.driver_connection.cursor()
    cursor.execute("CREATE TEMPORARY TABLE IF NOT EXISTS banks_hash_incoming "
                   "(LIKE banks_hash INCLUDING DEFAULTS) ON COMMIT DELETE ROWS")
    with cursor.copy(f"COPY banks_hash_incoming ({_INSERT_COLUMNS}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
    cursor.execute(f"INSERT INTO banks_hash ({_INSERT_COLUMNS}) SELECT {_INSERT_COLUMNS} "  # noqa: S608 - constants
                   "FROM banks_hash_incoming ON CONFLICT DO NOTHING")
    cursor.execute("DELETE FROM banks_hash_incoming")


def _max_hash_id(session: Session) -> int:
    return session.scalar(select(func.max(BankHash.id))) or 0


def announce_added(session: Session, bank: Bank, after_id: int) -> None:
    """Tell other capabilities (retroactive matching) which hash ids are new in this bank."""
    last = _max_hash_id(session)
    if last > after_id and bank.kind == "match":
        jobs.enqueue(session, HASHES_ADDED, {"bank_id": bank.id, "after_id": after_id, "last_id": last})


def add_hashes(session: Session, actor: Actor, bank_name: str, entries: Sequence[Entry], *,
               reason: str = "") -> int:
    """Add a few hashes (API, confirmed decisions). Large lists go through ``importer``."""
    write_lock(session)
    bank = get_bank(session, bank_name)
    before = _max_hash_id(session)
    added = insert_entries(session, bank, entries)
    announce_added(session, bank, before)
    record(session, actor, "bank.hashes_added", "bank", str(bank.id), reason=reason, added=added,
           offered=len(entries))
    return added


def remove_hashes(session: Session, actor: Actor, bank_name: str, *, values: Iterable[tuple[str, str]] = (),
                  item_ids: Iterable[str] = (), reason: str = "") -> int:
    """Retract hashes (by ``(algorithm, value)``) or whole list items (by id). Returns rows removed."""
    write_lock(session)
    bank = get_bank(session, bank_name)
    ids: set[int] = set()
    pairs = [(known_algorithm(a), canonical(a, v)) for a, v in values]
    for algorithm in {a for a, _ in pairs}:
        wanted = [v for a, v in pairs if a == algorithm]
        for start in range(0, len(wanted), 1000):
            ids.update(session.scalars(select(BankHash.id).where(
                BankHash.bank_id == bank.id, BankHash.algorithm == algorithm,
                BankHash.value.in_(wanted[start:start + 1000]))))
    items = list(item_ids)
    for start in range(0, len(items), 1000):
        ids.update(session.scalars(select(BankHash.id).where(BankHash.bank_id == bank.id,
                                                             BankHash.item_id.in_(items[start:start + 1000]))))
    if not ids:
        return 0
    rows = session.execute(select(BankHash.id, BankHash.algorithm).where(BankHash.id.in_(ids))).all()
    now = utcnow()
    session.execute(insert(BankRemoval), [{"hash_id": i, "bank_id": bank.id, "algorithm": a, "removed_at": now,
                                           "removed_by": actor.label} for i, a in sorted(rows)])
    session.execute(delete(BankHash).where(BankHash.id.in_(ids)))
    bank.last_refresh_at = now
    record(session, actor, "bank.hashes_removed", "bank", str(bank.id), reason=reason, removed=len(rows))
    return len(rows)


def delete_bank(session: Session, actor: Actor, name: str, *, reason: str = "") -> int:
    """Retract every hash and drop the bank. Returns how many hashes were retracted."""
    write_lock(session)
    bank = get_bank(session, name)
    ids = list(session.scalars(select(BankHash.id).where(BankHash.bank_id == bank.id)))
    removed = 0
    now = utcnow()
    for start in range(0, len(ids), 50_000):
        chunk = ids[start:start + 50_000]
        rows = session.execute(select(BankHash.id, BankHash.algorithm).where(BankHash.id.in_(chunk))).all()
        session.execute(insert(BankRemoval), [{"hash_id": i, "bank_id": bank.id, "algorithm": a,
                                               "removed_at": now, "removed_by": actor.label} for i, a in rows])
        session.execute(delete(BankHash).where(BankHash.id.in_(chunk)))
        removed += len(rows)
    session.execute(delete(BankImport).where(BankImport.bank_id == bank.id))
    session.delete(bank)
    record(session, actor, "bank.deleted", "bank", str(bank.id), reason=reason, name=name, removed=removed)
    return removed


# ---- change feeds for matchers -------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class HashRow:
    id: int
    bank_id: int
    algorithm: str
    value: str
    item_id: str
    quality: int | None
    frame_time: float | None


_HASH_COLUMNS = (BankHash.id, BankHash.bank_id, BankHash.algorithm, BankHash.value, BankHash.item_id,
                 BankHash.quality, BankHash.frame_time)


def change_marks(session: Session) -> tuple[int, int]:
    """(last hash id, last removal seq): a matcher is current when it has seen both."""
    return _max_hash_id(session), session.scalar(select(func.max(BankRemoval.seq))) or 0


def hashes_after(session: Session, after_id: int, *, limit: int = 100_000, last_id: int | None = None,
                 algorithms: Iterable[str] = PERCEPTUAL, bank_id: int | None = None) -> list[HashRow]:
    """Hashes added after ``after_id`` (up to ``last_id``), in id order, a page at a time."""
    query = select(*_HASH_COLUMNS).where(BankHash.id > after_id, BankHash.algorithm.in_(list(algorithms)))
    if last_id is not None:
        query = query.where(BankHash.id <= last_id)
    if bank_id is not None:
        query = query.where(BankHash.bank_id == bank_id)
    return [HashRow(*row) for row in session.execute(query.order_by(BankHash.id).limit(limit))]


def perceptual_after(session: Session, after_id: int, last_id: int, *,
                     limit: int = 100_000) -> list[tuple[int, int, str, str]]:
    """(id, bank id, algorithm, hex) of PDQ/vPDQ hashes with ids in (after_id, last_id], in id order.

    Walks the primary key only (the algorithm is filtered here, not in SQL, so the planner cannot
    pick the hash index and sort), and skips ORM row objects: a matcher catching up reads millions.
    """
    rows = session.execute(select(BankHash.id, BankHash.bank_id, BankHash.algorithm, BankHash.value)
                           .where(BankHash.id > after_id, BankHash.id <= last_id)
                           .order_by(BankHash.id).limit(limit)).all()
    if not rows:
        return []
    chosen: list[tuple[int, int, str, str]] = [tuple(r) for r in rows if r[2] in PERCEPTUAL]  # type: ignore[misc]
    if not chosen or chosen[-1][0] != rows[-1][0]:  # keep the page's last id so the caller moves past it
        chosen.append((rows[-1][0], rows[-1][1], "", ""))
    return chosen


def removals_after(session: Session, after_seq: int, *, limit: int = 100_000) -> list[tuple[int, int, str]]:
    """(seq, hash id, algorithm) of retractions after ``after_seq``."""
    rows = session.execute(select(BankRemoval.seq, BankRemoval.hash_id, BankRemoval.algorithm)
                           .where(BankRemoval.seq > after_seq).order_by(BankRemoval.seq).limit(limit))
    return [tuple(r) for r in rows]  # type: ignore[misc]


def hashes_by_id(session: Session, ids: Iterable[int]) -> dict[int, HashRow]:
    wanted = sorted(set(ids))
    found: dict[int, HashRow] = {}
    for start in range(0, len(wanted), 1000):
        for row in session.execute(select(*_HASH_COLUMNS).where(BankHash.id.in_(wanted[start:start + 1000]))):
            found[row[0]] = HashRow(*row)
    return found


def exact_lookup(session: Session, algorithm: str, values: Iterable[str]) -> list[HashRow]:
    """Bank entries whose hash equals one of ``values`` (MD5, SHA-256)."""
    wanted = sorted(set(values))
    rows: list[HashRow] = []
    for start in range(0, len(wanted), 1000):
        chunk = wanted[start:start + 1000]
        rows.extend(HashRow(*r) for r in session.execute(
            select(*_HASH_COLUMNS).where(BankHash.algorithm == algorithm, BankHash.value.in_(chunk))))
    return rows


def video_frames(session: Session, bank_id: int, item_id: str) -> list[HashRow]:
    """Every frame hash of one video in a bank, in time order."""
    return [HashRow(*r) for r in session.execute(
        select(*_HASH_COLUMNS).where(BankHash.bank_id == bank_id, BankHash.algorithm == "vpdq",
                                     BankHash.item_id == item_id).order_by(BankHash.frame_time))]


def last_changed(session: Session) -> datetime | None:
    return session.scalar(select(func.max(Bank.last_refresh_at)))
