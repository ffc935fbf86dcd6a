"""The queues: open work per queue and the list of cases, most urgent first."""

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import Response

from childsafe import cases
from childsafe.console.auth import Identity
from childsafe.console.routes.common import choice
from childsafe.console.web import PREFIX, REVIEWERS, ConsoleError, html, posting, redirect, roles, settings_of
from childsafe.errors import Conflict
from childsafe.store import utcnow
from childsafe.vocabulary import CATEGORIES, RiskCategory, Role
from childsafe.vocabulary.taxonomy import Queue

router = APIRouter(prefix=PREFIX, include_in_schema=False)
PAGE = 50


def visible_queues(role: Role) -> list[Queue]:
    return [q for q in Queue if q is not Queue.CHILD_SAFETY or role is Role.CHILD_SAFETY_SPECIALIST]


@router.get("/queues")
def queue_page(request: Request, me: Annotated[Identity, Depends(roles(*REVIEWERS))],
               queue_filter: Annotated[str, Query(alias="queue", max_length=40)] = "",
               category_filter: Annotated[str, Query(alias="category", max_length=40)] = "",
               status: Literal["open", "decided"] = "open", mine: bool = False,
               offset: Annotated[int, Query(ge=0, le=100_000)] = 0) -> Response:
    queue = choice(Queue, queue_filter, "queue")
    category = choice(RiskCategory, category_filter, "category")
    if queue is Queue.CHILD_SAFETY and me.role is not Role.CHILD_SAFETY_SPECIALIST:
        raise ConsoleError(404, "Queue not found", "There is no queue with that name for your role.")
    actor = me.actor
    with request.app.state.db.transaction() as session:
        counts = {row["queue"]: row for row in cases.queue_counts(session, actor)}
        rows = cases.list_cases(session, actor, queue=queue.value if queue else None, status=status,
                                category=category.value if category else None,
                                assignee=actor.label if mine else None, limit=PAGE + 1, offset=offset)
    summary = [{"queue": q.value, "open": counts.get(q.value, {}).get("open", 0),
                "overdue": counts.get(q.value, {}).get("overdue", 0),
                "next_due_at": counts.get(q.value, {}).get("next_due_at")} for q in visible_queues(me.role)]
    categories = [c for c in CATEGORIES.values() if not c.child_safety or me.role is Role.CHILD_SAFETY_SPECIALIST]
    return html("queues.html", request, me, section="queues", title="Queues", summary=summary, rows=rows[:PAGE],
                more=len(rows) > PAGE, offset=offset, page=PAGE, queues=visible_queues(me.role),
                categories=categories, chosen={"queue": queue.value if queue else "",
                                               "category": category.value if category else "",
                                               "status": status, "mine": mine})


@router.post("/queues/next")
def take_next(request: Request, me: Annotated[Identity, Depends(posting(*REVIEWERS))],
              queue_filter: Annotated[str, Form(alias="queue", max_length=40)] = "") -> Response:
    """Claim the most urgent case nobody holds (in one queue, or in all) and open it: the reviewer's loop."""
    queue = choice(Queue, queue_filter, "queue")
    if queue is Queue.CHILD_SAFETY and me.role is not Role.CHILD_SAFETY_SPECIALIST:
        raise ConsoleError(404, "Queue not found", "There is no queue with that name for your role.")
    actor, now = me.actor, utcnow()
    with request.app.state.db.transaction() as session:
        waiting = cases.list_cases(session, actor, queue=queue.value if queue else None, limit=200)
    for case in waiting:
        if case.assignee and case.assignee != actor.label and case.lock_expires_at and case.lock_expires_at > now:
            continue
        try:
            with request.app.state.db.transaction() as session:
                cases.claim(session, case.id, actor, lock_minutes=settings_of(request).lock_minutes)
        except Conflict:  # someone took it a moment ago: try the next one
            continue
        return redirect(f"{PREFIX}/cases/{case.id}", done="claimed")
    return redirect(f"{PREFIX}/queues" + (f"?queue={queue.value}" if queue else ""), done="queue_empty")
