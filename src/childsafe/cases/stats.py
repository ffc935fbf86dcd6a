"""Read-only aggregates over cases, for the console and the DSA transparency reports: how quickly a
case is first acted on (decided or escalated), and how cases came about (notices or own initiative)."""

from datetime import date
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from childsafe.cases.models import Case
from childsafe.store.aggregates import (
    Group,
    aggregate,
    as_date,
    day_of,
    grouped_median,
    hours_between,
    positions,
    within,
)


def _hours_to_first_action(session: Session) -> ColumnElement[float]:
    return hours_between(session, Case.created_at, Case.first_action_at)


def detection() -> ColumnElement[str]:
    """Own-initiative (an automated signal and no report), notice (a report and no automated signal),
    or both."""
    return case((Case.has_automated_signal & ~Case.has_reports, "own_initiative_automated"),
                (~Case.has_reports, "own_initiative_other"),
                (Case.has_automated_signal, "notice_and_automated"), else_="notice")


def median_hours_to_first_action_per_day(session: Session, start: date, end: date) -> dict[date, float]:
    """Median hours from a case's creation to its first action, per UTC day of that first action."""
    day = day_of(session, Case.first_action_at)
    medians = grouped_median(session, _hours_to_first_action(session), (day,),
                             [within(Case.first_action_at, start, end)], Case)
    return {as_date(key[0]): value for key, value in medians.items()}


def breakdown(session: Session, start: date, end: date) -> tuple[list[dict[str, Any]], Group]:
    """Cases first acted on in the period by category, queue and detection route, with the median hours
    from creation to first action; plus the same over all of them."""
    keys = (Case.category, Case.child_safety, detection())
    groups = aggregate(session, Case, keys, [within(Case.first_action_at, start, end)],
                       counts={"count": None, "imminent": Case.imminent_risk},
                       median=_hours_to_first_action(session))
    rows = [{"category": c, "child_safety": bool(cs), "detection": d, **group.counts,
             "median_hours_to_first_action": group.median}
            for key, group in groups.items() if key is not None for c, cs, d in [key]]
    return rows, groups[None]


def opened(session: Session, start: date, end: date) -> list[dict[str, Any]]:
    """Cases opened in the period by category and detection route (own-initiative work is counted here)."""
    keys = (Case.category, detection())
    rows = session.execute(select(*keys, func.count()).where(within(Case.created_at, start, end))
                           .group_by(*positions(len(keys))))
    return [{"category": c, "detection": d, "count": int(n)} for c, d, n in rows]

