"""Text risk detection as the platform calls it: one message, a batch, or a whole conversation.

Each message result carries the scores, the categories that matter for a decision, the words that
drove them, personal information found (with a child-friendly warning when the sender may be a
child), the language and whether the models cover it, and the model version. A conversation adds
the grooming/sextortion risk; an alert opens or joins a case in the child-safety queue for a person
to review, carrying stage names, message positions and reasons but never the messages' text.
Nothing here logs message content.
"""

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy.orm import Session

from childsafe import cases
from childsafe.audit import Actor, record
from childsafe.detect import grooming, language, normalize, pii
from childsafe.detect.classifier import TextClassifier, TextResult, default_classifier
from childsafe.detect.external import ExternalClassifier, ExternalError
from childsafe.errors import InvalidInput
from childsafe.vocabulary import AgeBand, RiskCategory, is_minor_or_unknown

log = logging.getLogger("childsafe.detect")
MAX_BATCH = 256


@dataclass
class MessageScan:
    scores: dict[str, float]
    flagged: list[str]
    categories: list[str]
    cues: list[dict[str, Any]]
    personal_info: list[dict[str, Any]]
    child_warning: str | None
    support: bool  # help-seeking about self-harm or abuse: offer help, do not remove
    language: str
    language_confidence: float
    coverage: str  # "full" (the models cover this language) or "reduced" (lower confidence)
    model_version: str
    fallback: bool = False  # the external model failed; built-in scores were used

    def view(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class Detector:
    """The classifier in use, optionally fronted by a platform's own model server."""

    classifier: TextClassifier | None = None  # None: the shipped model, loaded on first use
    external: ExternalClassifier | None = None
    region: str = "GB"

    @property
    def model(self) -> TextClassifier:
        if self.classifier is None:
            self.classifier = default_classifier()
        return self.classifier

    def scan(self, texts: Sequence[str], *, sender_age_band: AgeBand = AgeBand.UNKNOWN) -> list[MessageScan]:
        if len(texts) > MAX_BATCH:
            raise InvalidInput(f"at most {MAX_BATCH} messages per request", field="texts")
        for i, text in enumerate(texts):
            if len(text) > normalize.MAX_TEXT_CHARS:
                raise InvalidInput(f"message {i} is {len(text)} characters; the limit is "
                                   f"{normalize.MAX_TEXT_CHARS}", field=f"texts[{i}]")
        model = self.model
        results = model.score(texts)
        fallback = False
        model_version = model.model_version
        if self.external is not None and texts:
            try:
                remote = self.external.score(texts, list(model.names))
                results = [_merge(model, r, s) for r, s in zip(results, remote.scores, strict=True)]
                model_version = f"{model_version}+{remote.model}"
            except ExternalError as exc:
                log.warning("external text model failed; built-in scores used", extra={"error": str(exc)})
                fallback = True
        child_sender = is_minor_or_unknown(sender_age_band)
        return [self._one(text, result, model_version, fallback, child_sender)
                for text, result in zip(texts, results, strict=True)]

    def _one(self, text: str, result: TextResult, model_version: str, fallback: bool,
             child_sender: bool) -> MessageScan:
        guess = language.detect_language(text)
        spans = pii.find_pii(text, region=self.region)
        return MessageScan(
            scores={k: round(v, 4) for k, v in result.scores.items()}, flagged=list(result.flagged),
            categories=list(result.categories),
            cues=[{"category": c.category, "start": c.start, "end": c.end, "text": c.text} for c in result.cues],
            personal_info=[{"kind": s.kind, "start": s.start, "end": s.end} for s in spans],
            child_warning=pii.warning_for_child(spans) if child_sender else None,
            support=bool(result.support), language=guess.code,
            language_confidence=round(guess.confidence, 3), coverage=language.coverage(guess),
            model_version=model_version, fallback=fallback)


def _merge(model: TextClassifier, result: TextResult, remote: dict[str, float]) -> TextResult:
    """The external model's scores replace ours for the heads it knows; flags follow our thresholds."""
    scores = {name: remote.get(name, value) for name, value in result.scores.items()}
    flagged = [h.name for h in model.heads if scores[h.name] >= h.threshold]
    categories = list(dict.fromkeys(c for h in model.heads if h.name in flagged for c in h.categories))
    support = [h.name for h in model.heads if h.name in flagged and h.kind == "support"]
    cues = [c for c in result.cues if c.category in flagged]
    return replace(result, scores=scores, flagged=flagged, categories=categories, support=support, cues=cues)


# Drivers quote the words that fired ("message 7: \"…\""); the case keeps the position, not the words:
# message text belongs in the encrypted evidence vault, not in case records.
_QUOTE = re.compile(r'\(message (\d+): "[^"]*"\)')

_ALERT_CATEGORY = {True: RiskCategory.SEXTORTION, False: RiskCategory.GROOMING}


def scan_conversation(session: Session | None, detector: Detector, thread_id: str,
                      messages: Sequence[grooming.Message], participants: Sequence[grooming.Participant], actor: Actor,
                      *, contact_age_days: float | None = None, sla_hours: dict[str, float] | None = None,
                      scan_messages: bool = False) -> tuple[grooming.ConversationRisk, list[MessageScan], str | None]:
    """Score a thread; on an alert, open or join its case (needs a session). Returns risk, per-message
    scans (when asked for) and the case id (None without an alert)."""
    risk = grooming.score_conversation(messages, participants, contact_age_days=contact_age_days)
    by_index: dict[int, MessageScan] = {}
    if scan_messages:
        ages = {p.id: AgeBand(p.age_band) for p in participants}
        for band in set(ages.values()) | {AgeBand.UNKNOWN}:  # batched per sender age: a child gets warnings
            chosen = [i for i, m in enumerate(messages) if ages.get(m.sender, AgeBand.UNKNOWN) is band]
            for start in range(0, len(chosen), MAX_BATCH):
                part = chosen[start:start + MAX_BATCH]
                found = detector.scan([messages[i].text for i in part], sender_age_band=band)
                by_index.update(zip(part, found, strict=True))
    scans = [by_index[i] for i in sorted(by_index)]
    case_id = None
    if risk.alert and session is not None:
        recipient = next((p for p in participants if is_minor_or_unknown(AgeBand(p.age_band))), None)
        subject = cases.SubjectRef(type="message_thread", platform_id=thread_id,
                                   account_id=_likely_sender(risk, participants),
                                   age_band=AgeBand(recipient.age_band) if recipient else AgeBand.UNKNOWN)
        details = {"score": round(risk.score, 3), "level": risk.level,
                   "drivers": [_QUOTE.sub(r"(message \1)", d) for d in risk.drivers],
                   "stages": sorted({h.stage for h in risk.stages}),
                   "messages": sorted({h.message_index for h in risk.stages})}
        signal = cases.Signal(kind="grooming_alert", ref_id=thread_id[:200], category=_ALERT_CATEGORY[risk.sextortion],
                              automated=True, details=details)
        case = cases.attach(session, subject, signal, actor, sla_hours=sla_hours)
        case_id = str(case.id)
        record(session, actor, "detect.conversation_alert", "case", case.id, level=risk.level,
               stages=len(details["stages"]))
    return risk, scans, case_id


def _likely_sender(risk: grooming.ConversationRisk, participants: Sequence[grooming.Participant]) -> str | None:
    """The participant whose messages drove the stages: the account the case is about."""
    weights: dict[str, float] = {}
    for hit in risk.stages:
        weights[hit.sender] = weights.get(hit.sender, 0.0) + hit.weight
    return max(weights, key=lambda k: weights[k]) if weights else None
