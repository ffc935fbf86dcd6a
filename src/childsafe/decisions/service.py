"""The decisions capability's public functions."""

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from childsafe import cases, notify, reports, scan
from childsafe.audit import Actor, record
from childsafe.config import Settings
from childsafe.decisions import notices, statement
from childsafe.decisions.models import Decision, Strike
from childsafe.decisions.schemas import RESTRICTING, STRIKING, Action, DecisionIn
from childsafe.errors import Conflict, Forbidden, InvalidInput, NotFound
from childsafe.store import utcnow
from childsafe.vocabulary import AgeBand, RiskCategory, Role, is_minor_or_unknown
from childsafe.vocabulary.roles import REVIEWER_ROLES


def decide(session: Session, case_id: uuid.UUID, data: DecisionIn, actor: Actor, settings: Settings) -> Decision:
    """Record a reviewer's decision on a case they hold the lock for, with everything it implies:
    statement of reasons and notices for restrictions, strikes, reporter updates, platform events."""
    if actor.role not in REVIEWER_ROLES:
        raise Forbidden("only moderators and child-safety specialists decide cases")
    case = cases.require_lock(session, case_id, actor)
    action = data.action
    category = data.category or RiskCategory(case.category)
    if data.confirm_abuse_material:
        if actor.role != Role.CHILD_SAFETY_SPECIALIST:
            raise Forbidden("only child-safety specialists confirm abuse material")
        if category is not RiskCategory.CSAM:
            raise InvalidInput("confirm_abuse_material applies to the csam category", field="confirm_abuse_material")
    now = utcnow()

    if action is Action.ESCALATE:
        if case.child_safety:
            raise Conflict("the case is already with child-safety specialists")
        cases.escalate(session, case, actor, data.note or "")
        decision = Decision(case_id=case.id, action=action.value, category=category.value, ground=data.ground,
                            note=data.note, decided_by=actor.label, decided_by_role=actor.role,
                            affected_account_id=_affected_account(case), affected_age_band=case.subject_age_band,
                            status="escalated", decided_at=now)
        session.add(decision)
        session.flush()
        record(session, actor, "decision.escalated", "decision", decision.id, case_id=case.id)
        return decision

    appeal_deadline = now + timedelta(days=settings.appeal_window_days)
    decision = Decision(
        case_id=case.id, action=action.value, category=category.value, ground=data.ground,
        policy_ground=data.policy_ground, explanation=data.explanation, note=data.note, end_date=data.end_date,
        territorial_scope=list(data.territorial_scope), decided_by=actor.label, decided_by_role=actor.role,
        automated=False, decided_at=now, affected_account_id=_affected_account(case),
        affected_age_band=case.subject_age_band,
    )
    session.add(decision)
    session.flush()
    if action in RESTRICTING:
        decision.statement = statement.build(
            decision_id=str(decision.id), platform=settings.platform_name, terms_url=settings.terms_url,
            action=action, category=category, ground=data.ground, policy_ground=data.policy_ground or "",
            explanation=data.explanation or "", decided_at=now, content_date=case.subject_created_at or case.created_at,
            content_type=case.subject_content_type, subject_type=case.subject_type,
            territorial_scope=list(data.territorial_scope),
            end_date=data.end_date.isoformat() if data.end_date else None,
            source=statement.source_type(trusted=case.has_trusted_flagger,
                                         illegal_notice=case.has_illegal_content_notice, reported=case.has_reports),
            automated_detection=case.has_automated_signal, automated_decision=False,
        )
    if action in RESTRICTING or action is Action.WARN:
        decision.notice = notices.adult_notice(
            platform=settings.platform_name, action=action, category=category, ground=data.ground,
            policy_ground=data.policy_ground or "our community guidelines", explanation=data.explanation or "",
            automated=False, end_date=data.end_date, appeal_deadline=appeal_deadline)
        if is_minor_or_unknown(case.subject_age_band):
            decision.notice_child = notices.child_notice(
                platform=settings.platform_name, action=action, category=category, end_date=data.end_date,
                appeal_deadline=appeal_deadline)

    cases.mark_decided(session, case, decision.id, actor, action.value)
    outcome = "no_violation" if action is Action.NO_VIOLATION else "action_taken"
    reports.record_outcome(session, case.id, outcome, decision.id, actor)
    record(session, actor, "decision.made", "decision", decision.id, case_id=case.id, action=action.value,
           category=category.value, ground=data.ground)
    if action is not Action.NO_VIOLATION:
        notify.publish(session, "enforcement.applied", _event_data(decision, case.subject_type,
                                                                   case.subject_platform_id))
    if action in STRIKING and decision.affected_account_id:
        _strike(session, decision, actor, settings)
    if data.confirm_abuse_material and case.subject_type != "account":
        scan.confirm_content(session, actor, case.subject_platform_id, bank_name=settings.confirmed_bank,
                             case_id=str(case.id))
    return decision


