"""The appeals capability's public functions."""

import uuid
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from childsafe import cases, decisions, notify, reports
from childsafe.appeals.models import Appeal
from childsafe.appeals.schemas import AppealDecisionIn, AppealIn
from childsafe.audit import Actor, record
from childsafe.config import Settings
from childsafe.errors import Conflict, Forbidden, InvalidInput, NotFound
from childsafe.store import utcnow
from childsafe.vocabulary import Role, is_minor_or_unknown
from childsafe.vocabulary.roles import REVIEWER_ROLES

_ODS = ("If you disagree with this outcome you may turn to a certified out-of-court dispute settlement body "
        "(DSA Art. 21) or to the courts.")


def submit(session: Session, data: AppealIn, actor: Actor, settings: Settings) -> Appeal:
    decision = decisions.get(session, data.decision_id)
    if decision.status != "in_force":
        raise Conflict(f"decision is {decision.status}; it cannot be appealed", field="decision_id")
    if utcnow() > decision.decided_at + timedelta(days=settings.appeal_window_days):
        raise Conflict(f"the appeal window of {settings.appeal_window_days} days has closed", field="decision_id")
    if data.appellant_role == "reporter":
        report = reports.reporter_of(session, data.report_reference or "", decision.id)
        key = f"report:{report.reference}"
    else:
        if decision.action == decisions.Action.NO_VIOLATION.value:
            raise InvalidInput("there is nothing to appeal for the affected user: no action was taken",
                               field="appellant_role")
        key = f"user:{data.appellant_id}"
    duplicate = session.scalar(select(Appeal.id).where(Appeal.decision_id == decision.id,
                                                       Appeal.appellant_key == key, Appeal.status == "open"))
    if duplicate:
        raise Conflict(f"this appellant already has an open appeal against the decision ({duplicate})")
    appeal = Appeal(decision_id=decision.id, case_id=decision.case_id,
                    child_safety=cases.restricted(session, decision.case_id),
                    appellant_role=data.appellant_role, appellant_key=key,
                    appellant_age_band=data.appellant_age_band.value, grounds=data.grounds,
                    submitted_by=actor.label)
    session.add(appeal)
    session.flush()
    record(session, actor, "appeal.submitted", "appeal", appeal.id, decision_id=decision.id,
           appellant_role=data.appellant_role)
    return appeal


def _visible(appeal: Appeal, role: str) -> bool:
    return role == Role.CHILD_SAFETY_SPECIALIST if appeal.child_safety else role in REVIEWER_ROLES


def get(session: Session, appeal_id: uuid.UUID, actor: Actor) -> Appeal:
    appeal = session.get(Appeal, appeal_id)
    if appeal is None:
        raise NotFound(f"appeal {appeal_id} does not exist")
    if actor.role == Role.SERVICE:
        return appeal  # the platform follows its users' appeals (outcome and notice, no case content)
    if not _visible(appeal, actor.role):
        raise Forbidden("this appeal is restricted to child-safety specialists" if appeal.child_safety
                        else "your role may not open appeals")
    return appeal


def list_appeals(session: Session, actor: Actor, *, status: str = "open", limit: int = 50) -> list[Appeal]:
    query = select(Appeal).where(Appeal.status == status)
    if actor.role != Role.CHILD_SAFETY_SPECIALIST:
        query = query.where(Appeal.child_safety.is_(False))
    return list(session.scalars(query.order_by(Appeal.submitted_at).limit(limit)))


def decide(session: Session, appeal_id: uuid.UUID, data: AppealDecisionIn, actor: Actor) -> Appeal:
    if actor.role not in REVIEWER_ROLES:
        raise Forbidden("only moderators and child-safety specialists decide appeals")
    appeal = get(session, appeal_id, actor)
    if appeal.status != "open":
        raise Conflict("this appeal was already decided")
    decision = decisions.get(session, appeal.decision_id)
    if decision.decided_by == actor.label:
        raise Forbidden("a different reviewer must decide the appeal (DSA Art. 20: not the original reviewer)")
    if session.get_bind().dialect.name == "postgresql":
        session.flush()
        session.refresh(appeal, with_for_update=True)
        if appeal.status != "open":
            raise Conflict("this appeal was already decided")
    appeal.status, appeal.outcome, appeal.reason = "decided", data.outcome, data.reason
    appeal.decided_by, appeal.decided_at = actor.label, utcnow()
    if data.outcome == "overturned":
        if decision.status == "in_force":
            decisions.revert(session, decision.id, actor, reason=data.reason)
        verdict = ("You were right to ask. We looked again and changed our decision."
                   if is_minor_or_unknown(appeal.appellant_age_band)
                   else "We reviewed your appeal and reversed our decision.")
    else:
        verdict = ("We looked again carefully, and our decision stays the same."
                   if is_minor_or_unknown(appeal.appellant_age_band)
                   else "We reviewed your appeal and our decision stands.")
    appeal.outcome_notice = f"{verdict}\nReason: {data.reason}\n{_ODS}"
    record(session, actor, "appeal.decided", "appeal", appeal.id, outcome=data.outcome, decision_id=decision.id)
    notify.publish(session, "appeal.decided", {"appeal_id": str(appeal.id), "decision_id": str(decision.id),
                                               "outcome": data.outcome, "notice_url": f"/v1/appeals/{appeal.id}"})
    return appeal
