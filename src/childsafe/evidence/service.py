"""The evidence capability's public functions: preserve, list, read (audited, with a reason), review.

Content is sealed before it reaches any disk, the sealed object is durable before the database row
that points to it commits, and every read or reveal is in the audit log with who and why.
"""

import hashlib
import logging
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any

import orjson
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from childsafe import cases
from childsafe.audit import Actor, record
from childsafe.audit.log import SYSTEM
from childsafe.errors import Forbidden, InvalidInput, NotFound
from childsafe.evidence import wellness
from childsafe.evidence.crypto import open_sealed, seal
from childsafe.evidence.errors import EvidencePurged, TamperedEvidence, VaultLocked
from childsafe.evidence.holds import PRESERVED_CATEGORIES, ensure_hold
from childsafe.evidence.models import EvidenceExposure, EvidenceItem
from childsafe.evidence.records import MEDIA_KIND, checked
from childsafe.evidence.vault import Vault, VaultNotConfigured, vault_for
from childsafe.hashing import InvalidMedia, pdq_hash_bytes, sniff_video
from childsafe.store import new_id, utcnow
from childsafe.vocabulary import Role
from childsafe.vocabulary.roles import REVIEWER_ROLES

_log = logging.getLogger("childsafe.evidence")
SYSTEM_ROLE = SYSTEM.role  # in-process automation (scan, CyberTip submission): audited, never a person
PRESERVER_ROLES = frozenset({Role.SERVICE.value, Role.CHILD_SAFETY_SPECIALIST.value, SYSTEM_ROLE})


@dataclass(frozen=True)
class ItemInfo:
    """What is known about a preserved item without opening it."""

    id: uuid.UUID
    case_id: uuid.UUID
    kind: str
    filename: str | None
    content_type: str | None
    size: int
    md5: str | None
    sha256: str | None
    pdq: str | None
    created_at: datetime
    source: str
    viewed_by_person: bool
    exif_viewed: bool
    purged: bool


def _info(item: EvidenceItem) -> ItemInfo:
    return ItemInfo(item.id, item.case_id, item.kind, item.filename, item.content_type, item.size, item.md5,
                    item.sha256, item.pdq, item.created_at, item.source, item.viewed_by_person, item.exif_viewed,
                    item.purged_at is not None)


def required_reason(reason: str | None) -> str:
    value = (reason or "").strip()
    if not value:
        raise InvalidInput("a reason is required to open evidence; it is written to the audit log", field="reason")
    if len(value) > 500:
        raise InvalidInput("the reason must be at most 500 characters", field="reason")
    return value


def _check_preserver(session: Session, case_id: uuid.UUID, actor: Actor) -> None:
    cases.restricted(session, case_id)  # NotFound for an unknown case
    if actor.role not in PRESERVER_ROLES:
        raise Forbidden(f"the {actor.role} role may not preserve evidence")
    if actor.role in REVIEWER_ROLES:
        cases.get(session, case_id, actor, reason="preserve evidence", audit_read=False)


def _base_name(filename: str | None) -> str | None:
    """The original file name as the platform knew it, without any directory part."""
    if not filename:
        return None
    name = PureWindowsPath(PurePosixPath(filename).name).name.replace("\x00", "")
    return name[-255:] or None


def _existing(session: Session, case_id: uuid.UUID, kind: str, sha256: str) -> EvidenceItem | None:
    """An unpurged item with these bytes, locked so retention cannot shred it before our hold commits.

    Retention locks the row and re-checks holds; holding the row lock first means it either purged the item
    before we looked (then we store anew) or waits and sees our committed hold. SQLite transactions start
    with BEGIN IMMEDIATE, so its write lock already serialises the two."""
    query = select(EvidenceItem).where(EvidenceItem.case_id == case_id, EvidenceItem.kind == kind,
                                       EvidenceItem.sha256 == sha256, EvidenceItem.purged_at.is_(None)).limit(1)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return session.scalar(query)


def _preserve(session: Session, vault: Vault, *, case_id: uuid.UUID, kind: str, plaintext: bytes, actor: Actor,
              source: str, filename: str | None, content_type: str | None, md5: str | None, pdq: str | None
              ) -> ItemInfo:
    sha256 = hashlib.sha256(plaintext).hexdigest()
    keys = vault.keys()  # no key: VaultLocked before anything is written anywhere
    existing = _existing(session, case_id, kind, sha256)
    if existing is not None:  # the same bytes again (a retried upload, a re-scan): one item, one object
        ensure_hold(session, case_id, actor, "preserved evidence")
        session.refresh(existing)
        if existing.purged_at is None and existing.wrapped_key is not None:
            return _info(existing)
        # purged between the look-up and the hold: the old object is shredded, so store the bytes anew
    item_id = new_id()
    sealed = seal(keys, item_id, plaintext)
    object_key = item_id.hex
    vault.store.put(object_key, sealed.blob)  # durable before the row commits; an orphan is unreadable ciphertext
    item = EvidenceItem(id=item_id, case_id=case_id, kind=kind, filename=_base_name(filename),
                        content_type=(content_type or None) and content_type[:100], size=len(plaintext), md5=md5,
                        sha256=sha256, pdq=pdq, source=(source or "unspecified")[:80], store=vault.store.name,
                        object_key=object_key, key_id=sealed.key_id, wrapped_key=sealed.wrapped_key,
                        created_at=utcnow(), created_by=actor.label)
    session.add(item)
    session.flush()
    ensure_hold(session, case_id, actor, "preserved evidence")
    record(session, actor, "evidence.preserved", "evidence_item", item_id, case_id=case_id, kind=kind,
           size=len(plaintext), sha256=sha256, source=item.source)
    return _info(item)