def _affected_account(case: cases.Case) -> str | None:
    return case.subject_platform_id if case.subject_type == "account" else case.subject_account_id


def _event_data(decision: Decision, subject_type: str, subject_platform_id: str) -> dict[str, object]:
    return {"decision_id": str(decision.id), "action": decision.action, "subject_type": subject_type,
            "subject_id": subject_platform_id, "account_id": decision.affected_account_id,
            "end_date": decision.end_date.isoformat() if decision.end_date else None,
            "notice_url": f"/v1/decisions/{decision.id}/notice"}


def _strike(session: Session, decision: Decision, actor: Actor, settings: Settings) -> None:
    account = decision.affected_account_id
    assert account is not None
    now = utcnow()
    session.add(Strike(account_id=account, decision_id=decision.id, category=decision.category, issued_at=now,
                       expires_at=now + timedelta(days=settings.strike_expiry_days)))
    session.flush()
    active = _active_strikes(session, account)
    record(session, actor, "strike.issued", "account", account, decision_id=decision.id, active=active)
    if active >= settings.strike_threshold and decision.action not in (Action.SUSPEND_PERMANENT.value,):
        # A person decides on suspension; the threshold only puts the account in front of them.
        cases.attach(session, cases.SubjectRef(type="account", platform_id=account, account_id=account,
                                               age_band=AgeBand(decision.affected_age_band)),
                     cases.Signal(kind="strike_threshold", ref_id=str(decision.id),
                                  category=RiskCategory(decision.category), details={"active_strikes": active}),
                     actor)
        notify.publish(session, "account.strike_threshold_reached", {"account_id": account, "active_strikes": active})


def _active_strikes(session: Session, account_id: str) -> int:
    return session.scalar(select(func.count()).select_from(Strike).where(
        Strike.account_id == account_id, Strike.withdrawn_at.is_(None), Strike.expires_at > utcnow())) or 0


def strikes_for(session: Session, account_id: str) -> tuple[list[Strike], int]:
    rows = list(session.scalars(select(Strike).where(Strike.account_id == account_id).order_by(Strike.issued_at)))
    return rows, _active_strikes(session, account_id)


def get(session: Session, decision_id: uuid.UUID) -> Decision:
    decision = session.get(Decision, decision_id)
    if decision is None:
        raise NotFound(f"decision {decision_id} does not exist")
    return decision


def list_decisions(session: Session, *, case_id: uuid.UUID | None = None, since: datetime | None = None,
                   limit: int = 100) -> list[Decision]:
    query = select(Decision)
    if case_id:
        query = query.where(Decision.case_id == case_id)
    if since:
        query = query.where(Decision.decided_at >= since.astimezone(UTC))
    return list(session.scalars(query.order_by(Decision.decided_at.desc()).limit(limit)))


def revert(session: Session, decision_id: uuid.UUID, actor: Actor, reason: str) -> Decision:
    """Undo a decision an appeal overturned: withdraw its strike and tell the platform to restore.

    A decision not to act is reverted by reopening the case, so a reviewer can act after all.
    """
    decision = get(session, decision_id)
    if decision.status != "in_force":
        raise Conflict(f"decision is {decision.status}; only decisions in force can be reverted")
    decision.status, decision.reverted_at, decision.reverted_reason = "reverted", utcnow(), reason
    for strike in session.scalars(select(Strike).where(Strike.decision_id == decision.id,
                                                       Strike.withdrawn_at.is_(None))):
        strike.withdrawn_at = utcnow()
    record(session, actor, "decision.reverted", "decision", decision.id, case_id=decision.case_id)
    if decision.action == Action.NO_VIOLATION.value:
        cases.reopen(session, decision.case_id, actor, why="appeal overturned the decision")
    else:
        notify.publish(session, "enforcement.reverted", {"decision_id": str(decision.id),
                                                         "account_id": decision.affected_account_id})
    return decision
