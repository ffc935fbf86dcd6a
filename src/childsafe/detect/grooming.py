"""Grooming and sextortion risk across one conversation: transparent, explainable, and for a person to review.

**An alert is never a punishment.** :attr:`ConversationRisk.alert` means "a trained person should look at
this conversation": it routes the thread to the child-safety review queue with the messages and stages
that drove it. Nothing here blocks, bans or reports anyone by itself; the scorer is a lexicon plus a few
relationship rules, it misses what it has no words for and it fires on some innocent chats — which is why
a person decides.

How the score is built (every number is a named constant below, every cue a pattern in
:mod:`childsafe.detect.grooming_lexicon`):

1. **Stage cues.** Each message is normalised (:func:`childsafe.detect.normalize.normalize`) and matched
   against the stage lexicon (trust_building, isolation_secrecy, private_channel, personal_info,
   desensitising_sexual, image_request, meeting, gifts_money, threats_sextortion). A cue's *weight* is the
   pattern weight times any benign-context dampener ("don't tell your sister about the surprise party").
2. **Relationship.** The cue's *effective* weight multiplies in who is talking to whom
   (:func:`direction_factor`): an adult (or someone of unknown age) writing to a minor (or someone of
   unknown age) counts fully; an older teen to a younger child counts less; children of the same age
   much less; anything said to an adult hardly at all. Unknown age counts as a child when receiving and as
   possibly adult when sending (``childsafe.vocabulary.age``). An age a participant states ("im 12") only
   ever makes the reading *more* protective: a stated minor age is used when that person receives, a
   stated adult age when they send (people who groom often claim to be younger).
3. **Stage evidence** is the noisy-or of the effective weights of its cues; the base score is the sum of
   stage evidence times stage severity (:data:`SEVERITY`: threats and image requests weigh most), times a
   persistence factor when the stage recurs in several messages (:data:`PERSISTENCE_STEP`).
4. **Multipliers**: a new contact (``contact_age_days`` < 7) raises the score, a years-old one lowers it;
   reaching several stages quickly (escalation) raises it; stages in the order typical of grooming
   (trust → secrecy → private channel / images / meeting) raise it more than the same cues scattered;
   personal information the child gave away amplifies risk already present: :func:`childsafe.detect.pii.find_pii`
   on the child's own messages (phone, school, address, "home alone", …) and short replies to a personal
   question ("how old r u" → "11"). Disclosures alone, in a chat without warning signs, score nothing.
5. ``score = 1 - exp(-total / SCALE)`` in [0, 1]; levels at :data:`LEVELS`.
6. ``alert`` when the level is high; when a strong threat is made to a minor (``sextortion`` when it is about
   images or money, or follows an image request); or when an adult or unknown-age sender asks a minor for
   photos/video of themselves (:data:`IMAGE_ALERT_MIN`; from a contact of years only when the request is
   about clothing, body or bedroom).

Measured on our own synthetic set (``bench/grooming_eval.py``; ``evaldata/GROOMING_EVAL.md``): held-out half
precision 100 %, recall 71 % (15/21), no alert on 20 benign look-alikes; the tuned-on half 100 %/100 %.

:func:`score_incremental` feeds messages one at a time through a small JSON-serialisable ``state`` dict;
:func:`score_conversation` is exactly that fold, so both give the same result.

Language: the lexicon is English. The state samples message languages (:mod:`childsafe.detect.language`)
and ``coverage`` turns "reduced" when much of the thread is reliably in another language — then a low score
means "could not read it", not "safe".
"""

from __future__ import annotations

import math
import re
import threading
import weakref
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Literal

from childsafe.detect.grooming_lexicon import DAMPENERS, LEXICON, STAGES
from childsafe.detect.language import detect_language
from childsafe.detect.normalize import MAX_TEXT_CHARS, normalize, normalize_with_offsets
from childsafe.detect.pii import PiiSpan, find_pii
from childsafe.vocabulary.age import AgeBand

__all__ = [
    "LEVELS",
    "SEVERITY",
    "STAGES",
    "ConversationRisk",
    "Message",
    "Participant",
    "StageHit",
    "direction_factor",
    "new_state",
    "score_conversation",
    "score_incremental",
]

# ----------------------------------------------------------------------------------------- constants

SEVERITY: dict[str, float] = {
    "trust_building": 0.5,
    "personal_info": 0.6,
    "private_channel": 0.9,
    "gifts_money": 0.8,
    "isolation_secrecy": 1.2,
    "meeting": 1.3,
    "desensitising_sexual": 1.3,
    "image_request": 1.4,
    "threats_sextortion": 2.5,
}
"""How much full evidence of a stage adds to the base score."""

