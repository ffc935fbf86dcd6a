"""SQL building blocks for read-only statistics that work the same on SQLite and PostgreSQL.

Each capability's ``stats`` module aggregates its own tables with these; the transparency reports
and the console combine the results. Medians are computed in the database (``percentile_cont`` on
PostgreSQL, a window-function median on SQLite) so a report over millions of rows never pulls
the rows into Python.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Date, Float, and_, case, cast, func, literal_column, select, tuple_
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement, Select


def _postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def day_of(session: Session, column: Any) -> ColumnElement[Any]:
    """The UTC calendar day of a timestamp column (a date on PostgreSQL, 'YYYY-MM-DD' on SQLite)."""
    if _postgres(session):
        return cast(func.timezone("UTC", column), Date)
    # UTCDateTime stores UTC as 'YYYY-MM-DD HH:MM:SS.ffffff' on SQLite.
    return func.substr(column, 1, 10)


def as_date(value: Any) -> date:
    """A ``day_of`` value as a date, whichever database produced it."""
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def hours_between(session: Session, start: Any, end: Any) -> ColumnElement[float]:
    """``end - start`` in hours, as a float."""
    if _postgres(session):
        return cast(func.extract("epoch", end - start), Float) / 3600.0
    return (func.julianday(end) - func.julianday(start)) * 24.0


def period(start: date, end: date) -> tuple[datetime, datetime]:
    """An inclusive range of UTC days as a half-open range of instants ``[from, to)``."""
    return datetime.combine(start, time(), UTC), datetime.combine(end + timedelta(days=1), time(), UTC)


def within(column: Any, start: date, end: date) -> ColumnElement[bool]:
    lower, upper = period(start, end)
    return and_(column >= lower, column < upper)


def grouped_median(session: Session, value: ColumnElement[Any], groups: Sequence[ColumnElement[Any]],
                   where: Sequence[ColumnElement[bool]], source: Any) -> dict[tuple[Any, ...], float]:
    """The median of ``value`` per group, over rows of ``source`` matching ``where``; NULL values are
    left out. Keys are tuples of the group values (``()`` for no grouping)."""
    conditions = [*where, value.isnot(None)]
    if _postgres(session):
        median = func.percentile_cont(0.5).within_group(value)
        query: Select[Any] = select(*groups, median).select_from(source).where(*conditions)
        if groups:
            query = query.group_by(*positions(len(groups)))
        return {tuple(row[:-1]): float(row[-1]) for row in session.execute(query) if row[-1] is not None}
    # SQLite: number the values within each group; the median is the middle row, or the mean of the two.
    labelled = [g.label(f"g{i}") for i, g in enumerate(groups)]
    partition = list(groups) or None
    ranked = (select(*labelled, value.label("v"),
                     func.row_number().over(partition_by=partition, order_by=value).label("rn"),
                     func.count().over(partition_by=partition).label("n"))
              .select_from(source).where(*conditions).subquery())
    keys = [ranked.c[f"g{i}"] for i in range(len(groups))]
    middle = and_(ranked.c.rn >= (ranked.c.n + 1) // 2, ranked.c.rn <= (ranked.c.n + 2) // 2)
    query = select(*keys, func.avg(ranked.c.v)).where(middle)
    if keys:
        query = query.group_by(*keys)
    return {tuple(row[:-1]): float(row[-1]) for row in session.execute(query) if row[-1] is not None}


def positions(count: int) -> list[ColumnElement[Any]]:
    """``GROUP BY 1, 2, ...``: grouping by position, because PostgreSQL will not match a grouped
    expression that holds bound parameters (a JSON key, a CASE label) to the same expression selected."""
    return [literal_column(str(i)) for i in range(1, count + 1)]


def count_where(condition: ColumnElement[bool]) -> ColumnElement[int]:
    """``count(*) FILTER (WHERE condition)``, portable: a sum of 1/0."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


@dataclass(frozen=True)
class Group:
    counts: dict[str, int]
    median: float | None


def aggregate(session: Session, source: Any, keys: Sequence[ColumnElement[Any]], where: Sequence[ColumnElement[bool]],
              *, counts: dict[str, ColumnElement[bool] | None], median: ColumnElement[Any] | None = None,
              ) -> dict[tuple[Any, ...] | None, Group]:
    """Counts (``None`` = every row, else rows meeting the condition) and the median of ``median`` per group
    of ``keys``, plus the whole selection under the key ``None``.

    PostgreSQL does it in one scan (``GROUPING SETS ((keys), ())`` over a subquery, so the per-group and
    overall medians come from the same pass); SQLite groups, totals and ranks in separate queries.
    """
    names = list(counts)
    if not _postgres(session):
        return _aggregate_portable(session, source, keys, where, counts, median)
    columns = [k.label(f"k{i}") for i, k in enumerate(keys)]
    columns += [case((cond, 1), else_=0).label(f"c{i}") for i, cond in enumerate(counts.values()) if cond is not None]
    if median is not None:
        columns.append(median.label("v"))
    inner = select(*columns).select_from(source).where(*where).subquery("selection")
    key_columns = [inner.c[f"k{i}"] for i in range(len(keys))]
    measures: list[ColumnElement[Any]] = [
        func.count() if cond is None else func.coalesce(func.sum(inner.c[f"c{i}"]), 0)
        for i, cond in enumerate(counts.values())]
    if median is not None:
        measures.append(func.percentile_cont(0.5).within_group(inner.c.v))
    query: Select[Any] = select(*key_columns, *measures)
    if key_columns:
        query = query.add_columns(func.grouping(*key_columns)).group_by(
            func.grouping_sets(tuple_(*key_columns), tuple_()))
    result: dict[tuple[Any, ...] | None, Group] = {}
    for row in session.execute(query):
        n = len(key_columns)
        values = row[n:n + len(names)]
        med = row[n + len(names)] if median is not None else None
        total = not key_columns or row[-1] != 0
        result[None if total else tuple(row[:n])] = Group(
            {name: int(v or 0) for name, v in zip(names, values, strict=True)},
            float(med) if med is not None else None)
    result.setdefault(None, Group({name: 0 for name in names}, None))
    return result


def _aggregate_portable(session: Session, source: Any, keys: Sequence[ColumnElement[Any]],
                        where: Sequence[ColumnElement[bool]], counts: dict[str, ColumnElement[bool] | None],
                        median: ColumnElement[Any] | None) -> dict[tuple[Any, ...] | None, Group]:
    names = list(counts)
    measures = [func.count() if cond is None else count_where(cond) for cond in counts.values()]
    result: dict[tuple[Any, ...] | None, Group] = {}
    medians = grouped_median(session, median, keys, where, source) if median is not None else {}
    overall = grouped_median(session, median, (), where, source).get(()) if median is not None else None
    if keys:
        query = select(*keys, *measures).select_from(source).where(*where).group_by(*positions(len(keys)))
        for row in session.execute(query):
            key = tuple(row[:len(keys)])
            result[key] = Group({n: int(v) for n, v in zip(names, row[len(keys):], strict=True)}, medians.get(key))
    totals = session.execute(select(*measures).select_from(source).where(*where)).one()
    result[None] = Group({n: int(v or 0) for n, v in zip(names, totals, strict=True)}, overall)
    return result
