"""Report intake and the reporter's status page."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Request, Response
from prometheus_client import Counter

from childsafe import reports
from childsafe.api.deps import REVIEWERS, AccessReason, require
from childsafe.api.problems import ERROR_RESPONSES
from childsafe.api.views import ReportAck, ReportStatusView, ReportView
from childsafe.audit import Actor
from childsafe.vocabulary import Role

router = APIRouter(prefix="/v1/reports", tags=["reports"], responses=ERROR_RESPONSES)
REPORTS = Counter("childsafe_reports_received_total", "Reports received", ["channel", "category"])

IdempotencyKey = Annotated[str | None, Header(
    alias="Idempotency-Key", min_length=1, max_length=200, pattern=r"^[\x21-\x7e]+$",
    description="Makes retries safe: the same key returns the first report instead of creating another.")]


@router.post("", status_code=201, response_model=ReportAck, summary="Submit a report (children's too)")
def submit_report(data: reports.ReportIn, request: Request, response: Response,
                  actor: Annotated[Actor, Depends(require(Role.SERVICE))],
                  idempotency_key: IdempotencyKey = None) -> ReportAck:
    state = request.app.state
    with state.db.transaction() as session:
        report, replayed = reports.submit(session, data, actor, idempotency_key=idempotency_key,
                                          sla_hours=state.settings.sla_hours)
        status = reports.status_by_reference(session, report.reference) if replayed else reports.acknowledgement(report)
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    else:
        REPORTS.labels(report.channel, report.category).inc()
    response.headers["Location"] = f"/v1/reports/status/{report.reference}"
    return ReportAck(id=report.id, reference=report.reference, status=status.status,
                     received_at=report.received_at, message=status.message,
                     status_url=f"/v1/reports/status/{report.reference}")


@router.get("/status/{reference}", response_model=ReportStatusView,
            summary="What happened to my report? (no key needed: the reference number is the secret)")
def report_status(request: Request,
                  reference: Annotated[str, Path(min_length=5, max_length=20, pattern=r"^[A-Za-z0-9-]+$")]
                  ) -> ReportStatusView:
    with request.app.state.db.transaction() as session:
        status = reports.status_by_reference(session, reference)
    return ReportStatusView.model_validate(status)


@router.get("/{report_id}", response_model=ReportView, summary="A report in full (reviewers; audited)")
def get_report(report_id: uuid.UUID, request: Request, actor: Annotated[Actor, Depends(require(*REVIEWERS))],
               reason: AccessReason = "case review") -> ReportView:
    with request.app.state.db.transaction() as session:
        return ReportView.model_validate(reports.get(session, report_id, actor, reason=reason))