SCALE = 2.0
LEVELS: tuple[tuple[float, str], ...] = ((0.7, "high"), (0.4, "medium"), (0.15, "low"))
"""(lower bound, level), highest first; below the last bound the level is "none"."""

SUSPECT_MIN = 0.25
"""An effective weight at least this high marks a stage as reached (for escalation and sequence)."""

IMAGE_ALERT_MIN = 0.65
"""An image request from an adult/unknown sender to a minor/unknown recipient alerts when its effective weight
times the contact factor reaches this: a photo "of you" from a new adult contact does, the same request from an
adult known for years does not unless it is about clothing, body or bedroom."""

MIN_WEIGHT = 0.2
"""Cues whose weight after benign context falls below this are dropped (a surprise party's "don't tell")."""

SEXTORTION_MIN = 0.8
"""A threat cue of at least this (lexical) weight to a minor/unknown recipient is a sextortion flag."""

MAX_HITS_PER_STAGE = 10
"""Hits listed per stage (the first ones; evidence keeps accumulating beyond, and the strongest cue of each stage is
kept apart for the drivers), so the state and each result stay small however long the conversation."""

PERSISTENCE_STEP = 0.2
PERSISTENCE_MAX = 3
"""A stage found in several messages weighs more: severity x (1 + STEP x min(MAX, strong messages - 1)), where a
strong message has an effective weight of at least 0.5 for that stage ("don't tell your mum", then "delete
this", then "when are your parents out" is more than one secrecy cue)."""

ANSWER_WINDOW = 2
ANSWER_MAX_WORDS = 8
_REFUSAL = re.compile(
    r"^\W*(?:no+|nope|nah|why|y|idk|i don'?t know|not telling|none of (?:ur|your) business|who (?:r|are) (?:u|you)|"
    r"what|wat|huh|lol no|i'?d rather not|i can'?t say|not allowed|stop|leave me alone|go away|dunno|nun)\b",
    re.IGNORECASE,
)

LANG_SAMPLE_FIRST = 8
LANG_SAMPLE_EVERY = 25

FAST_MESSAGES = 30
FAST_MINUTES = 120.0

_CHILD_RANK = {"under_6": 0, "6_9": 1, "10_12": 2, "13_15": 3, "16_17": 4}
_BAND_VALUES = {b.value for b in AgeBand}


def _contact_factor(days: float | None) -> float:
    if days is None:
        return 1.0
    if days < 1:
        return 1.3
    if days < 7:
        return 1.2
    if days < 30:
        return 1.05
    if days < 365:
        return 1.0
    return 0.8


def direction_factor(sender_band: str, recipient_band: str) -> float:
    """How much a cue counts given the sender's and the recipient's age bands (the relationship multiplier)."""
    if recipient_band == "adult":
        return 0.15
    recipient_minor = recipient_band in _CHILD_RANK
    if sender_band == "adult":
        return 1.0 if recipient_minor else 0.8
    if sender_band == "unknown" or sender_band not in _CHILD_RANK:
        return 0.8 if recipient_minor else 0.6
    if not recipient_minor:
        return 0.35
    gap = _CHILD_RANK[sender_band] - _CHILD_RANK[recipient_band]
    if gap >= 2:
        return 0.7
    if gap == 1:
        return 0.5
    return 0.3


# ----------------------------------------------------------------------------------------- data types


@dataclass(frozen=True, slots=True)
class Message:
    sender: str
    text: str
    sent_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Participant:
    """``age_band``: one of ``under_6``, ``6_9``, ``10_12``, ``13_15``, ``16_17``, ``adult``, ``unknown``."""

    id: str
    age_band: str = "unknown"


@dataclass(slots=True)  # not frozen: built for every hit on every call, and frozen dataclasses build 2x slower
class StageHit:
    """One cue. ``start``/``end`` index the ORIGINAL message text (``text[start:end] == cue_text`` for lexicon
    and PII hits; an encoder hit covers the whole message). ``weight`` is the lexical strength after benign
    context; ``effective`` also includes the relationship factor (what the score used); ``source`` is
    ``lexicon``, ``pii`` (a disclosure in the child's own message: an amplifier, not stage evidence) or
    ``encoder``."""

    stage: str
    message_index: int
    sender: str
    start: int
    end: int
    cue_text: str
    weight: float
    effective: float = 0.0
    source: str = "lexicon"


Level = Literal["none", "low", "medium", "high"]


