"""Read-only aggregates over decisions, for the console and the DSA transparency reports.

Everything is counted in SQL (grouped counts and medians), so a period with millions of decisions
is summarised without loading them.
"""

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement, Subquery

from childsafe.decisions.models import Decision
from childsafe.decisions.schemas import RESTRICTING, Action
from childsafe.store.aggregates import as_date, count_where, day_of, positions, within

RESTRICTING_ACTIONS = sorted(a.value for a in RESTRICTING)
SUSPENSIONS = (Action.SUSPEND_TEMPORARY.value, Action.SUSPEND_PERMANENT.value)
# Escalations hand a case on; they decide nothing about the content.
_DECIDING = Decision.action != Action.ESCALATE.value


@dataclass(frozen=True)
class DecisionDay:
    decisions: int
    restricting: int
    restricting_reverted: int  # restricting decisions of that day later reversed on appeal


def _restricting() -> ColumnElement[bool]:
    return Decision.action.in_(RESTRICTING_ACTIONS)


def per_day(session: Session, start: date, end: date) -> dict[date, DecisionDay]:
    """Decisions per UTC day of decision, from ``start`` to ``end`` inclusive (days without any are absent)."""
    day = day_of(session, Decision.decided_at)
    rows = session.execute(
        select(day, func.count(), count_where(_restricting()),
               count_where(_restricting() & (Decision.status == "reverted")))
        .where(within(Decision.decided_at, start, end), _DECIDING).group_by(*positions(1)))
    return {as_date(d): DecisionDay(int(n), int(r), int(rr)) for d, n, r, rr in rows}


def source_type() -> ColumnElement[Any]:
    """How the problem came to light, from the statement of reasons (restricting decisions only)."""
    return func.coalesce(Decision.statement["source_type"].as_string(), "none")


def automated_detection() -> ColumnElement[Any]:
    return func.coalesce(Decision.statement["automated_detection"].as_string(), "No")


def breakdown(session: Session, start: date, end: date) -> list[dict[str, Any]]:
    """Decisions taken in the period, counted by category, action, ground, source, automated detection
    and automated decision, with how many were later reversed."""
    keys = (Decision.category, Decision.action, Decision.ground, source_type(), automated_detection(),
            Decision.automated)
    rows = session.execute(
        select(*keys, func.count(), count_where(Decision.status == "reverted"))
        .where(within(Decision.decided_at, start, end), _DECIDING).group_by(*positions(len(keys))))
    return [{"category": c, "action": a, "ground": g, "source_type": s, "automated_detection": ad == "Yes",
             "automated_decision": bool(au), "count": int(n), "reverted": int(r)}
            for c, a, g, s, ad, au, n, r in rows]


def decision_facts() -> Subquery:
    """Decision id with its category and action: what appeals statistics group by, without reading this
    capability's table themselves."""
    return select(Decision.id.label("decision_id"), Decision.category.label("category"),
                  Decision.action.label("action")).subquery("decision_facts")


@dataclass(frozen=True)
class StatementRow:
    decision_id: uuid.UUID
    decided_at: datetime
    statement: dict[str, Any]
    known_identifiers: tuple[str, ...]  # what the statement's free text must not reveal


def statements_since(session: Session, since: datetime | None, *, after: tuple[datetime, uuid.UUID] | None = None,
                     limit: int = 1000) -> list[StatementRow]:
    """Decisions with a statement of reasons decided at or after ``since``, oldest first: what the DSA
    Transparency Database submission picks up. ``after`` continues from the last row of a previous page.
    The identifiers named in the decision come along so the caller can keep them out of what it sends."""
    query = select(Decision.id, Decision.decided_at, Decision.statement, Decision.affected_account_id,
                   Decision.decided_by).where(Decision.statement.isnot(None), Decision.action.in_(RESTRICTING_ACTIONS))
    if since is not None:
        query = query.where(Decision.decided_at >= since)
    if after is not None:
        query = query.where(or_(Decision.decided_at > after[0],
                                and_(Decision.decided_at == after[0], Decision.id > after[1])))
    rows = session.execute(query.order_by(Decision.decided_at, Decision.id).limit(limit))
    return [StatementRow(i, at, st, tuple(x for x in (account, by, by.split(" (")[0]) if x))
            for i, at, st, account, by in rows]
