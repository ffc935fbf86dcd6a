"""The evidence vault over HTTP: preserve media and account data for a case, list it, open it with a
reason (audited), review images blurred unless deliberately revealed, and manage preservation holds."""

import uuid
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import AwareDatetime, BaseModel, Field, StringConstraints
from starlette.concurrency import run_in_threadpool

from childsafe import cases, evidence
from childsafe.api.deps import REVIEWERS, require
from childsafe.api.problems import ERROR_RESPONSES
from childsafe.audit import Actor
from childsafe.errors import Forbidden, InvalidInput
from childsafe.evidence.records import RecordKind
from childsafe.inputs import Input
from childsafe.vocabulary import Role


def _configure(request: Request) -> None:
    evidence.configure(request.app.state.settings)


router = APIRouter(prefix="/v1", tags=["evidence"], responses=ERROR_RESPONSES, dependencies=[Depends(_configure)])
Preserver = Annotated[Actor, Depends(require(Role.SERVICE, Role.CHILD_SAFETY_SPECIALIST))]
Reviewer = Annotated[Actor, Depends(require(*REVIEWERS))]
HoldKeeper = Annotated[Actor, Depends(require(Role.CHILD_SAFETY_SPECIALIST, Role.COMPLIANCE))]
ExposureReader = Annotated[Actor, Depends(require(*REVIEWERS, Role.COMPLIANCE, Role.ADMIN))]
Reason = Annotated[str, StringConstraints(min_length=1, max_length=500)]
ReasonQuery = Annotated[str | None, Query(max_length=500, description="Why you open it; written to the audit log.")]
UPLOAD_PATH = "/v1/evidence/media"


ItemView = evidence.ItemInfo  # the metadata only, never content: answered as it is


class RecordIn(Input):
    kind: RecordKind
    record: dict[str, Any]
    source: Annotated[str, StringConstraints(min_length=1, max_length=80)] = "platform"


class HoldIn(Input):
    jurisdiction: Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2,10}$")] | None = None
    legal_basis: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    days: Annotated[int, Field(ge=1, le=36500)] | None = None
    started_at: AwareDatetime | None = None
    reason: Annotated[str, StringConstraints(max_length=500)] = ""


class ExtendIn(Input):
    until: AwareDatetime | None = None
    days: Annotated[int, Field(ge=1, le=36500)] | None = None
    reason: Reason


class ReleaseIn(Input):
    reason: Reason


class HoldView(BaseModel):
    id: uuid.UUID
    case_id: uuid.UUID
    legal_basis: str
    jurisdiction: str
    started_at: datetime
    expires_at: datetime
    status: str
    placed_by: str
    reason: str
    extensions: list[dict[str, Any]]
    released_at: datetime | None
    released_by: str | None
    release_reason: str | None


class ExposureView(BaseModel):
    actor_id: str
    day: str
    blurred: int
    revealed: int
    read: int
    total: int
    items: int


def _item_view(info: evidence.ItemInfo) -> ItemView:
    return info


def _hold_view(info: evidence.HoldInfo) -> HoldView:
    return HoldView(**info.__dict__)


_MEDIA_DOC: dict[str, Any] = {"requestBody": {"required": True, "content": {
    t: {"schema": {"type": "string", "format": "binary"}}
    for t in ("image/jpeg", "image/png", "video/mp4", "application/octet-stream")}}}


@router.post(UPLOAD_PATH.removeprefix("/v1"), response_model=ItemView, status_code=201, openapi_extra=_MEDIA_DOC,
             summary="Preserve media bytes for a case (sealed before anything is written)")
async def preserve_media(request: Request, actor: Preserver, case_id: uuid.UUID,
                         filename: Annotated[str | None, Query(min_length=1, max_length=255)] = None,
                         source: Annotated[str, Query(min_length=1, max_length=80)] = "platform") -> ItemView:
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower() or None
    if ctype == "application/json":
        raise InvalidInput("send the media's bytes with its own content type (image/*, video/*, "
                           "application/octet-stream); account data goes to POST /v1/cases/{case_id}/evidence",
                           field="body")
    body = await request.body()

    def work() -> ItemView:
        with request.app.state.db.transaction() as session:
            return _item_view(evidence.preserve_media(session, case_id=case_id, data=body, filename=filename,
                                                      content_type=ctype, actor=actor, source=source))

    return await run_in_threadpool(work)


@router.post("/cases/{case_id}/evidence", response_model=ItemView, status_code=201,
             summary="Preserve account data, IP or login events, or a message thread for a case")
def preserve_record(case_id: uuid.UUID, body: RecordIn, request: Request, actor: Preserver) -> ItemView:
    with request.app.state.db.transaction() as session:
        return _item_view(evidence.preserve_record(session, case_id=case_id, kind=body.kind, record=body.record,
                                                   actor=actor, source=body.source))