@dataclass(frozen=True, slots=True)
class ConversationRisk:
    """The risk of one conversation so far. ``alert`` asks for human review; it is never a sanction."""

    score: float
    level: Level
    stages: list[StageHit]
    drivers: list[str]
    alert: bool
    sextortion: bool
    stage_scores: dict[str, float] = field(default_factory=dict)
    first_alert_index: int | None = None
    messages: int = 0
    coverage: Literal["full", "reduced"] = "full"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# ----------------------------------------------------------------------------------------- matching

# Curly and modifier apostrophes, backtick and acute accent all read as "'" (one character each: offsets hold).
_APOS = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'", "\u00b4": "'"})


def _literal_alternatives(op: Any, av: Any) -> set[str] | None:
    """The strings a parsed regex item can match, if it is made of literals only (else None)."""
    from re import _constants as c  # the regex parser's own tree: Python >= 3.11

    if op is c.LITERAL:
        return {chr(av)}
    if op is c.SUBPATTERN:
        out = {""}
        for sub_op, sub_av in av[-1]:
            alts = _literal_alternatives(sub_op, sub_av)
            if alts is None:
                return None
            out = {x + y for x in out for y in alts}
            if len(out) > 200:
                return None
        return out
    if op is c.BRANCH:
        res: set[str] = set()
        for branch in av[1]:
            alts = _literal_alternatives(c.SUBPATTERN, (None, 0, 0, branch))
            if alts is None:
                return None
            res |= alts
        return res
    if op is c.IN and all(o is c.LITERAL for o, _ in av) and len(av) <= 4:
        return {chr(v) for _, v in av}
    if op in (c.MAX_REPEAT, c.MIN_REPEAT) and av[0] == 0 and av[1] == 1:
        alts = _literal_alternatives(c.SUBPATTERN, (None, 0, 0, av[2]))
        return None if alts is None else alts | {""}
    return None


def _required_sets(items: Any) -> list[set[str]]:
    from re import _constants as c

    out: list[set[str]] = []
    buf = ""
    for op, av in items:
        if op is c.LITERAL:
            buf += chr(av)
            continue
        if buf:
            out.append({buf})
            buf = ""
        if op in (c.SUBPATTERN, c.BRANCH):
            alts = _literal_alternatives(op, av)
            if alts is not None:
                out.append(alts)
            elif op is c.SUBPATTERN:
                out.extend(_required_sets(av[-1]))
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT) and av[0] >= 1:
            out.extend(_required_sets(av[2]))
    if buf:
        out.append({buf})
    return out


def _gate(pattern: str) -> tuple[str, ...] | None:
    """Literal strings one of which must occur in any text the pattern matches (the most selective such set),
    so the regular expression only runs on messages that contain one: a pure speed-up, never a change in what
    matches. None when no set of strings of 3+ characters is required, or the regex parser is unavailable."""
    try:
        from re import _parser

        sets = _required_sets(list(_parser.parse(pattern)))
    except Exception:
        return None
    best: tuple[tuple[int, int], set[str]] | None = None
    for alts in sets:
        stripped = {a.strip() for a in alts}
        if "" in stripped:
            continue
        key = (min(len(a) for a in stripped), -len(stripped))
        if best is None or key > best[0]:
            best = (key, stripped)
    if best is None or best[0][0] < 3:
        return None
    reduced: list[str] = []
    for a in sorted(best[1], key=len):
        if not any(r in a for r in reduced):
            reduced.append(a)
    return tuple(reduced)


def _trie_regex(words: Iterable[str]) -> str:
    """A regular expression matching any of ``words``, as a character trie: the engine walks one path per
    position instead of trying every word, and at each position finds the longest word that starts there."""
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict[str, Any]) -> str:
        keys = sorted(k for k in node if k)
        if not keys:
            return ""
        alts = [re.escape(k) + build(node[k]) for k in keys]
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return f"(?:{body})?" if "" in node else body

    return build(trie)


@dataclass(frozen=True, slots=True)
class _Pattern:
    stage: str
    regex: re.Pattern[str]
    weight: float


