"""Scanning media: an upload, or only its hashes, against every enabled bank."""

import asyncio
import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field, StringConstraints, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from childsafe import banks, evidence, hashing, scan
from childsafe.api.deps import require
from childsafe.api.problems import ERROR_RESPONSES
from childsafe.audit import Actor
from childsafe.errors import InvalidInput
from childsafe.inputs import Input
from childsafe.scan import FrameHash, MediaHash, Subject
from childsafe.vocabulary import AgeBand, Role

router = APIRouter(prefix="/v1", tags=["scan"], responses=ERROR_RESPONSES)
Scanner = Annotated[Actor, Depends(require(Role.SERVICE, Role.CHILD_SAFETY_SPECIALIST, Role.ADMIN))]
Id200 = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Hex = Annotated[str, StringConstraints(min_length=1, max_length=64)]
BankName = Annotated[str, StringConstraints(min_length=1, max_length=80)]
UPLOAD_TYPES = ("image/", "video/", "application/octet-stream")


class HashIn(Input):
    algorithm: Literal["md5", "sha256", "pdq"]
    value: Hex
    quality: Annotated[int | None, Field(ge=0, le=100)] = None  # PDQ: without it the hash is taken as usable


class FrameIn(Input):
    value: Hex
    quality: Annotated[int, Field(ge=0, le=100)]
    timestamp: Annotated[float, Field(ge=0, le=10**7)]


class ScanHashesIn(Input):
    """Hashes computed by the platform, so the media itself never leaves it."""

    content_id: Id200 | None = None
    account_id: Id200 | None = None
    age_band: AgeBand = AgeBand.UNKNOWN
    hashes: Annotated[list[HashIn], Field(max_length=64)] = []
    video_frames: Annotated[list[FrameIn], Field(max_length=24 * 3600)] = []  # vPDQ, one per second
    banks: Annotated[list[BankName] | None, Field(max_length=100)] = None
    store: bool = True  # keep these hashes for retroactive matching


class HashView(BaseModel):
    algorithm: str
    value: str
    quality: int | None
    variant: str


class MatchView(BaseModel):
    bank: str
    bank_kind: str
    category: str
    algorithm: str
    distance: int
    threshold: int
    quality: int | None
    hash: str
    bank_hash: str
    bank_item_id: str | None
    variant: str
    query_match: float | None
    index_match: float | None
    suppressed_by: str | None


class ScanView(BaseModel):
    verdict: Literal["match", "suppressed", "low_quality", "no_match"]
    matches: list[MatchView]
    suppressed: list[MatchView]
    hashes: list[HashView]
    video_frames: int
    low_quality: bool
    stored: bool
    case_id: str | None


class ScanGate:
    """Admission control for hashing: a bounded number at once, a short wait, then 503.

    Hashing is CPU-bound; queueing without bound only makes every request late. A request that
    cannot start within ``wait`` seconds is told to retry instead of being left hanging.
    """

    def __init__(self, limit: int, wait: float) -> None:
        self.limit, self.wait = limit, wait
        self._semaphore = asyncio.Semaphore(limit)

    async def __aenter__(self) -> None:
        try:
            await asyncio.wait_for(self._semaphore.acquire(), self.wait)
        except TimeoutError:
            raise HTTPException(503, "the scanner is at capacity; retry shortly",
                                headers={"Retry-After": "1"}) from None

    async def __aexit__(self, *exc: object) -> None:
        self._semaphore.release()


_UPLOAD_DOC: dict[str, Any] = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": {"$ref": "#/components/schemas/ScanHashesIn"}},
    "image/jpeg": {"schema": {"type": "string", "format": "binary"}},
    "image/png": {"schema": {"type": "string", "format": "binary"}},
    "video/mp4": {"schema": {"type": "string", "format": "binary"}},
    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
}}}


@router.post("/scan/media", response_model=ScanView, openapi_extra=_UPLOAD_DOC,
             summary="Match an upload (image or video bytes) or only its hashes against the banks")
async def scan_media(request: Request, actor: Scanner,
                     content_id: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
                     account_id: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
                     age_band: AgeBand = AgeBand.UNKNOWN,
                     dihedral: Annotated[bool, Query(description="also match the 7 rotations and flips")] = False,
                     bank: Annotated[list[str] | None, Query(max_length=100)] = None,
                     store: bool = True) -> ScanView:
    """Send the media's bytes with its own content type (image/*, video/*), or JSON with hashes
    (``ScanHashesIn``). The media is hashed in memory and dropped; only hashes are kept, and only
    when ``content_id`` names the content (for retroactive matching)."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    state = request.app.state
    async with state.scan_gate:
        if ctype == "application/json":
            data = _parse_json(await request.body())
            subject = Subject(data.content_id, data.account_id, data.age_band)
            hashes = [MediaHash(h.algorithm, banks.canonical(h.algorithm, h.value), h.quality) for h in data.hashes]
            frames = [FrameHash(banks.canonical("vpdq", f.value), f.quality, f.timestamp) for f in data.video_frames]
            if not hashes and not frames:
                raise InvalidInput("send at least one hash or video frame", field="hashes")
            bank_names, store = data.banks, data.store
        else:
            body = await request.body()
            subject = Subject(content_id, account_id, age_band)
            hashes, frames = await run_in_threadpool(_hash_upload, body, dihedral, state.settings.max_video_seconds)
            bank_names = bank
        outcome = await run_in_threadpool(_scan, state, subject, hashes, frames, actor, bank_names, store,
                                          None if ctype == "application/json" else body)
    return _view(outcome)


def _parse_json(body: bytes) -> ScanHashesIn:
    try:
        return ScanHashesIn.model_validate_json(body)
    except ValidationError as exc:
        from fastapi.exceptions import RequestValidationError

        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]) from None


def _hash_upload(body: bytes, dihedral: bool, max_seconds: int) -> tuple[list[MediaHash], list[FrameHash]]:
    media = hashing.hash_upload(body, dihedral=dihedral, max_video_seconds=max_seconds)
    hashes = [MediaHash(h.algorithm, h.value, h.quality, h.variant) for h in media.hashes]
    frames = [FrameHash(f.hex, f.quality, f.timestamp) for f in media.frames]
    return hashes, frames


def _scan(state: Any, subject: Subject, hashes: list[MediaHash], frames: list[FrameHash], actor: Actor,
          bank_names: list[str] | None, store: bool, media: bytes | None = None) -> scan.Outcome:
    with state.db.transaction() as session:
        outcome = scan.scan(session, state.matcher, subject, hashes, frames, actor, bank_names=bank_names,
                            store=store, sla_hours=state.settings.sla_hours)
        if media and outcome.case_id:  # matched abuse material is preserved, sealed, in the evidence vault
            evidence.configure(state.settings)
            evidence.preserve_upload_match(session, case_id=uuid.UUID(outcome.case_id), data=media,
                                           categories={m.bank.category for m in outcome.matches}, actor=actor,
                                           content_id=subject.content_id)
        return outcome


def _view(outcome: scan.Outcome) -> ScanView:
    return ScanView(verdict=outcome.verdict,  # type: ignore[arg-type]
                    matches=[MatchView(**m.view()) for m in outcome.matches],
                    suppressed=[MatchView(**m.view()) for m in outcome.suppressed],
                    hashes=[HashView(algorithm=h.algorithm, value=h.value, quality=h.quality, variant=h.variant)
                            for h in outcome.hashes],
                    video_frames=outcome.frames, low_quality=outcome.low_quality, stored=outcome.stored,
                    case_id=outcome.case_id)
