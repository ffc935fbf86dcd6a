"""The appeals queue and the appeal decision (DSA Art. 20: a different reviewer upholds or overturns)."""

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from childsafe import appeals, decisions
from childsafe.console.auth import Identity
from childsafe.console.routes.common import parse_id
from childsafe.console.web import PREFIX, REVIEWERS, ConsoleError, html, posting, redirect, roles
from childsafe.errors import Conflict, Forbidden, NotFound

router = APIRouter(prefix=PREFIX, include_in_schema=False)
Reviewer = Annotated[Identity, Depends(roles(*REVIEWERS))]
NOT_FOUND = ConsoleError(404, "Appeal not found", "There is no appeal with this number that your role may open.")


@router.get("/appeals")
def appeals_page(request: Request, me: Reviewer, status: Literal["open", "decided"] = "open") -> Response:
    with request.app.state.db.transaction() as session:
        rows = appeals.list_appeals(session, me.actor, status=status, limit=200)
        originals = {a.decision_id: decisions.get(session, a.decision_id) for a in rows}
    return html("appeals.html", request, me, section="appeals", title="Appeals", rows=rows, originals=originals,
                tab=status)


def appeal_page(request: Request, me: Identity, appeal_id: str, *, status: int = 200,
                errors: list[str] | None = None, form: dict[str, str] | None = None) -> Response:
    found = parse_id(appeal_id, "appeal")
    with request.app.state.db.transaction() as session:
        try:
            appeal = appeals.get(session, found, me.actor)
        except (Forbidden, NotFound):
            raise NOT_FOUND from None
        original = decisions.get(session, appeal.decision_id)
    own = original.decided_by == me.actor.label
    return html("appeal.html", request, me, status=status, section="appeals", title="Appeal", appeal=appeal,
                original=original, own=own, errors=errors or [], form=form or {})


@router.get("/appeals/{appeal_id}")
def view_appeal(appeal_id: str, request: Request, me: Reviewer) -> Response:
    return appeal_page(request, me, appeal_id)


@router.post("/appeals/{appeal_id}/decision")
def decide_appeal(appeal_id: str, request: Request, me: Annotated[Identity, Depends(posting(*REVIEWERS))],
                  outcome: Annotated[str, Form(max_length=20)] = "",
                  reason: Annotated[str, Form(max_length=2000)] = "") -> Response:
    found = parse_id(appeal_id, "appeal")
    form = {"outcome": outcome, "reason": reason}
    try:
        data = appeals.AppealDecisionIn(outcome=outcome, reason=reason.strip())  # type: ignore[arg-type]
    except ValueError:
        return appeal_page(request, me, appeal_id, status=422, form=form,
                           errors=["Choose uphold or overturn, and give a reason (it is sent to the person who "
                                   "appealed)."])
    try:
        with request.app.state.db.transaction() as session:
            try:
                appeals.get(session, found, me.actor)
            except (Forbidden, NotFound):
                raise NOT_FOUND from None
            appeals.decide(session, found, data, me.actor)
    except (Conflict, Forbidden) as exc:
        return appeal_page(request, me, appeal_id, status=exc.status, form=form, errors=[exc.detail])
    return redirect(f"{PREFIX}/appeals/{found}", done="appeal_decided")