def _pdq(data: bytes) -> str | None:
    if sniff_video(data[:1024]):
        return None  # videos are preserved as they are; never decoded through a clear-text temporary file
    try:
        values, _quality = pdq_hash_bytes(data)
    except InvalidMedia:
        return None
    return values[0]


def preserve_media(session: Session, *, case_id: uuid.UUID, data: bytes, filename: str | None,
                   content_type: str | None, actor: Actor, source: str) -> ItemInfo:
    """Seal and store uploaded media for a case, with its MD5, SHA-256 and (images) PDQ."""
    vault = vault_for(session)
    if not data:
        raise InvalidInput("the file is empty (0 bytes)", field="media")
    if len(data) > vault.settings.max_upload_bytes:
        raise InvalidInput(f"the file is larger than {vault.settings.max_upload_bytes} bytes", field="media")
    _check_preserver(session, case_id, actor)
    return _preserve(session, vault, case_id=case_id, kind=MEDIA_KIND, plaintext=data, actor=actor, source=source,
                     filename=filename, content_type=content_type,
                     md5=hashlib.md5(data, usedforsecurity=False).hexdigest(), pdq=_pdq(data))


def preserve_record(session: Session, *, case_id: uuid.UUID, kind: str, record: dict[str, Any], actor: Actor,
                    source: str) -> ItemInfo:
    """Seal account data, IP or login events, or a message thread for a case (checked against its shape first)."""
    vault = vault_for(session)
    canonical = orjson.dumps(checked(kind, record), option=orjson.OPT_SORT_KEYS)
    _check_preserver(session, case_id, actor)
    return _preserve(session, vault, case_id=case_id, kind=kind, plaintext=canonical, actor=actor, source=source,
                     filename=None, content_type="application/json", md5=None, pdq=None)


def preserve_upload_match(session: Session, *, case_id: uuid.UUID, data: bytes, categories: set[str],
                          actor: Actor, content_id: str | None) -> ItemInfo | None:
    """What the scan calls when uploaded bytes matched a bank: abuse-material, grooming and sextortion matches
    are preserved (by the system, on the uploader's behalf). Without a usable vault nothing is stored anywhere
    (fail closed); the scan still answers and the refusal is audited and logged for operators."""
    if not data or not PRESERVED_CATEGORIES.intersection(categories):
        return None
    try:
        with session.begin_nested():
            return preserve_media(session, case_id=case_id, data=data, filename=None, content_type=None,
                                  actor=SYSTEM, source=f"scan_match:{content_id or '-'}"[:80])
    except (VaultLocked, VaultNotConfigured) as exc:
        _log.error("evidence not preserved: %s", exc.detail, extra={"case_id": str(case_id)})
        record(session, actor, "evidence.preservation_failed", "case", case_id, durable=True, error=exc.title)
        return None


def items(session: Session, case_id: uuid.UUID) -> list[ItemInfo]:
    rows = session.scalars(select(EvidenceItem).where(EvidenceItem.case_id == case_id)
                           .order_by(EvidenceItem.created_at, EvidenceItem.id))
    return [_info(item) for item in rows]


def item(session: Session, item_id: uuid.UUID) -> ItemInfo:
    found = session.get(EvidenceItem, item_id)
    if found is None:
        raise NotFound(f"evidence item {item_id} does not exist")
    return _info(found)


def _is_person(actor: Actor) -> bool:
    return actor.role != SYSTEM_ROLE


def _readable(session: Session, item_id: uuid.UUID, actor: Actor, reason: str) -> EvidenceItem:
    """The item, if this actor may open it: the case's access rule (specialists only for child-safety cases)."""
    found = session.get(EvidenceItem, item_id)
    if found is None:
        raise NotFound(f"evidence item {item_id} does not exist")
    if _is_person(actor):
        case = cases.get(session, found.case_id, actor, reason=reason, audit_read=False)
        if PRESERVED_CATEGORIES.intersection(case.categories) and actor.role != Role.CHILD_SAFETY_SPECIALIST:
            record(session, actor, "evidence.access_denied", "evidence_item", found.id, reason=reason, durable=True)
            raise Forbidden("evidence of abuse material, grooming and sextortion is for child-safety specialists")
    if found.purged_at is not None or found.wrapped_key is None:
        raise EvidencePurged(f"evidence item {item_id} was purged on {found.purged_at} after its holds ended")
    return found


