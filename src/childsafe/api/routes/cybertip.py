"""NCMEC CyberTipline reports: draft from a case, review (completeness, XML preview), approve,
submit, retract. Child-safety specialists only."""

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import AwareDatetime, BaseModel, Field, StringConstraints

from childsafe.api.deps import AccessReason, require
from childsafe.api.problems import ERROR_RESPONSES
from childsafe.audit import Actor
from childsafe.inputs import Input
from childsafe.referrals import cybertip
from childsafe.referrals.cybertip.schema import INCIDENT_TYPES, MAX_TEXT
from childsafe.vocabulary import Role

router = APIRouter(prefix="/v1", tags=["cybertip"], responses=ERROR_RESPONSES)
Specialist = Annotated[Actor, Depends(require(Role.CHILD_SAFETY_SPECIALIST))]
LongText = Annotated[str, StringConstraints(min_length=1, max_length=MAX_TEXT, strip_whitespace=True)]
IncidentType = Literal[tuple(sorted(INCIDENT_TYPES))]  # type: ignore[valid-type]
Classification = Literal["A1", "A2", "B1", "B2"]
Status = Literal["draft", "approved", "submitting", "submitted", "rejected", "retracting", "retracted"]


class DraftIn(Input):
    incident_type: IncidentType | None = Field(default=None, description="Default: from the case's risk category")
    incident_at: AwareDatetime | None = Field(default=None, description="When the content was posted or sent; "
                                                                        "default: the subject's creation time")
    incident_description: LongText | None = None
    escalate: LongText | None = Field(default=None, description="Why NCMEC should treat it as high priority "
                                                                "(imminent risk); leave out otherwise")
    additional_info: LongText | None = None
    prior_reports: Annotated[list[Annotated[int, Field(ge=1, le=10**12)]], Field(max_length=50)] = []
    classifications: Annotated[dict[uuid.UUID, Classification], Field(max_length=1000)] = {}
    publicly_available: bool | None = None


class ApproveIn(Input):
    override_reason: LongText | None = Field(default=None, description="Required to approve an incomplete "
                                                                       "report; written to the audit log")


class MissingView(BaseModel):
    code: str
    message: str


class FileView(BaseModel):
    position: int
    evidence_id: uuid.UUID
    kind: str
    filename: str | None
    md5: str | None = None
    sha256: str | None = None
    pdq: str | None = None
    viewed_by_person: bool
    classification: str | None = None
    ncmec_file_id: str | None
    uploaded_at: datetime | None
    details_sent_at: datetime | None


class CybertipView(BaseModel):
    id: uuid.UUID
    case_id: uuid.UUID
    status: str
    incident_type: str
    complete: bool
    missing: list[MissingView]
    override_reason: str | None
    created_by: str
    created_at: datetime
    approved_by: str | None
    approved_at: datetime | None
    environment: str | None
    ncmec_report_id: str | None
    opened_at: datetime | None
    finished_at: datetime | None
    retracted_at: datetime | None
    last_error: str | None = Field(description="Why NCMEC refused it, or the last transient failure")


class CybertipDetail(CybertipView):
    files: list[FileView]
    xml_preview: str
    schema_problems: list[str]


def _view(report: cybertip.CybertipReport) -> CybertipView:
    return CybertipView.model_validate({**_fields(report), "missing": report.missing, "complete": not report.missing})


def _fields(report: cybertip.CybertipReport) -> dict[str, Any]:
    return {name: getattr(report, name) for name in CybertipView.model_fields if hasattr(report, name)}


@router.post("/cases/{case_id}/cybertip", response_model=CybertipDetail, status_code=201,
             summary="Draft a CyberTipline report from a case and its preserved evidence")
def draft(case_id: uuid.UUID, data: DraftIn, request: Request, actor: Specialist) -> CybertipDetail:
    state = request.app.state
    options = cybertip.DraftOptions(
        incident_type=data.incident_type, incident_at=data.incident_at, incident_description=data.incident_description,
        escalate=data.escalate, additional_info=data.additional_info, prior_reports=tuple(data.prior_reports),
        classifications={str(k): v for k, v in data.classifications.items()},
        publicly_available=data.publicly_available)
    with state.db.transaction() as session:
        report = cybertip.create_draft(session, case_id, actor, state.settings, options)
        return _detail(session, report, actor, "CyberTipline report draft")


@router.get("/cybertip/reports", response_model=list[CybertipView], summary="CyberTipline reports, newest first")
def list_reports(request: Request, actor: Specialist, case_id: uuid.UUID | None = None, status: Status | None = None,
                 limit: Annotated[int, Query(ge=1, le=200)] = 50) -> list[CybertipView]:
    with request.app.state.db.transaction() as session:
        return [_view(r) for r in cybertip.list_reports(session, actor, case_id=case_id, status=status, limit=limit)]


@router.get("/cybertip/reports/{tip_id}", response_model=CybertipDetail,
            summary="A report with what it lacks, its files and the XML as it would be sent")
def get_report(tip_id: uuid.UUID, request: Request, actor: Specialist,
               reason: AccessReason = "CyberTipline report review") -> CybertipDetail:
    with request.app.state.db.transaction() as session:
        return _detail(session, cybertip.get(session, tip_id, actor, reason=reason), actor, reason)


@router.post("/cybertip/reports/{tip_id}/approve", response_model=CybertipView,
             summary="Approve a report (an incomplete one needs override_reason)")
def approve(tip_id: uuid.UUID, request: Request, actor: Specialist, data: ApproveIn | None = None) -> CybertipView:
    with request.app.state.db.transaction() as session:
        reason = data.override_reason if data else None
        return _view(cybertip.approve(session, tip_id, actor, override_reason=reason))


@router.post("/cybertip/reports/{tip_id}/submit", response_model=CybertipView, status_code=202,
             summary="Send an approved report to NCMEC (durably queued; poll the report for its status)")
def submit(tip_id: uuid.UUID, request: Request, actor: Specialist) -> CybertipView:
    state = request.app.state
    cybertip.bind(state.db, state.settings)
    with state.db.transaction() as session:
        return _view(cybertip.submit(session, tip_id, actor, state.settings))


@router.post("/cybertip/reports/{tip_id}/retract", response_model=CybertipView, status_code=202,
             summary="Cancel a report (NCMEC accepts this only before the report is finished)")
def retract(tip_id: uuid.UUID, request: Request, actor: Specialist) -> CybertipView:
    state = request.app.state
    cybertip.bind(state.db, state.settings)
    with state.db.transaction() as session:
        return _view(cybertip.retract(session, tip_id, actor))


def _detail(session: Any, report: cybertip.CybertipReport, actor: Actor, reason: str) -> CybertipDetail:
    """The XML preview and file details come from the sealed content: an audited evidence read."""
    content = cybertip.read_content(session, report, actor, reason=reason)
    xml, problems = cybertip.preview(content)
    entries = content.get("files", [])
    file_views = []
    for row in cybertip.files(session, report.id):
        entry = entries[row.position] if row.position < len(entries) else {}
        file_views.append(FileView(
            position=row.position, evidence_id=row.evidence_id, kind=row.kind, filename=entry.get("filename"),
            md5=entry.get("md5"), sha256=entry.get("sha256"), pdq=entry.get("pdq"),
            viewed_by_person=bool(entry.get("viewed")), classification=entry.get("classification"),
            ncmec_file_id=row.ncmec_file_id, uploaded_at=row.uploaded_at, details_sent_at=row.details_sent_at))
    return CybertipDetail.model_validate({**_view(report).model_dump(), "files": file_views, "xml_preview": xml,
                                          "schema_problems": problems})
