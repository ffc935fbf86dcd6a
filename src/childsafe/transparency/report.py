"""The DSA transparency report for a period (Arts 15 and 24), under the headings of the quantitative
template of Implementing Regulation (EU) 2024/2835, as CSV (one figure per row, machine-readable) and
HTML. Every figure is recomputed from the capabilities' own records by SQL aggregation, so a
period with millions of decisions takes seconds.
"""

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.orm import Session

from childsafe.appeals import stats as appeal_stats
from childsafe.cases import stats as case_stats
from childsafe.decisions import stats as decision_stats
from childsafe.referrals import requests as le_requests
from childsafe.reports import stats as report_stats
from childsafe.store.aggregates import Group
from childsafe.transparency import period, submission
from childsafe.transparency.gather import gather
from childsafe.vocabulary import RiskCategory, category_info

CSV_COLUMNS = ("section", "heading", "metric", "category", "dsa_category", "route", "action", "ground",
               "automation", "detail", "value")
_TEMPLATES = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                         autoescape=select_autoescape(("html",)), trim_blocks=True, lstrip_blocks=True)


@dataclass(frozen=True)
class Row:
    metric: str
    value: int | float | str | None
    category: str = ""
    route: str = ""  # how it came to us: notice route, detection method, country
    action: str = ""
    ground: str = ""
    automation: str = ""
    detail: str = ""

    @property
    def dsa_category(self) -> str:
        try:
            return category_info(RiskCategory(self.category)).dsa_category.value
        except ValueError:
            return ""


@dataclass(frozen=True)
class Section:
    code: str
    heading: str
    basis: str
    rows: list[Row] = field(default_factory=list)


@dataclass(frozen=True)
class TransparencyReport:
    platform: str
    start: date
    end: date
    generated_at: datetime
    sections: list[Section]

    def figure(self, code: str, metric: str, **match: str) -> Any:
        """The value of one row (tests and callers that need a single figure)."""
        for section in self.sections:
            if section.code == code:
                for row in section.rows:
                    if row.metric == metric and all(getattr(row, k) == v for k, v in match.items()):
                        return row.value
        raise KeyError(f"{code}/{metric} {match}")


def _automation(detected: bool, decided: bool) -> str:
    if decided:
        return "fully_automated"
    return "automated_detection_human_decision" if detected else "human"


def _hours(value: float | None) -> float | None:
    return round(value, 2) if value is not None else None


def build(session: Session, start: date, end: date, *, platform: str) -> TransparencyReport:
    period.check(start, end)
    data = gather(session, {
        "orders": lambda s: le_requests.breakdown(s, start, end),
        "notices": lambda s: report_stats.breakdown(s, start, end),
        "opened": lambda s: case_stats.opened(s, start, end),
        "acted": lambda s: case_stats.breakdown(s, start, end),
        "decided": lambda s: decision_stats.breakdown(s, start, end),
        "appeals": lambda s: appeal_stats.breakdown(s, start, end),
        "statements": lambda s: submission.period_counts(s, start, end),
    })
    decided = data["decided"]
    sections = [
        _orders(data["orders"]),
        _notices(*data["notices"]),
        _own_initiative(data["opened"], decided),
        _measures(decided, *data["acted"]),
        _complaints(*data["appeals"]),
        _automated(decided),
        _suspensions(decided),
        Section("H", "Out-of-court dispute settlement", "Art. 24(1)(a) DSA",
                [Row("ods_disputes", "not recorded", detail="outcomes are reported by the certified bodies")]),
        _statements(data["statements"]),
    ]
    return TransparencyReport(platform, start, end, datetime.now(UTC), sections)


