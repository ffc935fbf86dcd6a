"""DSA transparency: the Art. 15/24 report for a period, daily figures, and the statements of reasons
queued for (and receipts from) the DSA Transparency Database. Compliance only."""

from dataclasses import asdict
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, PlainTextResponse

from childsafe import transparency
from childsafe.api.deps import require
from childsafe.api.problems import ERROR_RESPONSES
from childsafe.audit import Actor, record
from childsafe.transparency import report, submission
from childsafe.vocabulary import Role


def _configure(request: Request) -> None:
    """The submission job runs in this process's outbox runner: it submits with this app's database and settings."""
    submission.configure(request.app.state.db, request.app.state.settings)


router = APIRouter(prefix="/v1/transparency", tags=["transparency"], responses=ERROR_RESPONSES,
                   dependencies=[Depends(_configure)])
Compliance = Annotated[Actor, Depends(require(Role.COMPLIANCE))]


def _period(start: date | None, end: date | None) -> tuple[date, date]:
    """Default: the calendar year so far (2024/2835 reports cover calendar years)."""
    end = end or date.today()
    return start or date(end.year, 1, 1), end


@router.get("/report", summary="Transparency report for a period (CSV, HTML or JSON)", response_model=None)
def get_report(request: Request, actor: Compliance,
               start: Annotated[date | None, Query(alias="from", description="first day (UTC), YYYY-MM-DD")] = None,
               end: Annotated[date | None, Query(alias="to", description="last day (UTC), included")] = None,
               fmt: Annotated[Literal["csv", "html", "json"], Query(alias="format")] = "json",
               ) -> Any:
    start, end = _period(start, end)
    state = request.app.state
    with state.db.transaction() as session:
        built = report.build(session, start, end, platform=state.settings.platform_name)
        record(session, actor, "transparency.report_generated", "transparency_report",
               f"{start.isoformat()}..{end.isoformat()}", format=fmt)
    name = f"transparency-report-{start.isoformat()}-{end.isoformat()}"
    if fmt == "csv":
        return PlainTextResponse(report.to_csv(built), media_type="text/csv; charset=utf-8",
                                 headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
    if fmt == "html":
        return HTMLResponse(report.to_html(built))
    return {"platform": built.platform, "from": start.isoformat(), "to": end.isoformat(),
            "generated_at": built.generated_at.isoformat(),
            "sections": [{"code": s.code, "heading": s.heading, "basis": s.basis,
                          "rows": [asdict(r) | {"dsa_category": r.dsa_category} for r in s.rows]}
                         for s in built.sections]}


@router.get("/daily", summary="Daily figures: volume, speed, overturn and overblocking rates")
def get_daily(request: Request, actor: Compliance,
              start: Annotated[date | None, Query(alias="from")] = None,
              end: Annotated[date | None, Query(alias="to")] = None) -> list[dict[str, Any]]:
    end = end or date.today()
    start = start or end.replace(day=1)
    with request.app.state.db.transaction() as session:
        return [asdict(day) | {"day": day.day.isoformat()} for day in transparency.daily(session, start, end)]


@router.post("/statements/queue", summary="Queue new statements of reasons for the DSA Transparency Database")
def queue_statements(request: Request, actor: Compliance) -> dict[str, Any]:
    state = request.app.state
    with state.db.transaction() as session:
        queued = submission.queue(session, state.settings)
        return {"queued": queued, "environment": state.settings.tdb_environment,
                "counts": submission.status_counts(session)}


@router.get("/statements", summary="Statements of reasons and their TDB receipts, newest first")
def list_statements(request: Request, actor: Compliance,
                    status: Literal["pending", "submitted", "rejected"] | None = None,
                    limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> dict[str, Any]:
    with request.app.state.db.transaction() as session:
        rows = submission.submissions(session, status=status, limit=limit)
        return {"counts": submission.status_counts(session), "statements": [
            {"decision_id": str(r.decision_id), "puid": r.puid, "status": r.status, "environment": r.environment,
             "queued_at": r.queued_at.isoformat(), "attempts": r.attempts,
             "submitted_at": r.submitted_at.isoformat() if r.submitted_at else None, "tdb_uuid": r.tdb_uuid,
             "tdb_id": r.tdb_id, "permalink": r.permalink, "reconciled": r.reconciled, "last_error": r.last_error}
            for r in rows]}