def _compile() -> tuple[
    list[_Pattern], list[int], dict[str, list[int]], re.Pattern[str], dict[str, list[tuple[re.Pattern[str], float]]]
]:
    # Patterns in stage order, strongest first within a stage. No look-behind at the front (it defeats the regex
    # engine's first-character scan): the left word boundary is checked by hand in _search.
    patterns: list[_Pattern] = []
    ungated: list[int] = []
    by_gate: dict[str, list[int]] = {}
    for stage in STAGES:
        for p, w in sorted(LEXICON[stage], key=lambda it: -it[1]):
            i = len(patterns)
            patterns.append(_Pattern(stage, re.compile(rf"(?:{p})(?![\w'])"), w))
            gate = _gate(p)
            if gate is None:
                ungated.append(i)
            else:
                for g in gate:
                    by_gate.setdefault(g, []).append(i)
    # Every gate string a longest match contains (so one scan finds all gate strings present, overlaps included).
    contained = {g: sorted({i for h in by_gate if h in g for i in by_gate[h]}) for g in by_gate}
    scanner = re.compile("(?=(" + _trie_regex(by_gate) + "))")
    damp = {stage: [(re.compile(rf"(?:{p})"), f) for p, f in items] for stage, items in DAMPENERS.items()}
    return patterns, ungated, contained, scanner, damp


_PATTERNS, _UNGATED, _GATE_INDEX, _GATE_SCANNER, _DAMP = _compile()


def _candidates(norm: str) -> list[int]:
    """Indices of the patterns whose required literal text occurs in ``norm`` (plus the ungated ones), in order."""
    found = set(_UNGATED)
    for m in _GATE_SCANNER.finditer(norm):
        idx = _GATE_INDEX.get(m.group(1))
        if idx:
            found.update(idx)
    return sorted(found)


def _search(pattern: re.Pattern[str], s: str) -> re.Match[str] | None:
    pos = 0
    while True:
        m = pattern.search(s, pos)
        if m is None:
            return None
        i = m.start()
        if i == 0 or not (s[i - 1].isalnum() or s[i - 1] in "_'"):
            return m
        pos = i + 1


def _prepare(text: str) -> str:
    return normalize(text[:MAX_TEXT_CHARS]).translate(_APOS)


def _lexical_hits(text: str) -> list[tuple[str, int, int, float, str]]:
    """(stage, start, end, weight) per stage with a cue: the strongest pattern of that stage; offsets are in
    ``text`` (mapped back through the normaliser)."""
    norm = _prepare(text)
    if not norm or not any(c.isalpha() for c in norm):
        return []
    found: list[tuple[str, int, int, float]] = []
    done: set[str] = set()
    for i in _candidates(norm):  # stage order, strongest first: a stage's first match is its cue
        pat = _PATTERNS[i]
        if pat.stage in done:
            continue
        m = _search(pat.regex, norm)
        if m is None:
            continue
        w = pat.weight
        if w < 0.95:
            for dp, factor in _DAMP.get(pat.stage, ()):
                if dp.search(norm):
                    w *= factor
        done.add(pat.stage)
        if w >= MIN_WEIGHT:
            found.append((pat.stage, m.start(), m.end(), w))
    if not found:
        return []
    mapped, origin = normalize_with_offsets(text[:MAX_TEXT_CHARS])
    mapped = mapped.translate(_APOS)
    out = []
    for stage, a, b, w in found:
        if mapped == norm and origin and b > a:
            start, end = origin[a], origin[b - 1] + 1
        else:  # should not happen (both paths are the same function); fall back to the whole message
            start, end = 0, len(text)
        out.append((stage, start, end, w, "lexicon"))
    return out


# Optional semantic matching: similarity to stage prototypes through an encoder with encode(list[str]).
PROTOTYPES: dict[str, list[str]] = {
    "trust_building": ["you are so mature for your age", "you are not like other kids, you are special"],
    "isolation_secrecy": ["don't tell your parents about us", "this is our secret", "are you home alone"],
    "private_channel": ["add me on snapchat", "let's talk on another app where it is private"],
    "personal_info": ["how old are you and what school do you go to", "where do you live"],
    "desensitising_sexual": ["have you ever kissed anyone", "what are you wearing right now"],
    "image_request": ["send me a picture of yourself", "turn on your camera so i can see you"],
    "meeting": ["let's meet up in person", "i can come and pick you up"],
    "gifts_money": ["i will buy you robux", "i can send you money or a gift card"],
    "threats_sextortion": ["pay me or i will send your photos to your friends", "i will share your pictures"],
}
ENCODER_THRESHOLD = 0.8
ENCODER_WEIGHT = 0.5
_proto_cache: weakref.WeakKeyDictionary[Any, tuple[list[str], Any]] = weakref.WeakKeyDictionary()
_proto_lock = threading.Lock()


