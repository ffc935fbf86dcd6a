"""The cases capability's public functions. Other capabilities call these, never the tables."""

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from childsafe.audit import Actor, record
from childsafe.cases.models import Case, CaseComment, CaseEvent, CaseSignal
from childsafe.errors import Conflict, Forbidden, NotFound
from childsafe.store import utcnow
from childsafe.store.base import jsonable
from childsafe.vocabulary import AgeBand, RiskCategory, Role, category_info
from childsafe.vocabulary.roles import REVIEWER_ROLES
from childsafe.vocabulary.taxonomy import PRIORITY_CRITICAL, PRIORITY_HIGH, SLA_DEFAULT, SLA_URGENT, Queue


@dataclass(frozen=True)
class SubjectRef:
    """What a case is about, in the platform's own identifiers."""

    type: str  # content | account | message_thread | live_stream
    platform_id: str
    account_id: str | None = None
    url: str | None = None
    content_type: str | None = None
    created_at: datetime | None = None
    age_band: AgeBand = AgeBand.UNKNOWN

    @property
    def key(self) -> str:
        return hashlib.sha256(f"{self.type}\x1f{self.platform_id}".encode()).hexdigest()


@dataclass(frozen=True)
class Signal:
    """One reason to look at a subject."""

    kind: str  # report | hash_match | classifier | strike_threshold | ...
    ref_id: str
    category: RiskCategory
    imminent_risk: bool = False
    trusted: bool = False  # trusted flagger or authority
    illegal_content_notice: bool = False
    automated: bool = False
    details: dict[str, Any] = field(default_factory=dict)


def _triage(signal: Signal, sla_hours: dict[str, float]) -> tuple[Queue, int, timedelta]:
    info = category_info(signal.category)
    queue, priority = info.queue, info.priority
    sla = timedelta(hours=sla_hours[info.code.value]) if info.code.value in sla_hours else info.sla
    if signal.imminent_risk:
        priority, sla = PRIORITY_CRITICAL, min(sla, SLA_URGENT)
        if queue is Queue.GENERAL or queue is Queue.TRUSTED_FLAGGER:
            queue = Queue.URGENT
    if signal.trusted:
        priority = min(priority, PRIORITY_HIGH)
        if queue is Queue.GENERAL:
            queue = Queue.TRUSTED_FLAGGER
    return queue, priority, sla


_QUEUE_RANK = {Queue.CHILD_SAFETY: 0, Queue.URGENT: 1, Queue.TRUSTED_FLAGGER: 2, Queue.GENERAL: 3}


def attach(session: Session, subject: SubjectRef, signal: Signal, actor: Actor,
           *, sla_hours: dict[str, float] | None = None) -> Case:
    """Join the subject's open case, or open one. Escalates priority, queue and SLA, never lowers them."""
    queue, priority, sla = _triage(signal, sla_hours or {})
    now = utcnow()
    case = _open_case_for(session, subject.key)
    if case is None:
        case = Case(subject_key=subject.key, subject_type=subject.type, subject_platform_id=subject.platform_id,
                    subject_account_id=subject.account_id, subject_url=subject.url,
                    subject_content_type=subject.content_type, subject_created_at=subject.created_at,
                    subject_age_band=subject.age_band.value, category=signal.category.value,
                    categories=[signal.category.value], queue=queue.value, priority=priority,
                    sla_due_at=now + sla, status="open", created_at=now, updated_at=now)
        try:
            with session.begin_nested():
                session.add(case)
                session.flush()
        except IntegrityError:  # another replica opened it a moment ago: join that one
            case = _open_case_for(session, subject.key)
            if case is None:
                raise
        else:
            _event(session, case, actor, "opened", queue=queue.value, priority=priority)
            record(session, actor, "case.opened", "case", case.id, queue=queue.value, category=signal.category.value)
    _merge(session, case, subject, signal, queue, priority, now + sla, actor)
    session.add(CaseSignal(case_id=case.id, kind=signal.kind, ref_id=signal.ref_id, category=signal.category.value,
                           details=signal.details))
    return case


def _open_case_for(session: Session, subject_key: str) -> Case | None:
    query = select(Case).where(Case.subject_key == subject_key, Case.status == "open")
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return session.scalar(query)