def _plaintext(session: Session, found: EvidenceItem, actor: Actor, reason: str) -> bytes:
    vault = vault_for(session)
    keys = vault.keys()
    try:
        try:
            blob = vault.store.get(found.object_key)
        except NotFound:
            raise TamperedEvidence(f"the stored object of evidence item {found.id} is missing") from None
        return open_sealed(keys, found.id, found.key_id, found.wrapped_key or b"", blob)
    except TamperedEvidence as exc:
        record(session, actor, "evidence.tamper_detected", "evidence_item", found.id, reason=reason, durable=True,
               case_id=found.case_id, detail=exc.detail[:200])
        raise


def _expose(session: Session, actor: Actor, found: EvidenceItem, action: str) -> None:
    if not _is_person(actor):
        return
    now = utcnow()
    session.add(EvidenceExposure(actor_id=actor.id, day=now.date().isoformat(), item_id=found.id, action=action,
                                 at=now))
    if action != "blurred":
        found.viewed_by_person = True


def read_media(session: Session, item_id: uuid.UUID, *, actor: Actor, reason: str) -> bytes:
    """The original bytes. Audited with the reason; a person's read counts as viewing the file, and as viewing
    its EXIF metadata when the file carries any."""
    why = required_reason(reason)
    found = _readable(session, item_id, actor, why)
    if found.kind != MEDIA_KIND:
        raise InvalidInput(f"evidence item {item_id} is a {found.kind} record; read it with read_record",
                           field="item_id")
    data = _plaintext(session, found, actor, why)
    _expose(session, actor, found, "read")
    if _is_person(actor) and not found.exif_viewed and not sniff_video(data[:1024]) and wellness.carries_exif(data):
        found.exif_viewed = True  # the raw bytes carry EXIF (camera, time, location) and a person now has them
    record(session, actor, "evidence.read", "evidence_item", found.id, reason=why, case_id=found.case_id,
           kind=found.kind)
    return data


def read_record(session: Session, item_id: uuid.UUID, *, actor: Actor, reason: str) -> dict[str, Any]:
    why = required_reason(reason)
    found = _readable(session, item_id, actor, why)
    if found.kind == MEDIA_KIND:
        raise InvalidInput(f"evidence item {item_id} is media; read it with read_media", field="item_id")
    data = orjson.loads(_plaintext(session, found, actor, why))
    record(session, actor, "evidence.read", "evidence_item", found.id, reason=why, case_id=found.case_id,
           kind=found.kind)
    return data


def review_image(session: Session, item_id: uuid.UUID, *, actor: Actor, reveal: bool = False,
                 reason: str | None = None) -> bytes:
    """A PNG for review: blurred and greyscale, unless the reviewer deliberately reveals it with a reason."""
    why = required_reason(reason) if reveal else ((reason or "").strip()[:500] or "review (blurred)")
    found = _readable(session, item_id, actor, why)
    if found.kind != MEDIA_KIND:
        raise InvalidInput(f"evidence item {item_id} is a {found.kind} record, not an image", field="item_id")
    data = _plaintext(session, found, actor, why)
    if sniff_video(data[:1024]):
        raise InvalidInput(f"evidence item {item_id} is a video; only images have a blurred review rendering",
                           field="item_id")
    png = wellness.revealed(data) if reveal else wellness.blurred(data)
    _expose(session, actor, found, "revealed" if reveal else "blurred")
    record(session, actor, "evidence.revealed" if reveal else "evidence.viewed_blurred", "evidence_item", found.id,
           reason=why, case_id=found.case_id)
    return png


def exposure(session: Session, actor_id: str, day: date | str | None = None) -> dict[str, Any]:
    """How much abuse material one reviewer saw on one UTC day: blurred views, reveals, reads, distinct items."""
    when = (day.isoformat() if isinstance(day, date) else day) or utcnow().date().isoformat()
    rows = dict(session.execute(
        select(EvidenceExposure.action, func.count()).where(EvidenceExposure.actor_id == actor_id,
                                                            EvidenceExposure.day == when)
        .group_by(EvidenceExposure.action)).all())
    distinct = session.scalar(select(func.count(func.distinct(EvidenceExposure.item_id))).where(
        EvidenceExposure.actor_id == actor_id, EvidenceExposure.day == when)) or 0
    counts = {action: int(rows.get(action, 0)) for action in ("blurred", "revealed", "read")}
    return {"actor_id": actor_id, "day": when, **counts, "total": sum(counts.values()), "items": int(distinct)}