def _encoder_hits(encoder: Any, text: str, threshold: float) -> list[tuple[str, float]]:
    import numpy as np

    with _proto_lock:
        cached = _proto_cache.get(encoder)
        if cached is None:
            labels = [s for s, sents in PROTOTYPES.items() for _ in sents]
            mat = np.asarray(encoder.encode([t for sents in PROTOTYPES.values() for t in sents]), dtype=np.float32)
            mat /= np.maximum(np.linalg.norm(mat, axis=1, keepdims=True), 1e-12)
            cached = (labels, mat)
            _proto_cache[encoder] = cached
    labels, mat = cached
    vec = np.asarray(encoder.encode([_prepare(text)]), dtype=np.float32)[0]
    norm = float(np.linalg.norm(vec))
    if norm == 0.0:
        return []
    sims = mat @ (vec / norm)
    best: dict[str, float] = {}
    for label, sim in zip(labels, sims.tolist(), strict=True):
        if sim >= threshold:
            best[label] = max(best.get(label, 0.0), sim)
    return [(s, ENCODER_WEIGHT) for s in best]


# ----------------------------------------------------------------------------------------- state


def _band(value: object) -> str:
    if value is None:
        return "unknown"
    s = str(getattr(value, "value", value))
    if s not in _BAND_VALUES:
        raise ValueError(f"unknown age band {s!r}; expected one of {sorted(_BAND_VALUES)}")
    return s


def new_state(
    participants: Iterable[Participant] | Mapping[str, str] = (),
    *,
    contact_age_days: float | None = None,
) -> dict[str, Any]:
    """An empty, JSON-serialisable state for :func:`score_incremental`."""
    if isinstance(participants, Mapping):
        people = {str(k): _band(v) for k, v in participants.items()}
    else:
        people = {p.id: _band(p.age_band) for p in participants}
    if contact_age_days is not None and (not math.isfinite(contact_age_days) or contact_age_days < 0):
        raise ValueError("contact_age_days must be a non-negative number")
    return {
        "v": 1,
        "participants": people,
        "claimed_age": {},
        "contact_age_days": contact_age_days,
        "n": 0,
        "miss": {s: 1.0 for s in STAGES},
        "hits": [],
        "stage_count": {s: 0 for s in STAGES},
        "strong": {s: 0 for s in STAGES},
        "asked": None,
        "best": {},
        "first": {},
        "disclosed": {},
        "threat_max": 0.0,
        "threat_images": False,
        "image_alert": False,
        "alert_index": None,
        "lang": [0, 0],
    }


def _recipient_band(state: dict[str, Any], pid: str) -> str:
    band = state["participants"].get(pid, "unknown")
    claimed = state["claimed_age"].get(pid)
    if claimed is not None and claimed < 18 and (band in {"adult", "unknown"}):
        return AgeBand.from_age(claimed).value  # "says they are 12": protect them as 12
    return band


def _sender_band(state: dict[str, Any], pid: str) -> str:
    band = state["participants"].get(pid, "unknown")
    claimed = state["claimed_age"].get(pid)
    if band == "unknown" and claimed is not None and claimed >= 18:
        return "adult"
    return band


def _recipient(state: dict[str, Any], sender: str) -> tuple[str | None, str]:
    """The most vulnerable other participant: the youngest minor, else unknown age, else an adult."""
    best: tuple[int, str | None, str] = (99, None, "unknown")
    for pid in state["participants"]:
        if pid == sender:
            continue
        band = _recipient_band(state, pid)
        rank = _CHILD_RANK.get(band, 5 if band == "unknown" else 6)
        if rank < best[0]:
            best = (rank, pid, band)
    return best[1], best[2]


def _epoch(ts: datetime | None) -> float | None:
    if ts is None:
        return None
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=UTC)
    return ts.timestamp()


_IMAGE_WORDS = re.compile(r"pic|photo|nude|video|vid\b|image|snap|screenshot|pay|money|£|\$|gift ?card|bitcoin|crypto")


