"""Daily trust-and-safety figures for the console: volume, speed, and how often appeals overturn us.

Each figure comes from the capability that owns it (its ``stats`` module, SQL aggregates); this
module only lines the days up and derives the rates.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session

from childsafe.appeals import stats as appeal_stats
from childsafe.cases import stats as case_stats
from childsafe.decisions import stats as decision_stats
from childsafe.reports import stats as report_stats
from childsafe.transparency import period
from childsafe.transparency.gather import gather


@dataclass(frozen=True)
class DayFigures:
    day: date
    reports: int  # reports received that day
    decisions: int  # decisions taken that day (escalations excluded)
    restricting_decisions: int  # of which restrict content or an account (DSA Art. 17)
    median_hours_to_first_action: float | None  # cases first acted on that day: creation to first action
    appeals_decided: int
    appeals_overturned: int
    overturn_rate: float | None  # appeals overturned / appeals decided that day
    overblocking_rate: float | None  # restricting decisions of that day later reversed on appeal / restricting


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def daily(session: Session, start: date, end: date) -> list[DayFigures]:
    """One entry per UTC day from ``start`` to ``end`` inclusive, zeros included."""
    period.check(start, end)
    data = gather(session, {
        "received": lambda s: report_stats.per_day(s, start, end),
        "decided": lambda s: decision_stats.per_day(s, start, end),
        "speed": lambda s: case_stats.median_hours_to_first_action_per_day(s, start, end),
        "appealed": lambda s: appeal_stats.per_day(s, start, end),
    })
    received, decided, speed, appealed = data["received"], data["decided"], data["speed"], data["appealed"]
    no_decisions, no_appeals = decision_stats.DecisionDay(0, 0, 0), appeal_stats.AppealDay(0, 0)
    figures = []
    for offset in range((end - start).days + 1):
        day = start + timedelta(days=offset)
        d, a = decided.get(day, no_decisions), appealed.get(day, no_appeals)
        figures.append(DayFigures(
            day=day, reports=received.get(day, 0), decisions=d.decisions, restricting_decisions=d.restricting,
            median_hours_to_first_action=speed.get(day), appeals_decided=a.decided,
            appeals_overturned=a.overturned, overturn_rate=_ratio(a.overturned, a.decided),
            overblocking_rate=_ratio(d.restricting_reverted, d.restricting)))
    return figures
