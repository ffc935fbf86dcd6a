"""Decisions, statements of reasons (DSA TDB records), user notices and strikes."""

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from starlette.exceptions import HTTPException

from childsafe import cases, decisions
from childsafe.api.deps import REVIEWERS, require
from childsafe.api.problems import ERROR_RESPONSES
from childsafe.api.views import DecisionView, NoticeView, StrikesView, StrikeView
from childsafe.audit import Actor
from childsafe.vocabulary import Role, is_minor_or_unknown

router = APIRouter(prefix="/v1", tags=["decisions"], responses=ERROR_RESPONSES)


@router.get("/decisions/{decision_id}", response_model=DecisionView, summary="A decision (reviewers of its case)")
def get_decision(decision_id: uuid.UUID, request: Request,
                 actor: Annotated[Actor, Depends(require(*REVIEWERS))]) -> DecisionView:
    with request.app.state.db.transaction() as session:
        decision = decisions.get(session, decision_id)
        cases.get(session, decision.case_id, actor, reason="read decision")
        return DecisionView.model_validate(decision)


@router.get("/decisions/{decision_id}/statement", response_model=dict[str, Any],
            summary="Statement of reasons as a DSA Transparency Database record (no personal data)")
def get_statement(decision_id: uuid.UUID, request: Request,
                  actor: Annotated[Actor, Depends(require(Role.COMPLIANCE, *REVIEWERS))]) -> dict[str, Any]:
    with request.app.state.db.transaction() as session:
        decision = decisions.get(session, decision_id)
        if decision.statement is None:
            raise HTTPException(404, f"decision {decision_id} restricted nothing, so it has no statement of reasons")
        return decision.statement


@router.get("/statements", response_model=list[dict[str, Any]],
            summary="Statements of reasons since a time, newest first, for export to the DSA database")
def list_statements(request: Request, actor: Annotated[Actor, Depends(require(Role.COMPLIANCE))],
                    since: datetime | None = None,
                    limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[dict[str, Any]]:
    if since is not None and since.tzinfo is None:
        raise HTTPException(422, "since must carry a timezone, e.g. 2026-01-01T00:00:00Z")
    try:
        since = since.astimezone(UTC) if since is not None else None
    except OverflowError:  # e.g. 0001-01-01T00:00:00+01:00
        raise HTTPException(422, "since is out of range") from None
    with request.app.state.db.transaction() as session:
        rows = decisions.list_decisions(session, since=since, limit=limit)
        return [d.statement for d in rows if d.statement is not None]


@router.get("/decisions/{decision_id}/notice", response_model=NoticeView,
            summary="The notice to show the affected user (child-friendly when they may be a child)")
def get_notice(decision_id: uuid.UUID, request: Request,
               actor: Annotated[Actor, Depends(require(Role.SERVICE, *REVIEWERS))]) -> NoticeView:
    with request.app.state.db.transaction() as session:
        decision = decisions.get(session, decision_id)
        if decision.notice is None:
            raise HTTPException(404, "this decision sends no notice to the affected user")
        child = is_minor_or_unknown(decision.affected_age_band) and decision.notice_child is not None
        return NoticeView(decision_id=decision.id, audience="child" if child else "adult",
                          notice=decision.notice_child if child else decision.notice,
                          notice_adult=decision.notice, notice_child=decision.notice_child)


@router.get("/accounts/{account_id}/strikes", response_model=StrikesView, summary="An account's strikes")
def account_strikes(account_id: Annotated[str, Path(min_length=1, max_length=200)], request: Request,
                    actor: Annotated[Actor, Depends(require(*REVIEWERS))]) -> StrikesView:
    state = request.app.state
    with state.db.transaction() as session:
        rows, active = decisions.strikes_for(session, account_id)
        return StrikesView(account_id=account_id, active=active, threshold=state.settings.strike_threshold,
                           threshold_reached=active >= state.settings.strike_threshold,
                           strikes=[StrikeView.model_validate(s) for s in rows])
