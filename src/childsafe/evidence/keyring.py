"""Master-key management: create the key file, rotate to a new master key, retire unused keys.

Rotation writes the new key into the key file first (old keys kept), then re-wraps every item's
data key in committed batches. A rotation killed half-way leaves a mix of key ids, all of which the
key file can still unwrap; running it again finishes the job. Content is never re-encrypted.
"""

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from childsafe.audit import Actor, record
from childsafe.config import Settings
from childsafe.errors import Conflict
from childsafe.evidence.crypto import MasterKeys, rewrap, write_key_file
from childsafe.evidence.errors import VaultLocked
from childsafe.evidence.models import EvidenceItem
from childsafe.store import Database, utcnow

_BATCH = 200
RETIRE_GRACE = timedelta(minutes=15)  # far longer than a transaction that read the key file can stay open


@dataclass
class RotationResult:
    active: str
    rewrapped: int
    retired: list[str]


def init_key(path: str | Path, *, force: bool = False) -> MasterKeys:
    """A new key file with one fresh 256-bit master key (owner-only permissions)."""
    if Path(path).exists() and not force:
        raise Conflict(f"{path} already exists; rotate with `childsafe evidence rotate-key`, or pass --force "
                       "only if no evidence was ever sealed with it")
    keys = MasterKeys.generate()
    write_key_file(path, keys)
    return keys


def _key_file(settings: Settings) -> str:
    if not settings.evidence_key_file:
        raise VaultLocked("no evidence master key is configured (set CHILDSAFE_EVIDENCE_KEY_FILE)")
    return settings.evidence_key_file


def _stamp_unstamped(path: str, keys: MasterKeys) -> MasterKeys:
    """Old keys with no rotation time (a key file from before times were kept) count as rotated out now."""
    missing = {k for k in keys.keys if k != keys.active and k not in keys.rotated_out}
    if not missing:
        return keys
    now = utcnow()
    keys = MasterKeys(keys.active, keys.keys, {**keys.rotated_out, **dict.fromkeys(missing, now)})
    write_key_file(path, keys)
    return keys


def rotate(db: Database, settings: Settings, *, actor: Actor, new_key: bool = True,
           retire_old: bool = False, retire_grace: timedelta = RETIRE_GRACE) -> RotationResult:
    """Make a new key active and re-wrap every item under it; with ``retire_old``, also drop old keys.

    A process that read the key file just before a rotation may still seal one item with the previous
    key after the re-wrap checked which keys are in use. So a key is retired only once it has been out
    of use for ``retire_grace`` (far longer than any transaction) and, re-wrapped again, no item needs it;
    the key just rotated out is therefore retired by a later run, never the same one."""
    path = _key_file(settings)
    keys = MasterKeys.load(path)
    if new_key:
        keys = keys.with_new_key()
        write_key_file(path, keys)
    rewrapped = 0
    while True:
        with db.transaction() as session:
            batch = list(session.scalars(select(EvidenceItem).where(
                EvidenceItem.key_id != keys.active, EvidenceItem.wrapped_key.is_not(None)).limit(_BATCH)))
            for item in batch:
                item.wrapped_key = rewrap(keys, item.id, item.key_id, item.wrapped_key or b"")
                item.key_id = keys.active
            rewrapped += len(batch)
        if len(batch) < _BATCH:
            break
    retired: list[str] = []
    if retire_old:
        keys = _stamp_unstamped(path, keys)
        with db.transaction() as session:
            in_use = set(session.scalars(select(EvidenceItem.key_id).where(
                EvidenceItem.wrapped_key.is_not(None)).distinct()))
        cutoff = utcnow() - retire_grace
        retired = sorted(k for k in keys.keys if k != keys.active and k not in in_use
                         and keys.rotated_out[k] <= cutoff)
        if retired:
            keys = MasterKeys.load(path).without(set(retired))  # the file as it is now, minus the retired keys
            write_key_file(path, keys)
    with db.transaction() as session:
        record(session, actor, "evidence.key_rotated", "evidence", "master_key", active=keys.active,
               rewrapped=rewrapped, retired=retired)
    return RotationResult(keys.active, rewrapped, retired)
