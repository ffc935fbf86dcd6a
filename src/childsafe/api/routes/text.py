"""Scanning text: one message or a batch, and whole conversations for grooming and sextortion."""

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field, StringConstraints, model_validator
from starlette.concurrency import run_in_threadpool

from childsafe.api.deps import require
from childsafe.api.problems import ERROR_RESPONSES
from childsafe.audit import Actor
from childsafe.detect import grooming, service
from childsafe.detect.normalize import MAX_TEXT_CHARS
from childsafe.inputs import Input
from childsafe.vocabulary import AgeBand, Role

router = APIRouter(prefix="/v1", tags=["text"], responses=ERROR_RESPONSES)
TextScanner = Annotated[Actor, Depends(require(Role.SERVICE, Role.MODERATOR, Role.CHILD_SAFETY_SPECIALIST,
                                               Role.ADMIN))]
Message = Annotated[str, StringConstraints(max_length=MAX_TEXT_CHARS)]
Id200 = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class TextIn(Input):
    """One message (``text``) or a batch (``texts``, up to 256)."""

    text: Message | None = None
    texts: Annotated[list[Message], Field(max_length=service.MAX_BATCH)] | None = None
    sender_age_band: AgeBand = AgeBand.UNKNOWN  # a child sender gets warnings about personal information

    @model_validator(mode="after")
    def _one_of(self) -> "TextIn":
        if (self.text is None) == (self.texts is None):
            raise ValueError("send either text (one message) or texts (a batch), not both or neither")
        return self


class CueView(BaseModel):
    category: str
    start: int
    end: int
    text: str


class PiiView(BaseModel):
    kind: str
    start: int
    end: int


class MessageView(BaseModel):
    scores: dict[str, float]
    flagged: list[str]
    categories: list[str]
    cues: list[CueView]
    personal_info: list[PiiView]
    child_warning: str | None
    support: bool
    language: str
    language_confidence: float
    coverage: str
    model_version: str
    fallback: bool


class TextOut(BaseModel):
    results: list[MessageView]


class ParticipantIn(Input):
    id: Id200
    age_band: AgeBand = AgeBand.UNKNOWN


class ConversationMessageIn(Input):
    sender: Id200
    text: Message
    sent_at: datetime | None = None


class ConversationIn(Input):
    thread_id: Id200
    participants: Annotated[list[ParticipantIn], Field(min_length=1, max_length=50)]
    messages: Annotated[list[ConversationMessageIn], Field(min_length=1, max_length=2000)]
    contact_age_days: Annotated[float | None, Field(ge=0, le=100_000)] = None
    include_messages: bool = False  # also return each message's own scan

    @model_validator(mode="after")
    def _known_senders(self) -> "ConversationIn":
        known = {p.id for p in self.participants}
        unknown = sorted({m.sender for m in self.messages} - known)
        if unknown:
            raise ValueError(f"messages from senders not in participants: {', '.join(unknown[:5])}")
        return self


class StageView(BaseModel):
    stage: str
    message_index: int
    sender: str
    start: int
    end: int
    cue_text: str
    weight: float


class ConversationOut(BaseModel):
    score: float
    level: str
    alert: bool
    sextortion: bool
    stages: list[StageView]
    drivers: list[str]
    case_id: str | None
    coverage: str
    messages: list[MessageView] | None = None


@router.post("/scan/text", response_model=TextOut, summary="Risk scores, cues and personal information in messages")
async def scan_text(data: TextIn, request: Request, actor: TextScanner) -> TextOut:
    texts = [data.text] if data.text is not None else list(data.texts or [])
    detector: service.Detector = request.app.state.detector
    results = await run_in_threadpool(detector.scan, texts, sender_age_band=data.sender_age_band)
    return TextOut(results=[MessageView(**r.view()) for r in results])


@router.post("/scan/conversation", response_model=ConversationOut,
             summary="Grooming and sextortion risk across a thread; an alert opens a child-safety case")
async def scan_conversation(data: ConversationIn, request: Request, actor: TextScanner) -> ConversationOut:
    return await run_in_threadpool(_conversation, request.app.state, data, actor)


def _conversation(state: Any, data: ConversationIn, actor: Actor) -> ConversationOut:
    messages = [grooming.Message(m.sender, m.text, m.sent_at) for m in data.messages]
    participants = [grooming.Participant(p.id, p.age_band.value) for p in data.participants]
    with state.db.transaction() as session:
        risk, scans, case_id = service.scan_conversation(
            session, state.detector, data.thread_id, messages, participants, actor,
            contact_age_days=data.contact_age_days, sla_hours=state.settings.sla_hours,
            scan_messages=data.include_messages)
    return ConversationOut(
        score=round(risk.score, 4), level=risk.level, alert=risk.alert, sextortion=risk.sextortion,
        stages=[StageView(stage=h.stage, message_index=h.message_index, sender=h.sender, start=h.start, end=h.end,
                          cue_text=h.cue_text, weight=round(h.weight, 3)) for h in risk.stages],
        drivers=list(risk.drivers), case_id=case_id, coverage=risk.coverage,
        messages=[MessageView(**s.view()) for s in scans] if data.include_messages else None)
