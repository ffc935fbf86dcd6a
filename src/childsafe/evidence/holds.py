"""Preservation holds: a legal basis, a start, an expiry, extensions with reasons, and a release.

A hold covers everything preserved for its case. Cases of abuse material, grooming and sextortion
get one automatically the moment they are (or become) such a case, under the configured
jurisdiction's rule (US: 18 U.S.C. 2258A(h), one year). Expired or released holds stay as history
and are never extended silently: extending one is refused, and a new hold must be placed.
"""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from childsafe import cases
from childsafe.audit import Actor, record
from childsafe.audit.log import SYSTEM
from childsafe.errors import InvalidInput, NotFound
from childsafe.evidence.errors import HoldNotActive
from childsafe.evidence.models import EvidenceHold
from childsafe.evidence.vault import vault_for
from childsafe.store import new_id, utcnow
from childsafe.vocabulary import RiskCategory

PRESERVED_CATEGORIES = frozenset({RiskCategory.CSAM.value, RiskCategory.GROOMING.value,
                                  RiskCategory.SEXTORTION.value})
_SEEN = "childsafe.evidence.held_cases"


@dataclass(frozen=True)
class HoldInfo:
    id: uuid.UUID
    case_id: uuid.UUID
    legal_basis: str
    jurisdiction: str
    started_at: datetime
    expires_at: datetime
    status: str  # active | expired | released
    placed_by: str
    reason: str
    extensions: list[dict[str, Any]]
    released_at: datetime | None
    released_by: str | None
    release_reason: str | None


def _status(hold: EvidenceHold, now: datetime) -> str:
    if hold.released_at is not None:
        return "released"
    return "active" if hold.expires_at > now else "expired"


def _info(hold: EvidenceHold, now: datetime | None = None) -> HoldInfo:
    return HoldInfo(hold.id, hold.case_id, hold.legal_basis, hold.jurisdiction, hold.started_at, hold.expires_at,
                    _status(hold, now or utcnow()), hold.placed_by, hold.reason, list(hold.extensions),
                    hold.released_at, hold.released_by, hold.release_reason)


def _required(text: str | None, name: str) -> str:
    value = (text or "").strip()
    if not value:
        raise InvalidInput(f"a {name} is required", field=name)
    if len(value) > 500:
        raise InvalidInput(f"the {name} must be at most 500 characters", field=name)
    return value


_EARLIEST_START = datetime(2000, 1, 1, tzinfo=UTC)


def _start(started_at: datetime | None) -> datetime:
    """A hold starts now or at a real past moment (a CyberTip submission); a start far in the future would
    never cover anything yet, and one near year 9999 cannot carry an expiry at all."""
    now = utcnow()
    if started_at is None:
        return now
    if started_at.tzinfo is None:
        raise InvalidInput("started_at must carry a time zone", field="started_at")
    if not _EARLIEST_START <= started_at <= now + timedelta(days=1):
        raise InvalidInput("started_at must lie between 2000-01-01 and one day from now", field="started_at")
    return started_at


def _days(days: int) -> timedelta:
    if not 0 <= days <= 36500:
        raise InvalidInput("a hold lasts between 1 day and 100 years", field="days")
    return timedelta(days=days)


def _later(moment: datetime, length: timedelta, field: str) -> datetime:
    try:
        return moment + length
    except OverflowError:
        raise InvalidInput(f"the resulting expiry is past the year {datetime.max.year}", field=field) from None


def place_hold(session: Session, case_id: uuid.UUID, *, actor: Actor, jurisdiction: str | None = None,
               legal_basis: str | None = None, days: int | None = None, reason: str = "",
               started_at: datetime | None = None) -> HoldInfo:
    """A new hold from now (or ``started_at``, e.g. the CyberTip submission time) under a jurisdiction's rule;
    an explicit ``legal_basis`` and ``days`` cover a jurisdiction without a configured rule."""
    cases.restricted(session, case_id)  # NotFound for an unknown case
    if legal_basis is not None and days is not None:
        where, basis, length = (jurisdiction or "").upper() or "-", _required(legal_basis, "legal_basis"), \
            _days(days)
    else:
        where, basis, length = vault_for(session).hold_rule(jurisdiction)
        if days is not None:
            length = _days(days)
        if legal_basis is not None:
            basis = _required(legal_basis, "legal_basis")
    if length <= timedelta(0) or length > timedelta(days=36500):
        raise InvalidInput("a hold lasts between 1 day and 100 years", field="days")
    start = _start(started_at)
    hold = EvidenceHold(id=new_id(), case_id=case_id, legal_basis=basis, jurisdiction=where[:10], started_at=start,
                        expires_at=_later(start, length, "days"), placed_by=actor.label,
                        reason=reason.strip()[:500], extensions=[])
    session.add(hold)
    session.flush()
    record(session, actor, "evidence.hold_placed", "evidence_hold", hold.id, reason=hold.reason, case_id=case_id,
           jurisdiction=hold.jurisdiction, expires_at=hold.expires_at)
    return _info(hold)


