"""Read-only aggregates over appeals (DSA Art. 20 complaints), for the console and transparency reports."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from childsafe.appeals.models import Appeal
from childsafe.decisions import stats as decision_stats
from childsafe.store.aggregates import Group, aggregate, as_date, count_where, day_of, hours_between, positions, within

_DECIDED = Appeal.decided_at.isnot(None)
_OVERTURNED = Appeal.outcome == "overturned"


@dataclass(frozen=True)
class AppealDay:
    decided: int
    overturned: int


def per_day(session: Session, start: date, end: date) -> dict[date, AppealDay]:
    """Appeals decided per UTC day of their decision, ``start`` to ``end`` inclusive."""
    day = day_of(session, Appeal.decided_at)
    rows = session.execute(select(day, func.count(), count_where(_OVERTURNED))
                           .where(_DECIDED, within(Appeal.decided_at, start, end)).group_by(*positions(1)))
    return {as_date(d): AppealDay(int(n), int(o)) for d, n, o in rows}


def breakdown(session: Session, start: date, end: date) -> tuple[list[dict[str, Any]], Group]:
    """Appeals received in the period by the appealed decision's category and action and by who
    appealed: how many, how many decided, upheld and overturned, and the median hours to decide; plus
    the same over all appeals of the period."""
    facts = decision_stats.decision_facts()
    source = Appeal.__table__.join(facts, facts.c.decision_id == Appeal.decision_id)
    keys = (facts.c.category, facts.c.action, Appeal.appellant_role)
    groups = aggregate(session, source, keys, [within(Appeal.submitted_at, start, end)],
                       counts={"count": None, "decided": _DECIDED, "upheld": Appeal.outcome == "upheld",
                               "overturned": _OVERTURNED},
                       median=hours_between(session, Appeal.submitted_at, Appeal.decided_at))
    rows = [{"category": c, "action": a, "appellant_role": r, **group.counts, "median_hours_to_decide": group.median}
            for key, group in groups.items() if key is not None for c, a, r in [key]]
    return rows, groups[None]
