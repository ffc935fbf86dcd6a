"""Read-only aggregates over reports (notices), for the console and the DSA transparency reports."""

from datetime import date
from typing import Any

from sqlalchemy import String, case, cast, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from childsafe.reports.models import Report
from childsafe.store.aggregates import Group, aggregate, as_date, day_of, hours_between, positions, within


def per_day(session: Session, start: date, end: date) -> dict[date, int]:
    """Reports received per UTC day, ``start`` to ``end`` inclusive (days without any are absent)."""
    day = day_of(session, Report.received_at)
    rows = session.execute(select(day, func.count()).where(within(Report.received_at, start, end))
                           .group_by(*positions(1)))
    return {as_date(d): int(n) for d, n in rows}


_TRUSTED_CHANNELS = ("trusted_flagger", "authority", "hotline")
_TRUSTED_ROLES = ("trusted_flagger", "authority")


def notice_kind() -> ColumnElement[str]:
    """Which DSA notice route a report came through: a trusted flagger (or authority, or hotline), an
    Art. 16 notice of illegal content, or any other report. A missing notice is stored as JSON null."""
    has_notice = func.coalesce(cast(Report.notice, String), "null") != "null"
    return case((Report.channel.in_(_TRUSTED_CHANNELS) | Report.reporter_role.in_(_TRUSTED_ROLES), "trusted_flagger"),
                (has_notice, "article_16"), else_="other")


def breakdown(session: Session, start: date, end: date) -> tuple[list[dict[str, Any]], Group]:
    """Reports received in the period by category and notice route: how many, how many led to action or
    are still pending, and the median hours from receipt to outcome; plus the same over all reports."""
    keys = (Report.category, notice_kind())
    groups = aggregate(session, Report, keys, [within(Report.received_at, start, end)],
                       counts={"count": None, "actioned": Report.outcome == "action_taken",
                               "pending": Report.outcome.is_(None)},
                       median=hours_between(session, Report.received_at, Report.outcome_at))
    rows = [{"category": key[0], "notice": key[1], **group.counts, "median_hours_to_outcome": group.median}
            for key, group in groups.items() if key is not None]
    return rows, groups[None]