def _hold(session: Session, hold_id: uuid.UUID) -> EvidenceHold:
    query = select(EvidenceHold).where(EvidenceHold.id == hold_id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    hold = session.scalar(query)
    if hold is None:
        raise NotFound(f"hold {hold_id} does not exist")
    return hold


def extend_hold(session: Session, hold_id: uuid.UUID, *, actor: Actor, reason: str,
                until: datetime | None = None, days: int | None = None) -> HoldInfo:
    """Push an active hold's expiry later (e.g. a law-enforcement preservation request). Never revives one."""
    why = _required(reason, "reason")
    if (until is None) == (days is None):
        raise InvalidInput("give either until or days", field="until")
    hold, now = _hold(session, hold_id), utcnow()
    state = _status(hold, now)
    if state != "active":
        when = hold.released_at if state == "released" else hold.expires_at
        raise HoldNotActive(f"hold {hold_id} was {state} on {when.isoformat()} and cannot be extended; "
                            "place a new hold for the case instead")
    new_expiry = until if until is not None else _later(hold.expires_at, _days(days or 0), "days")
    if new_expiry.tzinfo is None:
        raise InvalidInput("until must carry a time zone", field="until")
    if new_expiry <= hold.expires_at:
        raise InvalidInput(f"the new expiry must be later than the current one ({hold.expires_at.isoformat()})",
                           field="until")
    hold.extensions = [*hold.extensions, {"at": now.isoformat(), "by": actor.label, "reason": why,
                                          "from": hold.expires_at.isoformat(), "to": new_expiry.isoformat()}]
    previous, hold.expires_at = hold.expires_at, new_expiry
    record(session, actor, "evidence.hold_extended", "evidence_hold", hold.id, reason=why, case_id=hold.case_id,
           previous_expiry=previous, expires_at=new_expiry)
    return _info(hold, now)


def release_hold(session: Session, hold_id: uuid.UUID, *, actor: Actor, reason: str) -> HoldInfo:
    """End an active hold early (e.g. the material proved benign); retention then purges what nothing else holds."""
    why = _required(reason, "reason")
    hold, now = _hold(session, hold_id), utcnow()
    state = _status(hold, now)
    if state != "active":
        raise HoldNotActive(f"hold {hold_id} is already {state}")
    hold.released_at, hold.released_by, hold.release_reason = now, actor.label, why
    record(session, actor, "evidence.hold_released", "evidence_hold", hold.id, reason=why, case_id=hold.case_id)
    return _info(hold, now)


def holds(session: Session, case_id: uuid.UUID) -> list[HoldInfo]:
    now = utcnow()
    rows = session.scalars(select(EvidenceHold).where(EvidenceHold.case_id == case_id)
                           .order_by(EvidenceHold.started_at, EvidenceHold.id))
    return [_info(h, now) for h in rows]


def get_hold(session: Session, hold_id: uuid.UUID) -> HoldInfo:
    hold = session.get(EvidenceHold, hold_id)
    if hold is None:
        raise NotFound(f"hold {hold_id} does not exist")
    return _info(hold)


def held_case_ids(session: Session, case_ids: set[uuid.UUID], now: datetime | None = None) -> set[uuid.UUID]:
    """Which of these cases an active hold covers now."""
    if not case_ids:
        return set()
    moment = now or utcnow()
    return set(session.scalars(select(EvidenceHold.case_id).where(
        EvidenceHold.case_id.in_(case_ids), EvidenceHold.released_at.is_(None), EvidenceHold.expires_at > moment)))


def ensure_hold(session: Session, case_id: uuid.UUID, actor: Actor, why: str) -> None:
    """The default hold, unless an active one already covers the case."""
    if not held_case_ids(session, {case_id}):
        place_hold(session, case_id, actor=actor, reason=why)


@event.listens_for(Session, "before_flush")
def _hold_preserved_categories(session: Session, _context: object, _instances: object) -> None:
    """Place the default hold on a case the moment it is, or becomes, abuse material, grooming or sextortion."""
    seen: set[uuid.UUID] = session.info.setdefault(_SEEN, set())
    due = [obj for obj in (*session.new, *session.dirty) if isinstance(obj, cases.Case)
           and PRESERVED_CATEGORIES.intersection(obj.categories or ()) and obj.id not in seen]
    for case in due:
        if case.id is None:
            case.id = new_id()
        seen.add(case.id)
        with session.no_autoflush:
            if held_case_ids(session, {case.id}):
                continue
            where, basis, length = vault_for(session).hold_rule(None)
            start = utcnow()
            hold = EvidenceHold(id=new_id(), case_id=case.id, legal_basis=basis, jurisdiction=where[:10],
                                started_at=start, expires_at=start + length, placed_by=SYSTEM.label,
                                reason=f"automatic: {case.category} case", extensions=[])
            session.add(hold)
            record(session, SYSTEM, "evidence.hold_placed", "evidence_hold", hold.id, reason=hold.reason,
                   case_id=case.id, jurisdiction=where, expires_at=hold.expires_at, automatic=True)


@event.listens_for(Session, "before_commit", insert=True)
def _flush_cases_before_audit_seal(session: Session) -> None:
    """Runs before the audit log seals the transaction, so an automatic hold's audit entry is sealed with it."""
    if not session.in_nested_transaction() and any(isinstance(o, cases.Case) for o in (*session.new, *session.dirty)):
        session.flush()