def _ingest(
    state: dict[str, Any],
    message: Message,
    encoder: Any = None,
    threshold: float = ENCODER_THRESHOLD,
    *,
    check_alert: bool = True,
) -> None:
    if not isinstance(message.text, str):
        raise TypeError("message text must be str")
    idx = state["n"]
    state["n"] = idx + 1
    sender = str(message.sender)
    if sender not in state["participants"]:
        state["participants"][sender] = "unknown"
    text = message.text[:MAX_TEXT_CHARS]
    t = _epoch(message.sent_at)
    s_band = _sender_band(state, sender)
    _, r_band = _recipient(state, sender)
    rel = direction_factor(s_band, r_band)

    disclosed_before = dict(state["disclosed"])
    claims_before = dict(state["claimed_age"])
    hits = _lexical_hits(text)
    new_recs: list[list[Any]] = []
    if encoder is not None and text.strip():
        seen = {h[0] for h in hits}
        hits += [(s, 0, len(text), w, "encoder") for s, w in _encoder_hits(encoder, text, threshold) if s not in seen]
    for stage, start, end, w, source in hits:
        eff = w * rel
        state["miss"][stage] *= 1.0 - min(eff, 0.999)
        rec = [stage, idx, sender, start, end, text[start:end], round(w, 4), round(eff, 4), source, s_band, r_band, t]
        if state["stage_count"][stage] < MAX_HITS_PER_STAGE:
            new_recs.append(rec)
        state["stage_count"][stage] += 1
        best = state["best"].get(stage)
        if best is None or eff > best[7]:
            state["best"][stage] = rec
        if eff >= SUSPECT_MIN and stage not in state["first"]:
            state["first"][stage] = [idx, t]
        if eff >= 0.5:
            state["strong"][stage] += 1
        if stage == "personal_info" and source == "lexicon":
            state["asked"] = [sender, idx]  # a personal question: a short reply from a child is a disclosure
        if stage == "threats_sextortion" and r_band != "adult":
            state["threat_max"] = max(state["threat_max"], w)
            if _IMAGE_WORDS.search(text.lower()):
                state["threat_images"] = True
        if stage == "image_request":
            state["threat_images"] = True  # images were asked for: a later threat is about them
            contact = min(1.0, _contact_factor(state["contact_age_days"]))
            if s_band in {"adult", "unknown"} and r_band != "adult" and eff * contact >= IMAGE_ALERT_MIN:
                state["image_alert"] = True

    # The child's own disclosures, and stated ages (which only ever make the reading more protective).
    if any(c.isalnum() for c in text):
        spans = [sp for sp in find_pii(text) if sp.kind != "social_handle" or sp.value]  # "add me on x": no handle
        asked = state["asked"]
        if (
            not spans
            and asked is not None
            and asked[0] != sender
            and idx - asked[1] <= ANSWER_WINDOW
            and len(text.split()) <= ANSWER_MAX_WORDS
            and not text.rstrip().endswith("?")
            and not _REFUSAL.match(text)
            and not any(h[0] == "personal_info" for h in hits)
        ):
            # A short reply to a personal question ("11", "leeds", "its mia_rose12") discloses the answer.
            stripped = text.strip()
            lead = len(text) - len(text.lstrip())
            spans = [PiiSpan("answer", lead, lead + len(stripped), stripped)]
        for span in spans:
            if span.kind == "age" and span.value is not None and _is_self_age(text, span.start):
                state["claimed_age"][sender] = int(span.value)
            if _recipient_band(state, sender) == "adult":
                continue  # an adult's own details are not a child's disclosure
            if span.kind not in state["disclosed"]:
                state["disclosed"][span.kind] = [idx, sender, span.start, span.end, span.text]
                if len(state["hits"]) + len(new_recs) < MAX_HITS_PER_STAGE * len(STAGES) * 2:
                    new_recs.append(
                        ["personal_info", idx, sender, span.start, span.end, span.text, 0.5, 0.0, "pii",
                         _sender_band(state, sender), r_band, t]
                    )  # fmt: skip

    # Hits are kept in reading order (message, offset, stage), so the evaluation never sorts them.
    new_recs.sort(key=lambda h: (h[3], STAGES.index(h[0])))
    state["hits"].extend(new_recs)

    # Language sample: the first LANG_SAMPLE_FIRST messages with enough letters, then every LANG_SAMPLE_EVERY-th.
    checked = state["lang"][0]
    sample = checked < LANG_SAMPLE_FIRST or idx % LANG_SAMPLE_EVERY == 0
    if sample and sum(c.isalpha() for c in text[:200]) >= 12:
        guess = detect_language(text[:500])
        state["lang"][0] += 1
        if guess.reliable and guess.code != "en":
            state["lang"][1] += 1

    # The alert can only change when this message changed the evidence: skip the evaluation otherwise.
    changed = bool(hits) or state["disclosed"] != disclosed_before or claims_before != state["claimed_age"]
    if check_alert and state["alert_index"] is None and changed and _evaluate(state, details=False).alert:
        state["alert_index"] = idx


def _is_self_age(text: str, start: int) -> bool:
    """An age span that states the writer's own age ("im 12", "12yo"), not "she's 12"."""
    before = text[max(0, start - 12) : start].lower()
    return not re.search(
        r"\b(?:she|he|they|sister|brother|sis|bro|son|daughter|kid|cousin)(?:'s|s| is| are)?\s*$", before
    )