def _orders(orders: list[dict[str, Any]]) -> Section:
    section = Section("A", "Orders from Member States' authorities", "Art. 15(1)(a) DSA (Arts 9 and 10)")
    for r in sorted(orders, key=lambda r: (r["kind"], r["country"])):
        common = {"route": r["country"], "detail": r["kind"]}
        section.rows.extend([Row("orders_received", r["count"], **common),
                             Row("orders_with_disclosure", r["disclosed"], **common),
                             Row("median_hours_to_disclosure", _hours(r["median_hours_to_disclosure"]), **common)])
    if not section.rows:
        section.rows.append(Row("orders_received", 0))
    return section


def _notices(rows: list[dict[str, Any]], total: Group) -> Section:
    section = Section("B", "Notices submitted in accordance with Article 16", "Art. 15(1)(b) DSA")
    rows = sorted(rows, key=lambda r: (r["category"], r["notice"]))
    section.rows.append(Row("notices_received", total.counts["count"]))
    section.rows.append(Row("notices_from_trusted_flaggers",
                            sum(r["count"] for r in rows if r["notice"] == "trusted_flagger")))
    section.rows.append(Row("notices_actioned", total.counts["actioned"]))
    section.rows.append(Row("median_hours_to_outcome", _hours(total.median)))
    for r in rows:
        common = {"category": r["category"], "route": r["notice"]}
        section.rows.extend([Row("notices_received", r["count"], **common),
                             Row("notices_actioned", r["actioned"], **common),
                             Row("notices_pending", r["pending"], **common),
                             Row("median_hours_to_outcome", _hours(r["median_hours_to_outcome"]), **common)])
    return section


def _own_initiative(cases_opened: list[dict[str, Any]], decided: list[dict[str, Any]]) -> Section:
    section = Section("C", "Content moderation engaged in at the provider's own initiative", "Art. 15(1)(c) DSA")
    opened = [r for r in cases_opened if r["detection"].startswith("own_initiative")]
    section.rows.append(Row("own_initiative_cases", sum(r["count"] for r in opened)))
    for r in sorted(opened, key=lambda r: (r["category"], r["detection"])):
        section.rows.append(Row("own_initiative_cases", r["count"], category=r["category"], route=r["detection"]))
    voluntary = [r for r in decided if r["source_type"] == "SOURCE_VOLUNTARY"]
    section.rows.append(Row("own_initiative_measures", sum(r["count"] for r in voluntary)))
    for r in sorted(voluntary, key=_decision_key):
        section.rows.append(Row("own_initiative_measures", r["count"], category=r["category"], action=r["action"],
                                ground=r["ground"],
                                automation=_automation(r["automated_detection"], r["automated_decision"])))
    return section


def _decision_key(r: dict[str, Any]) -> tuple[Any, ...]:
    return (r["category"], r["action"], r["ground"], r["source_type"], r["automated_detection"],
            r["automated_decision"])


def _measures(decided: list[dict[str, Any]], acted: list[dict[str, Any]], first_actions: Group) -> Section:
    section = Section("D", "Measures taken: decisions by type of restriction, ground, detection method and "
                           "degree of automation", "Art. 15(1)(b)-(c) and Art. 17 DSA")
    section.rows.append(Row("decisions", sum(r["count"] for r in decided)))
    section.rows.append(Row("restricting_decisions", sum(r["count"] for r in decided
                                                          if r["action"] in decision_stats.RESTRICTING_ACTIONS)))
    section.rows.append(Row("median_hours_to_first_action", _hours(first_actions.median)))
    for r in sorted(decided, key=_decision_key):
        common = {"category": r["category"], "action": r["action"], "ground": r["ground"],
                  "route": r["source_type"], "automation": _automation(r["automated_detection"],
                                                                       r["automated_decision"])}
        section.rows.extend([Row("decisions", r["count"], **common),
                             Row("reversed_on_appeal", r["reverted"], **common)])
    for r in sorted(acted, key=lambda r: (r["category"], r["child_safety"], r["detection"])):
        common = {"category": r["category"], "route": r["detection"],
                  "detail": "child_safety_queue" if r["child_safety"] else ""}
        section.rows.extend([Row("cases_first_acted_on", r["count"], **common),
                             Row("median_hours_to_first_action", _hours(r["median_hours_to_first_action"]),
                                 **common)])
    return section