@router.get("/cases/{case_id}/evidence", response_model=list[ItemView], summary="What is preserved for a case")
def list_items(case_id: uuid.UUID, request: Request, actor: Reviewer) -> list[ItemView]:
    with request.app.state.db.transaction() as session:
        cases.get(session, case_id, actor, reason="list evidence")
        return [_item_view(i) for i in evidence.items(session, case_id)]


@router.get("/evidence/exposure", response_model=ExposureView,
            summary="A reviewer's exposure to abuse material on one UTC day (own; compliance and admin: anyone's)")
def get_exposure(request: Request, actor: ExposureReader, day: date | None = None,
                 reviewer: Annotated[str | None, Query(min_length=1, max_length=200)] = None) -> ExposureView:
    who = reviewer or actor.id
    if who != actor.id and actor.role not in (Role.COMPLIANCE, Role.ADMIN):
        raise Forbidden("reviewers see their own exposure only")
    with request.app.state.db.transaction() as session:
        return ExposureView(**evidence.exposure(session, who, day))


def _item_for(session: Any, item_id: uuid.UUID, actor: Actor) -> evidence.ItemInfo:
    info = evidence.item(session, item_id)
    cases.get(session, info.case_id, actor, reason="evidence metadata", audit_read=False)
    return info


@router.get("/evidence/{item_id}", response_model=ItemView, summary="One preserved item's metadata (no content)")
def get_item(item_id: uuid.UUID, request: Request, actor: Reviewer) -> ItemView:
    with request.app.state.db.transaction() as session:
        return _item_view(_item_for(session, item_id, actor))


@router.get("/evidence/{item_id}/image", summary="An image for review: blurred and greyscale unless revealed",
            response_class=Response, responses={200: {"content": {"image/png": {}}}})
def review_image(item_id: uuid.UUID, request: Request, actor: Reviewer, reveal: bool = False,
                 reason: ReasonQuery = None) -> Response:
    with request.app.state.db.transaction() as session:
        png = evidence.review_image(session, item_id, actor=actor, reveal=reveal, reason=reason)
    return Response(png, media_type="image/png", headers={"Cache-Control": "no-store"})


class ReadIn(Input):
    reason: Reason


@router.post("/evidence/{item_id}/read", summary="The original content (media bytes or the JSON record), "
             "audited with the reason given", response_class=Response,
             responses={200: {"content": {"application/octet-stream": {}, "application/json": {}}}})
def read_content(item_id: uuid.UUID, body: ReadIn, request: Request, actor: Reviewer) -> Response:
    with request.app.state.db.transaction() as session:
        info = evidence.item(session, item_id)
        if info.kind == "media":
            data = evidence.read_media(session, item_id, actor=actor, reason=body.reason)
            return Response(data, media_type=info.content_type or "application/octet-stream",
                            headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff",
                                     "Content-Disposition": "attachment"})
        return JSONResponse(evidence.read_record(session, item_id, actor=actor, reason=body.reason),
                            headers={"Cache-Control": "no-store"})


@router.get("/cases/{case_id}/holds", response_model=list[HoldView], summary="Preservation holds on a case")
def list_holds(case_id: uuid.UUID, request: Request, actor: HoldKeeper) -> list[HoldView]:
    with request.app.state.db.transaction() as session:
        cases.restricted(session, case_id)
        return [_hold_view(h) for h in evidence.holds(session, case_id)]


@router.post("/cases/{case_id}/holds", response_model=HoldView, status_code=201,
             summary="Place a preservation hold (default: the configured jurisdiction's rule)")
def place_hold(case_id: uuid.UUID, body: HoldIn, request: Request, actor: HoldKeeper) -> HoldView:
    with request.app.state.db.transaction() as session:
        return _hold_view(evidence.place_hold(session, case_id, actor=actor, jurisdiction=body.jurisdiction,
                                              legal_basis=body.legal_basis, days=body.days, reason=body.reason,
                                              started_at=body.started_at))


@router.post("/holds/{hold_id}/extend", response_model=HoldView, summary="Extend an active hold, with a reason")
def extend_hold(hold_id: uuid.UUID, body: ExtendIn, request: Request, actor: HoldKeeper) -> HoldView:
    with request.app.state.db.transaction() as session:
        return _hold_view(evidence.extend_hold(session, hold_id, actor=actor, reason=body.reason, until=body.until,
                                               days=body.days))


@router.post("/holds/{hold_id}/release", response_model=HoldView, summary="Release an active hold, with a reason")
def release_hold(hold_id: uuid.UUID, body: ReleaseIn, request: Request, actor: HoldKeeper) -> HoldView:
    with request.app.state.db.transaction() as session:
        return _hold_view(evidence.release_hold(session, hold_id, actor=actor, reason=body.reason))