# ----------------------------------------------------------------------------------------- evaluation

_SEQ_EARLY = {"trust_building", "personal_info"}
_SEQ_LATE = {"private_channel", "image_request", "meeting", "desensitising_sexual"}

_STAGE_VERBS = {
    "trust_building": "flattered {r} or claimed a special bond",
    "isolation_secrecy": "asked {r} to keep things secret or checked whether they were alone",
    "private_channel": "tried to move {r} to a private app or chat",
    "personal_info": "asked {r} for personal details",
    "desensitising_sexual": "brought up sexual or romantic topics with {r}",
    "image_request": "asked {r} for photos or video",
    "meeting": "tried to arrange to meet {r}",
    "gifts_money": "offered {r} gifts or money",
    "threats_sextortion": "threatened {r}",
}
_STAGE_NAMES = {
    "trust_building": "flattery",
    "isolation_secrecy": "secrecy",
    "private_channel": "private channel",
    "personal_info": "personal questions",
    "desensitising_sexual": "sexual talk",
    "image_request": "image request",
    "meeting": "meeting",
    "gifts_money": "gifts",
    "threats_sextortion": "threats",
}
_PII_NAMES = {
    "phone": "phone number",
    "email": "email address",
    "street_address": "address",
    "school": "school",
    "social_handle": "username on another app",
    "live_location": "where they are",
    "age": "age",
    "full_name": "full name",
    "answer": "answers to personal questions",
}


def _who(band: str, *, sender: bool) -> str:
    if band == "adult":
        return "an adult"
    if band == "unknown":
        return "someone of unknown age" if sender else "a user of unknown age (treated as a child)"
    label = AgeBand(band).label
    return f"a {label}-year-old" if band != "under_6" else "a child under 6"


def _sequence_factor(first: Mapping[str, list[Any]]) -> tuple[float, list[str]]:
    order = sorted(first, key=lambda s: (first[s][0], STAGES.index(s)))
    pos = {s: first[s][0] for s in order}
    iso = pos.get("isolation_secrecy")
    early = [s for s in order if s in _SEQ_EARLY]
    late = [s for s in order if s in _SEQ_LATE]
    if iso is not None and early and pos[early[0]] <= iso and any(pos[s] >= iso for s in late):
        late_after = next(s for s in late if pos[s] >= iso)
        return 1.3, [early[0], "isolation_secrecy", late_after]
    opener = [s for s in order if s in {"trust_building", "isolation_secrecy"}]
    if opener:
        after = [s for s in late if s != "desensitising_sexual" and pos[s] >= pos[opener[0]]]
        if after:
            return 1.15, [opener[0], after[0]]
    return 1.0, []


def _escalation(state: Mapping[str, Any]) -> tuple[float, int, int, float | None]:
    first = state["first"]
    k = len(first)
    if k < 3:
        return 1.0, k, 0, None
    idxs = sorted(v[0] for v in first.values())
    span = idxs[-1] - idxs[0] + 1
    times = [v[1] for v in first.values() if v[1] is not None]
    minutes = (max(times) - min(times)) / 60.0 if len(times) >= 2 else None
    fast = span <= FAST_MESSAGES or (minutes is not None and minutes <= FAST_MINUTES)
    return min(1.5, 1.0 + (0.1 if fast else 0.05) * (k - 2)), k, span, minutes


def _level(score: float) -> Level:
    for bound, name in LEVELS:
        if score >= bound:
            return name  # type: ignore[return-value]
    return "none"