def _complaints(rows: list[dict[str, Any]], total: Group) -> Section:
    section = Section("E", "Complaints received through the internal complaint-handling system",
                      "Art. 15(1)(d) and Art. 20 DSA")
    rows = sorted(rows, key=lambda r: (r["category"], r["action"], r["appellant_role"]))
    for metric, key in (("complaints_received", "count"), ("complaints_decided", "decided"),
                        ("decisions_upheld", "upheld"), ("decisions_reversed", "overturned")):
        section.rows.append(Row(metric, total.counts[key]))
    section.rows.append(Row("median_hours_to_decide", _hours(total.median)))
    by_category: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for r in rows:
        by_category[r["category"]][0] += r["decided"]
        by_category[r["category"]][1] += r["overturned"]
        common = {"category": r["category"], "action": r["action"], "detail": r["appellant_role"]}
        section.rows.extend([Row("complaints_received", r["count"], **common),
                             Row("complaints_decided", r["decided"], **common),
                             Row("decisions_upheld", r["upheld"], **common),
                             Row("decisions_reversed", r["overturned"], **common),
                             Row("median_hours_to_decide", _hours(r["median_hours_to_decide"]), **common)])
    for category, (done, reversed_) in sorted(by_category.items()):
        section.rows.append(Row("reversal_rate", round(reversed_ / done, 4) if done else None, category=category))
    return section


def _automated(decided: list[dict[str, Any]]) -> Section:
    section = Section("F", "Use of automated means for content moderation", "Art. 15(1)(e) DSA")
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for r in decided:
        key = _automation(r["automated_detection"], r["automated_decision"])
        totals[key][0] += r["count"]
        totals[key][1] += r["reverted"]
    for key in ("fully_automated", "automated_detection_human_decision", "human"):
        count, reverted = totals.get(key, [0, 0])
        section.rows.extend([Row("decisions", count, automation=key),
                             Row("reversed_on_appeal", reverted, automation=key),
                             Row("error_rate_indicator", round(reverted / count, 4) if count else None,
                                 automation=key, detail="share reversed on appeal")])
    return section


def _suspensions(decided: list[dict[str, Any]]) -> Section:
    section = Section("G", "Suspensions imposed", "Art. 24(1)(b) and Art. 23 DSA")
    suspended = [r for r in decided if r["action"] in decision_stats.SUSPENSIONS]
    section.rows.append(Row("suspensions", sum(r["count"] for r in suspended)))
    totals: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0])
    for r in suspended:
        totals[(r["category"], r["action"], r["ground"])][0] += r["count"]
        totals[(r["category"], r["action"], r["ground"])][1] += r["reverted"]
    for (category, action, ground), (count, reverted) in sorted(totals.items()):
        section.rows.extend([Row("suspensions", count, category=category, action=action, ground=ground),
                             Row("reversed_on_appeal", reverted, category=category, action=action, ground=ground)])
    return section


def _statements(counts: dict[str, int]) -> Section:
    section = Section("I", "Statements of reasons submitted to the DSA Transparency Database", "Art. 24(5) DSA")
    for status in ("submitted", "pending", "rejected"):
        section.rows.append(Row("statements_of_reasons", counts.get(status, 0), detail=status))
    return section


def to_csv(report: TransparencyReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for section in report.sections:
        for row in section.rows:
            writer.writerow((section.code, section.heading, row.metric, row.category, row.dsa_category, row.route,
                             row.action, row.ground, row.automation, row.detail,
                             "" if row.value is None else row.value))
    return out.getvalue()


def to_html(report: TransparencyReport) -> str:
    return _TEMPLATES.get_template("report.html").render(report=report)