def _merge(session: Session, case: Case, subject: SubjectRef, signal: Signal, queue: Queue, priority: int,
           due: datetime, actor: Actor) -> None:
    before = (case.queue, case.priority)
    if _QUEUE_RANK[queue] < _QUEUE_RANK[Queue(case.queue)]:
        case.queue = queue.value
    case.priority = min(case.priority, priority)
    case.sla_due_at = min(case.sla_due_at, due)
    if signal.category.value not in case.categories:
        case.categories = [*case.categories, signal.category.value]
        if category_info(signal.category).priority < category_info(case.category).priority:
            case.category = signal.category.value
    case.child_safety = case.child_safety or case.queue == Queue.CHILD_SAFETY.value
    case.imminent_risk = case.imminent_risk or signal.imminent_risk
    case.has_reports = case.has_reports or signal.kind == "report"
    case.has_trusted_flagger = case.has_trusted_flagger or signal.trusted
    case.has_illegal_content_notice = case.has_illegal_content_notice or signal.illegal_content_notice
    case.has_automated_signal = case.has_automated_signal or signal.automated
    case.signal_count += 1
    if subject.account_id and not case.subject_account_id:
        case.subject_account_id = subject.account_id
    if subject.age_band is not AgeBand.UNKNOWN and case.subject_age_band == AgeBand.UNKNOWN.value:
        case.subject_age_band = subject.age_band.value
    case.updated_at = utcnow()
    if case.signal_count > 1:
        _event(session, case, actor, "signal_joined", signal=signal.kind, category=signal.category.value)
        if (case.queue, case.priority) != before:
            _event(session, case, actor, "escalated", queue=case.queue, priority=case.priority)


def can_access(case: Case, role: str) -> bool:
    """Child-safety cases are for specialists only; other cases for any reviewer."""
    if case.child_safety:
        return role == Role.CHILD_SAFETY_SPECIALIST
    return role in REVIEWER_ROLES


def get(session: Session, case_id: uuid.UUID, actor: Actor, *, reason: str = "case review",
        audit_read: bool = True) -> Case:
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound(f"case {case_id} does not exist")
    if not can_access(case, actor.role):
        record(session, actor, "case.access_denied", "case", case.id, reason=reason, durable=True)
        raise Forbidden("this case is restricted to child-safety specialists" if case.child_safety
                        else "your role may not open cases")
    if audit_read and case.child_safety:
        record(session, actor, "case.read", "case", case.id, reason=reason)
    return case


def list_cases(session: Session, actor: Actor, *, queue: str | None = None, status: str = "open",
               priority: int | None = None, category: str | None = None, assignee: str | None = None,
               limit: int = 50, offset: int = 0) -> list[Case]:
    """Cases the actor may see, most urgent first (priority, then SLA due time)."""
    query = select(Case).where(Case.status == status)
    if actor.role != Role.CHILD_SAFETY_SPECIALIST:
        query = query.where(Case.child_safety.is_(False))
    if queue:
        query = query.where(Case.queue == queue)
    if priority is not None:
        query = query.where(Case.priority == priority)
    if category:
        query = query.where(Case.category == category)
    if assignee:
        query = query.where(Case.assignee == assignee)
    return list(session.scalars(query.order_by(Case.priority, Case.sla_due_at).limit(limit).offset(offset)))


def queue_counts(session: Session, actor: Actor) -> list[dict[str, Any]]:
    now = utcnow()
    query = select(Case.queue, func.count(), func.min(Case.sla_due_at)).where(Case.status == "open")
    if actor.role != Role.CHILD_SAFETY_SPECIALIST:
        query = query.where(Case.child_safety.is_(False))
    rows = session.execute(query.group_by(Case.queue)).all()
    overdue = dict(session.execute(
        select(Case.queue, func.count()).where(Case.status == "open", Case.sla_due_at < now).group_by(Case.queue)
    ).all())
    return [{"queue": q, "open": n, "overdue": overdue.get(q, 0), "next_due_at": due} for q, n, due in rows]


def claim(session: Session, case_id: uuid.UUID, actor: Actor, *, lock_minutes: int = 30) -> Case:
    """Take the case's lock. A lock held by someone else is respected until it expires."""
    case = get(session, case_id, actor, audit_read=False)
    if session.get_bind().dialect.name == "postgresql":  # SQLite's BEGIN IMMEDIATE already serialises writers
        session.flush()  # refresh() discards unflushed changes
        session.refresh(case, with_for_update=True)  # a concurrent claimer waits here, then sees this claim
    if case.status != "open":
        raise Conflict(f"case is {case.status}; only open cases can be claimed")
    now = utcnow()
    if case.assignee and case.assignee != actor.label and case.lock_expires_at and case.lock_expires_at > now:
        raise Conflict(f"case is being reviewed by {case.assignee} until {case.lock_expires_at.isoformat()}")
    case.assignee, case.lock_expires_at, case.updated_at = actor.label, now + timedelta(minutes=lock_minutes), now
    _event(session, case, actor, "claimed", until=case.lock_expires_at)
    record(session, actor, "case.claimed", "case", case.id)
    return case


