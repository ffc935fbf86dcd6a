"""The compliance dashboard (figures over time, as charts and tables) and the audit log."""

from datetime import timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from childsafe import audit, transparency
from childsafe.console import charts
from childsafe.console.auth import Identity
from childsafe.console.web import PREFIX, html, roles
from childsafe.store import utcnow
from childsafe.vocabulary import Role

router = APIRouter(prefix=PREFIX, include_in_schema=False)
Auditor = Annotated[Identity, Depends(roles(Role.COMPLIANCE, Role.ADMIN))]


def _weighted(rates: list[tuple[float | None, int]]) -> float | None:
    """A period's rate from daily rates and their denominators (a plain mean would overweight quiet days)."""
    whole = sum(n for rate, n in rates if rate is not None)
    return sum(rate * n for rate, n in rates if rate is not None) / whole if whole else None


@router.get("/compliance")
def dashboard(request: Request, me: Auditor, days: Literal["7", "30", "90"] = "30") -> Response:
    end = utcnow().date()
    start = end - timedelta(days=int(days) - 1)
    with request.app.state.db.transaction() as session:
        rows = transparency.daily(session, start, end)
    day_list = [r.day for r in rows]
    speed = [r.median_hours_to_first_action for r in rows]
    known_speed = sorted(v for v in speed if v is not None)
    totals = {
        "reports": sum(r.reports for r in rows), "decisions": sum(r.decisions for r in rows),
        "restricting": sum(r.restricting_decisions for r in rows),
        "appeals_decided": sum(r.appeals_decided for r in rows),
        "appeals_overturned": sum(r.appeals_overturned for r in rows),
        "median_of_days": known_speed[len(known_speed) // 2] if known_speed else None,
        "overturn_rate": _weighted([(r.overturn_rate, r.appeals_decided) for r in rows]),
        "overblocking_rate": _weighted([(r.overblocking_rate, r.restricting_decisions) for r in rows]),
    }
    figures = [
        ("volume", "Report volume", charts.chart(
            "chart-volume", "Reports received per day", f"Bar chart of reports received each day from {start} to "
            f"{end}; {totals['reports']} in total.", day_list, [r.reports for r in rows])),
        ("speed", "Time to first action", charts.chart(
            "chart-speed", "Median hours from case opened to first action, per day",
            "Line chart; days without a first action are gaps.", day_list, speed, kind="line", fmt=charts.hours)),
        ("overturn", "Appeal overturn rate", charts.chart(
            "chart-overturn", "Share of appeals decided each day that overturned the decision",
            "Line chart of the overturn rate; days without decided appeals are gaps.", day_list,
            [r.overturn_rate for r in rows], kind="line", fmt=charts.percent, ceiling=1.0)),
        ("overblocking", "Over-blocking", charts.chart(
            "chart-overblocking", "Share of each day's restricting decisions later reversed on appeal",
            "Line chart of the over-blocking rate; days without restricting decisions are gaps.", day_list,
            [r.overblocking_rate for r in rows], kind="line", fmt=charts.percent, ceiling=1.0)),
    ]
    return html("compliance.html", request, me, section="compliance", title="Compliance dashboard", rows=rows,
                figures=figures, totals=totals, days=days, start=start, end=end, percent=charts.percent,
                hours=charts.hours)


@router.get("/audit")
def audit_page(request: Request, me: Auditor,
               object_id: Annotated[str, Query(max_length=80)] = "",
               action: Annotated[str, Query(max_length=80)] = "",
               after: Annotated[int, Query(ge=0)] = 0) -> Response:
    with request.app.state.db.transaction() as session:
        rows = audit.entries(session, object_id=object_id.strip() or None, action=action.strip() or None,
                             after_seq=after, limit=100)
        audit.record(session, me.actor, "audit.read", "audit", "log", count=len(rows))
    return html("audit.html", request, me, section="audit", title="Audit log", rows=rows,
                chosen={"object_id": object_id, "action": action},
                next_after=rows[-1].seq if len(rows) == 100 else None)


@router.get("/audit/verify")
def verify_page(request: Request, me: Auditor) -> Response:
    with request.app.state.db.transaction() as session:
        result = audit.verify(session)
        audit.record(session, me.actor, "audit.verified", "audit", "log", ok=result.ok, checked=result.checked)
    return html("audit_verify.html", request, me, section="audit", title="Audit log check", result=result)
