"""API keys and the audit log."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import StringConstraints
from starlette.exceptions import HTTPException

from childsafe import access, audit
from childsafe.api.deps import require
from childsafe.api.problems import ERROR_RESPONSES
from childsafe.api.views import AuditView, KeyCreated, KeyView, VerifyView
from childsafe.inputs import Input
from childsafe.vocabulary import Role

router = APIRouter(prefix="/v1", tags=["administration"], responses=ERROR_RESPONSES)
Admin = Annotated[audit.Actor, Depends(require(Role.ADMIN))]
Auditor = Annotated[audit.Actor, Depends(require(Role.ADMIN, Role.COMPLIANCE))]


class KeyIn(Input):
    role: Role
    name: Annotated[str, StringConstraints(min_length=1, max_length=120)]


@router.post("/keys", response_model=KeyCreated, status_code=201, summary="Create an API key (shown once)")
def create_key(data: KeyIn, request: Request, actor: Admin) -> KeyCreated:
    with request.app.state.db.transaction() as session:
        created = access.create_key(session, data.role, data.name, actor)
    return KeyCreated(id=created.id, token=created.token, prefix=created.prefix, role=created.role.value,
                      name=created.name)


@router.get("/keys", response_model=list[KeyView], summary="List API keys (never their secrets)")
def list_keys(request: Request, actor: Admin) -> list[KeyView]:
    with request.app.state.db.transaction() as session:
        return [KeyView.model_validate(k) for k in access.list_keys(session)]


@router.delete("/keys/{key_id}", response_model=KeyView, summary="Revoke an API key")
def revoke_key(key_id: uuid.UUID, request: Request, actor: Admin) -> KeyView:
    with request.app.state.db.transaction() as session:
        key = access.revoke_key(session, key_id, actor)
        if key is None:
            raise HTTPException(404, f"API key {key_id} does not exist")
        view = KeyView.model_validate(key)
    request.app.state.key_cache.clear()
    return view


@router.get("/audit", response_model=list[AuditView], summary="Read the audit log")
def read_audit(request: Request, actor: Auditor,
               object_id: Annotated[str | None, Query(max_length=80)] = None,
               action: Annotated[str | None, Query(max_length=80)] = None,
               after: Annotated[int, Query(ge=0, le=2**63 - 1)] = 0,  # a BIGINT sequence number
               limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[AuditView]:
    with request.app.state.db.transaction() as session:
        rows = audit.entries(session, object_id=object_id, action=action, after_seq=after, limit=limit)
        views = [AuditView.model_validate(r) for r in rows]
        audit.record(session, actor, "audit.read", "audit", "log", count=len(views))
    return views


@router.get("/audit/verify", response_model=VerifyView, summary="Check the audit log's hash chain")
def verify_audit(request: Request, actor: Auditor,
                 expect_head: Annotated[str | None, Query(pattern="^[0-9a-f]{64}$")] = None) -> VerifyView:
    with request.app.state.db.transaction() as session:
        result = audit.verify(session, expect_head=expect_head)
    return VerifyView.model_validate(result)