def release(session: Session, case_id: uuid.UUID, actor: Actor) -> Case:
    case = get(session, case_id, actor, audit_read=False)
    if case.assignee != actor.label:
        raise Conflict("you do not hold this case's lock")
    case.assignee, case.lock_expires_at = None, None
    _event(session, case, actor, "released")
    record(session, actor, "case.released", "case", case.id)
    return case


def require_lock(session: Session, case_id: uuid.UUID, actor: Actor) -> Case:
    """The case, if the actor may act on it now: open, accessible, and locked by this actor."""
    case = get(session, case_id, actor, audit_read=False)
    if case.status != "open":
        raise Conflict(f"case is {case.status}; it was already decided")
    if case.assignee != actor.label or not case.lock_expires_at or case.lock_expires_at <= utcnow():
        raise Conflict("claim the case before deciding it (POST /v1/cases/{id}/claim)")
    if session.get_bind().dialect.name == "postgresql":
        session.flush()  # refresh() discards unflushed changes, such as a claim made in this transaction
        session.refresh(case, with_for_update=True)
        if case.status != "open" or case.assignee != actor.label:
            raise Conflict("the case changed while you were deciding; reload it")
    return case


def mark_decided(session: Session, case: Case, decision_id: uuid.UUID, actor: Actor, action: str) -> None:
    now = utcnow()
    case.status, case.decision_id, case.closed_at, case.updated_at = "decided", decision_id, now, now
    case.first_action_at = case.first_action_at or now
    case.assignee, case.lock_expires_at = None, None
    _event(session, case, actor, "decided", action=action, decision_id=decision_id)


def escalate(session: Session, case: Case, actor: Actor, note: str) -> None:
    """Hand a case to child-safety specialists; the moderator loses access from here on."""
    case.queue, case.child_safety = Queue.CHILD_SAFETY.value, True
    case.priority = min(case.priority, PRIORITY_HIGH)
    case.assignee, case.lock_expires_at, case.updated_at = None, None, utcnow()
    case.first_action_at = case.first_action_at or utcnow()
    _event(session, case, actor, "escalated_to_child_safety", note_chars=len(note))
    record(session, actor, "case.escalated", "case", case.id, queue=case.queue)


def reopen(session: Session, case_id: uuid.UUID, actor: Actor, why: str) -> Case:
    """Put a decided case back in its queue (an appeal overturned a decision not to act)."""
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound(f"case {case_id} does not exist")
    if _open_case_for(session, case.subject_key) not in (None, case):
        raise Conflict("another open case exists for this subject; continue there")
    case.status, case.closed_at, case.decision_id = "open", None, None
    case.priority = min(case.priority, PRIORITY_HIGH)
    case.sla_due_at = utcnow() + SLA_DEFAULT
    _event(session, case, actor, "reopened", why=why)
    record(session, actor, "case.reopened", "case", case.id, why=why)
    return case


def comment(session: Session, case_id: uuid.UUID, actor: Actor, body: str) -> CaseComment:
    case = get(session, case_id, actor, audit_read=False)
    note = CaseComment(case_id=case.id, author=actor.label, body=body)
    session.add(note)
    session.flush()
    record(session, actor, "case.commented", "case", case.id, comment_id=note.id)
    return note


def history(session: Session, case_id: uuid.UUID) -> tuple[list[CaseEvent], list[CaseComment]]:
    events = session.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.at))
    comments = session.scalars(select(CaseComment).where(CaseComment.case_id == case_id).order_by(CaseComment.at))
    return list(events), list(comments)


def signals(session: Session, case_id: uuid.UUID) -> list[CaseSignal]:
    return list(session.scalars(select(CaseSignal).where(CaseSignal.case_id == case_id).order_by(CaseSignal.at)))


def _event(session: Session, case: Case, actor: Actor, kind: str, **data: Any) -> None:
    session.add(CaseEvent(case_id=case.id, actor=actor.label, kind=kind, data=jsonable(data)))


def progress(session: Session, case_id: uuid.UUID) -> tuple[str, bool]:
    """(status, someone reviewing now) without any content: what a reporter's status page needs."""
    row = session.execute(select(Case.status, Case.assignee).where(Case.id == case_id)).first()
    if row is None:
        raise NotFound(f"case {case_id} does not exist")
    return row.status, row.assignee is not None


def restricted(session: Session, case_id: uuid.UUID) -> bool:
    """Whether a case is for child-safety specialists only (for capabilities that copy the flag)."""
    flag = session.scalar(select(Case.child_safety).where(Case.id == case_id))
    if flag is None:
        raise NotFound(f"case {case_id} does not exist")
    return flag
