"""Hash banks: create, configure, add and retract hashes, and see counts and index state.

Large lists are imported with ``childsafe banks import`` (streamed, resumable); the API takes
hashes in batches of up to 10,000 for platforms that curate banks from their own systems.
"""

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field, StringConstraints

from childsafe import banks
from childsafe.api.deps import require
from childsafe.api.problems import ERROR_RESPONSES
from childsafe.audit import Actor
from childsafe.inputs import Input
from childsafe.vocabulary import RiskCategory, Role

router = APIRouter(prefix="/v1", tags=["banks"], responses=ERROR_RESPONSES)
Curator = Annotated[Actor, Depends(require(Role.CHILD_SAFETY_SPECIALIST, Role.ADMIN))]
Viewer = Annotated[Actor, Depends(require(Role.CHILD_SAFETY_SPECIALIST, Role.ADMIN, Role.COMPLIANCE))]
Name = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,80}$")]
Reason = Annotated[str, StringConstraints(max_length=500)]


class BankIn(Input):
    name: Name
    kind: Literal["match", "allow"] = "match"
    category: RiskCategory = RiskCategory.CSAM
    threshold: Annotated[int, Field(ge=0, le=banks.MAX_THRESHOLD)] = banks.DEFAULT_THRESHOLD
    source: Literal["local", "file", "exchange"] = "local"
    description: Annotated[str, StringConstraints(max_length=2000)] = ""
    enabled: bool = True


class BankPatch(Input):
    enabled: bool | None = None
    threshold: Annotated[int | None, Field(ge=0, le=banks.MAX_THRESHOLD)] = None
    category: RiskCategory | None = None
    description: Annotated[str | None, StringConstraints(max_length=2000)] = None


class BankHashIn(Input):
    algorithm: Literal["md5", "sha256", "pdq", "vpdq"]
    value: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    item_id: Annotated[str, StringConstraints(max_length=200)] = ""
    quality: Annotated[int | None, Field(ge=0, le=100)] = None
    frame_time: Annotated[float | None, Field(ge=0, le=10**7)] = None


class HashesIn(Input):
    hashes: Annotated[list[BankHashIn], Field(min_length=1, max_length=10_000)]
    reason: Reason = ""


class RetractionIn(Input):
    hashes: Annotated[list[BankHashIn], Field(max_length=10_000)] = []
    item_ids: Annotated[list[Annotated[str, StringConstraints(min_length=1, max_length=200)]],
                        Field(max_length=10_000)] = []
    reason: Reason = ""


class BankView(BaseModel):
    id: int
    name: str
    kind: str
    category: str
    threshold: int
    source: str
    description: str
    enabled: bool
    created_at: datetime
    updated_at: datetime
    last_refresh_at: datetime | None
    stats: dict[str, Any] | None = None


class ChangeView(BaseModel):
    bank: str
    changed: int


def _refresh(request: Request) -> None:
    """This process's matcher sees its own change at once; other replicas within index_refresh_seconds."""
    request.app.state.matcher.refresh()


def _view(bank: banks.Bank, stats: dict[str, Any] | None = None) -> BankView:
    return BankView(id=bank.id, name=bank.name, kind=bank.kind, category=bank.category, threshold=bank.threshold,
                    source=bank.source, description=bank.description, enabled=bank.enabled,
                    created_at=bank.created_at, updated_at=bank.updated_at, last_refresh_at=bank.last_refresh_at,
                    stats=stats)


@router.get("/banks", response_model=list[BankView], summary="Every bank with its settings")
def list_banks(request: Request, actor: Viewer) -> list[BankView]:
    with request.app.state.db.transaction() as session:
        return [_view(b) for b in banks.list_banks(session)]


@router.post("/banks", response_model=BankView, status_code=201, summary="Create a bank")
def create_bank(data: BankIn, request: Request, actor: Curator) -> BankView:
    with request.app.state.db.transaction() as session:
        view = _view(banks.create_bank(session, actor, **data.model_dump()))
    _refresh(request)
    return view


@router.get("/banks/{name}", response_model=BankView, summary="A bank with its counts and last import")
def get_bank(name: Name, request: Request, actor: Viewer) -> BankView:
    with request.app.state.db.transaction() as session:
        bank = banks.get_bank(session, name)
        return _view(bank, banks.stats(session, bank))


@router.patch("/banks/{name}", response_model=BankView, summary="Enable, disable or re-threshold a bank")
def update_bank(name: Name, data: BankPatch, request: Request, actor: Curator) -> BankView:
    with request.app.state.db.transaction() as session:
        view = _view(banks.update_bank(session, actor, name, **data.model_dump()))
    _refresh(request)
    return view


@router.delete("/banks/{name}", status_code=204, summary="Retract every hash and delete the bank")
def delete_bank(name: Name, request: Request, actor: Curator) -> Response:
    with request.app.state.db.transaction() as session:
        banks.delete_bank(session, actor, name)
    _refresh(request)
    return Response(status_code=204)


def _entries(items: list[BankHashIn]) -> list[banks.Entry]:
    return [banks.Entry(0, h.algorithm, banks.canonical(h.algorithm, h.value), h.item_id, h.quality, h.frame_time)
            for h in items]


@router.post("/banks/{name}/hashes", response_model=ChangeView, summary="Add hashes (known ones are skipped)")
def add_hashes(name: Name, data: HashesIn, request: Request, actor: Curator) -> ChangeView:
    entries = _entries(data.hashes)
    with request.app.state.db.transaction() as session:
        added = banks.add_hashes(session, actor, name, entries, reason=data.reason)
    _refresh(request)
    return ChangeView(bank=name, changed=added)


@router.post("/banks/{name}/retractions", response_model=ChangeView,
             summary="Retract hashes or whole list items; they stop matching within seconds")
def retract(name: Name, data: RetractionIn, request: Request, actor: Curator) -> ChangeView:
    pairs = [(h.algorithm, h.value) for h in data.hashes]
    with request.app.state.db.transaction() as session:
        removed = banks.remove_hashes(session, actor, name, values=pairs, item_ids=data.item_ids, reason=data.reason)
    _refresh(request)
    return ChangeView(bank=name, changed=removed)


@router.get("/index", summary="The matcher's indexes in this process: sizes and how current they are")
def index_status(request: Request, actor: Viewer) -> dict[str, Any]:
    return request.app.state.matcher.stats()
