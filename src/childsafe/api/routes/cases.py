"""Queues, cases, locks, comments and decisions."""

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from prometheus_client import Counter
from pydantic import StringConstraints

from childsafe import cases, decisions, reports
from childsafe.api.deps import REVIEWERS, AccessReason, require
from childsafe.api.problems import ERROR_RESPONSES
from childsafe.api.views import (
    CaseDetail,
    CaseSummary,
    CommentView,
    DecisionView,
    EventView,
    QueueView,
    ReportView,
    SignalView,
)
from childsafe.audit import Actor
from childsafe.inputs import Input
from childsafe.vocabulary import RiskCategory
from childsafe.vocabulary.taxonomy import Queue

router = APIRouter(prefix="/v1", tags=["cases"], responses=ERROR_RESPONSES)
DECISIONS = Counter("childsafe_decisions_total", "Decisions made", ["action"])
Reviewer = Annotated[Actor, Depends(require(*REVIEWERS))]


class CommentIn(Input):
    body: Annotated[str, StringConstraints(min_length=1, max_length=5000)]


@router.get("/queues", response_model=list[QueueView], summary="Open work per queue, with overdue counts")
def list_queues(request: Request, actor: Reviewer) -> list[QueueView]:
    with request.app.state.db.transaction() as session:
        return [QueueView(**row) for row in cases.queue_counts(session, actor)]


@router.get("/cases", response_model=list[CaseSummary], summary="Cases you may see, most urgent first")
def list_cases(request: Request, actor: Reviewer, queue: Queue | None = None,
               status: Literal["open", "decided"] = "open",
               priority: Annotated[int | None, Query(ge=0, le=9)] = None, category: RiskCategory | None = None,
               assignee: Annotated[str | None, Query(max_length=200)] = None,
               limit: Annotated[int, Query(ge=1, le=200)] = 50,
               offset: Annotated[int, Query(ge=0, le=100_000)] = 0) -> list[CaseSummary]:
    with request.app.state.db.transaction() as session:
        rows = cases.list_cases(session, actor, queue=queue.value if queue else None, status=status,
                                priority=priority, category=category.value if category else None,
                                assignee=assignee, limit=limit, offset=offset)
        return [CaseSummary.model_validate(row) for row in rows]


@router.get("/cases/{case_id}", response_model=CaseDetail, summary="A case with its reports, history and decisions")
def get_case(case_id: uuid.UUID, request: Request, actor: Reviewer,
             reason: AccessReason = "case review") -> CaseDetail:
    with request.app.state.db.transaction() as session:
        case = cases.get(session, case_id, actor, reason=reason)
        events, comments = cases.history(session, case.id)
        return CaseDetail.model_validate({
            **CaseSummary.model_validate(case).model_dump(),
            "subject_url": case.subject_url, "subject_content_type": case.subject_content_type,
            "decision_id": case.decision_id,
            "signals": [SignalView.model_validate(s) for s in cases.signals(session, case.id)],
            "reports": [ReportView.model_validate(r) for r in reports.for_case(session, case.id)],
            "history": [EventView.model_validate(e) for e in events],
            "comments": [CommentView.model_validate(c) for c in comments],
            "decisions": [DecisionView.model_validate(d) for d in decisions.list_decisions(session, case_id=case.id)],
        })


@router.post("/cases/{case_id}/claim", response_model=CaseSummary, summary="Take the case's review lock")
def claim_case(case_id: uuid.UUID, request: Request, actor: Reviewer) -> CaseSummary:
    state = request.app.state
    with state.db.transaction() as session:
        return CaseSummary.model_validate(cases.claim(session, case_id, actor,
                                                      lock_minutes=state.settings.lock_minutes))


@router.post("/cases/{case_id}/release", response_model=CaseSummary, summary="Give the lock back")
def release_case(case_id: uuid.UUID, request: Request, actor: Reviewer) -> CaseSummary:
    with request.app.state.db.transaction() as session:
        return CaseSummary.model_validate(cases.release(session, case_id, actor))


@router.post("/cases/{case_id}/comments", response_model=CommentView, status_code=201, summary="Add a comment")
def add_comment(case_id: uuid.UUID, data: CommentIn, request: Request, actor: Reviewer) -> CommentView:
    with request.app.state.db.transaction() as session:
        return CommentView.model_validate(cases.comment(session, case_id, actor, data.body))


@router.post("/cases/{case_id}/decision", response_model=DecisionView, status_code=201,
             summary="Decide a case you hold the lock for")
def decide_case(case_id: uuid.UUID, data: decisions.DecisionIn, request: Request, actor: Reviewer) -> DecisionView:
    state = request.app.state
    with state.db.transaction() as session:
        decision = decisions.decide(session, case_id, data, actor, state.settings)
        view = DecisionView.model_validate(decision)
    DECISIONS.labels(decision.action).inc()
    return view