def _evaluate(state: Mapping[str, Any], *, details: bool) -> ConversationRisk:
    evidence = {s: 1.0 - state["miss"][s] for s in STAGES}
    persistence = {s: 1.0 + PERSISTENCE_STEP * min(PERSISTENCE_MAX, max(0, state["strong"][s] - 1)) for s in STAGES}
    base = sum(SEVERITY[s] * e * persistence[s] for s, e in evidence.items())
    contact = _contact_factor(state["contact_age_days"])
    esc, k, span, minutes = _escalation(state)
    seq, seq_path = _sequence_factor(state["first"])
    disclosed = state["disclosed"]
    amp = min(1.3, 1.0 + 0.08 * len(disclosed)) if state["first"] and disclosed else 1.0
    total = base * contact * esc * seq * amp
    score = 1.0 - math.exp(-total / SCALE)
    level = _level(score)
    sextortion = state["threat_max"] >= SEXTORTION_MIN and bool(state["threat_images"])
    threat_alert = state["threat_max"] >= SEXTORTION_MIN  # any strong threat to a minor deserves a look
    alert = level == "high" or sextortion or threat_alert or bool(state["image_alert"])
    lang_checked, lang_other = state["lang"]
    coverage: Literal["full", "reduced"] = "reduced" if lang_checked and lang_other / lang_checked >= 0.3 else "full"
    if not details:
        return ConversationRisk(
            round(score, 4), level, [], [], alert, sextortion, messages=state["n"], coverage=coverage
        )

    drivers: list[tuple[float, str]] = []
    for stage in STAGES:
        best = state["best"].get(stage)
        if best is None or best[7] < 0.2:
            continue
        _, idx, _sender, _a, _b, cue, _w, _eff, _src, s_band, r_band, _t = best
        verb = _STAGE_VERBS[stage].format(r=_who(r_band, sender=False))
        drivers.append(
            (SEVERITY[stage] * evidence[stage], f'{_who(s_band, sender=True)} {verb} (message {idx + 1}: "{cue}")')
        )
    drivers.sort(key=lambda d: -d[0])
    out = [d[1] for d in drivers]
    if sextortion:
        out.insert(0, "a threat to share images, or a demand made under threat, was sent to a minor")
    if seq > 1.0:
        out.append("the stages came in the order typical of grooming: " + " → ".join(_STAGE_NAMES[s] for s in seq_path))
    if esc > 1.0:
        when = f" ({minutes:.0f} minutes)" if minutes is not None else ""
        out.append(f"the conversation reached {k} warning stages within {span} messages{when}")
    days = state["contact_age_days"]
    if days is not None and days < 7 and base > 0:
        out.append(f"the two have been in contact for only {days:g} day{'s' if days != 1 else ''}")
    if amp > 1.0:
        kinds = ", ".join(_PII_NAMES[k] for k in disclosed)
        out.append(f"the child shared personal information: {kinds}")
    for pid, age in state["claimed_age"].items():
        if age < 18 and state["participants"].get(pid) in {"adult", "unknown"} and base > 0:
            out.append(f"a participant whose account age is {state['participants'][pid]} said they are {age}")
    if coverage == "reduced":
        out.append("much of the conversation is not in English: the lexicon may miss risks (lower confidence)")

    hits = [StageHit(h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], h[8]) for h in state["hits"]]
    return ConversationRisk(
        score=round(score, 4),
        level=level,
        stages=hits,
        drivers=out,
        alert=alert,
        sextortion=sextortion,
        stage_scores={s: round(e, 4) for s, e in evidence.items() if e > 0},
        first_alert_index=state["alert_index"],
        messages=state["n"],
        coverage=coverage,
    )


# ----------------------------------------------------------------------------------------- public API


def score_incremental(
    state: dict[str, Any] | None,
    message: Message,
    *,
    encoder: Any = None,
    encoder_threshold: float = ENCODER_THRESHOLD,
) -> tuple[dict[str, Any], ConversationRisk]:
    """Add one message to ``state`` (updated in place and returned; ``None`` starts a new one with unknown
    participants) and return the conversation's risk so far. The state is a plain dict of JSON types:
    store it between messages with ``json.dumps``."""
    if state is None:
        state = new_state()
    _ingest(state, message, encoder, encoder_threshold, check_alert=False)
    risk = _evaluate(state, details=True)
    if risk.alert and state["alert_index"] is None:
        state["alert_index"] = state["n"] - 1
        risk = replace(risk, first_alert_index=state["alert_index"])
    return state, risk


def score_conversation(
    messages: Sequence[Message],
    participants: Iterable[Participant] | Mapping[str, str] = (),
    *,
    contact_age_days: float | None = None,
    encoder: Any = None,
    encoder_threshold: float = ENCODER_THRESHOLD,
) -> ConversationRisk:
    """Risk of a whole thread (oldest message first): the same as feeding it to :func:`score_incremental`.

    ``participants``: :class:`Participant` objects or ``{id: age_band}``; senders not listed are of unknown age.
    ``contact_age_days``: how long the two have been in contact (None: not known). ``encoder``: optional
    object with ``encode(list[str]) -> ndarray`` (e.g. ``childsafe.detect.encoder.Encoder``) adding cues by
    similarity to :data:`PROTOTYPES`; the lexicon alone is the measured default.
    """
    state = new_state(participants, contact_age_days=contact_age_days)
    for message in messages:
        _ingest(state, message, encoder, encoder_threshold)
    return _evaluate(state, details=True)
