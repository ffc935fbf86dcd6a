"""Appeals: submitted by the platform on behalf of users and reporters, decided by reviewers."""

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from prometheus_client import Counter

from childsafe import appeals
from childsafe.api.deps import REVIEWERS, require
from childsafe.api.problems import ERROR_RESPONSES
from childsafe.api.views import AppealReceipt, AppealView
from childsafe.audit import Actor
from childsafe.vocabulary import Role

router = APIRouter(prefix="/v1/appeals", tags=["appeals"], responses=ERROR_RESPONSES)
APPEALS = Counter("childsafe_appeals_decided_total", "Appeals decided", ["outcome"])
Reviewer = Annotated[Actor, Depends(require(*REVIEWERS))]


@router.post("", response_model=AppealReceipt, status_code=201, summary="Appeal a decision (within six months)")
def submit_appeal(data: appeals.AppealIn, request: Request,
                  actor: Annotated[Actor, Depends(require(Role.SERVICE))]) -> AppealReceipt:
    state = request.app.state
    with state.db.transaction() as session:
        return AppealReceipt.model_validate(appeals.submit(session, data, actor, state.settings))


@router.get("", response_model=list[AppealView], summary="The appeals queue, oldest first")
def list_appeals(request: Request, actor: Reviewer, status: Literal["open", "decided"] = "open",
                 limit: Annotated[int, Query(ge=1, le=200)] = 50) -> list[AppealView]:
    with request.app.state.db.transaction() as session:
        return [AppealView.model_validate(a) for a in appeals.list_appeals(session, actor, status=status, limit=limit)]


@router.get("/{appeal_id}", response_model=AppealReceipt | AppealView,
            summary="An appeal: the outcome and notice for the platform, everything for reviewers")
def get_appeal(appeal_id: uuid.UUID, request: Request,
               actor: Annotated[Actor, Depends(require(Role.SERVICE, *REVIEWERS))]) -> AppealReceipt | AppealView:
    with request.app.state.db.transaction() as session:
        appeal = appeals.get(session, appeal_id, actor)
        if actor.role == Role.SERVICE:
            return AppealReceipt.model_validate(appeal)
        return AppealView.model_validate(appeal)


@router.post("/{appeal_id}/decision", response_model=AppealView, summary="Decide an appeal (not the original reviewer)")
def decide_appeal(appeal_id: uuid.UUID, data: appeals.AppealDecisionIn, request: Request,
                  actor: Reviewer) -> AppealView:
    with request.app.state.db.transaction() as session:
        view = AppealView.model_validate(appeals.decide(session, appeal_id, data, actor))
    APPEALS.labels(data.outcome).inc()
    return view
