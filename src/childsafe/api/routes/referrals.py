"""Referral packages for hotlines (INHOPE members, the IWF) and law enforcement, and the register of
law-enforcement requests. Packages are built by child-safety specialists only and every export is
audited; the register is kept by compliance and child-safety specialists."""

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from childsafe import evidence
from childsafe.api.deps import require
from childsafe.api.problems import ERROR_RESPONSES
from childsafe.audit import Actor
from childsafe.referrals import exports
from childsafe.referrals import requests as le_requests
from childsafe.vocabulary import Role


def _configure(request: Request) -> None:
    evidence.configure(request.app.state.settings)


router = APIRouter(prefix="/v1", tags=["referrals"], responses=ERROR_RESPONSES, dependencies=[Depends(_configure)])
Specialist = Annotated[Actor, Depends(require(Role.CHILD_SAFETY_SPECIALIST))]
ExportReader = Annotated[Actor, Depends(require(Role.CHILD_SAFETY_SPECIALIST, Role.COMPLIANCE))]
RegisterKeeper = Annotated[Actor, Depends(require(Role.COMPLIANCE, Role.CHILD_SAFETY_SPECIALIST))]


@router.post("/cases/{case_id}/referral-exports", status_code=201, response_class=Response,
             summary="Build a referral package (zip: manifest with SHA-256 per file, referral.json, files)",
             responses={201: {"content": {"application/zip": {}}}})
def create_export(case_id: uuid.UUID, body: exports.ExportIn, request: Request, actor: Specialist) -> Response:
    with request.app.state.db.transaction() as session:
        package = exports.export(session, case_id, body, actor)
    return Response(package.data, status_code=201, media_type="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{package.filename}"',
                             "X-Export-Id": str(package.export.id),
                             "X-Package-SHA256": package.export.package_sha256})


@router.get("/cases/{case_id}/referral-exports", summary="Referral packages exported for a case (manifests only)")
def list_exports(case_id: uuid.UUID, request: Request, actor: ExportReader) -> list[dict[str, Any]]:
    with request.app.state.db.transaction() as session:
        return [exports.as_dict(row) for row in exports.exports_for(session, case_id, actor)]


@router.post("/le-requests", status_code=201, summary="Register a law-enforcement request")
def register_request(body: le_requests.RequestIn, request: Request, actor: RegisterKeeper) -> dict[str, Any]:
    with request.app.state.db.transaction() as session:
        return le_requests.as_dict(le_requests.register(session, body, actor))


@router.get("/le-requests", summary="The register of law-enforcement requests, newest first")
def list_requests(request: Request, actor: RegisterKeeper,
                  status: Literal["received", "approved", "disclosed", "refused", "withdrawn", "closed"] | None = None,
                  overdue: bool = False, limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[dict[str, Any]]:
    with request.app.state.db.transaction() as session:
        return [le_requests.as_dict(r)
                for r in le_requests.register_list(session, actor, status=status, overdue=overdue, limit=limit)]


@router.get("/le-requests/{request_id}", summary="One law-enforcement request")
def get_request(request_id: uuid.UUID, request: Request, actor: RegisterKeeper) -> dict[str, Any]:
    with request.app.state.db.transaction() as session:
        return le_requests.as_dict(le_requests.read(session, request_id, actor))


@router.post("/le-requests/{request_id}/transition", summary="Approve, record disclosure, refuse, withdraw or close")
def transition_request(request_id: uuid.UUID, body: le_requests.TransitionIn, request: Request,
                       actor: RegisterKeeper) -> dict[str, Any]:
    with request.app.state.db.transaction() as session:
        return le_requests.as_dict(le_requests.transition(session, request_id, body, actor))
