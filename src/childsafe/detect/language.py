"""Language identification for chat messages, so non-English text is reported, not silently scored as safe.

The shipped text models and lexicons cover English only (:data:`SUPPORTED`). Callers run
:func:`detect_language` first and use :func:`coverage` to say "reduced" coverage (lower confidence)
when a message is in another language or too short to tell: a low score on such a message means
"we could not read it well", not "it is safe".

Backend: ``py3langid`` (BSD-3-Clause, model inside the wheel, offline), with normalised
probabilities, restricted to :data:`CANDIDATES` (widely used languages: the full model's regional
and minority classes — Nigerian Pidgin, Walloon, Volapük, … — swallow short English chat lines).
Short chat lines are hard for any character n-gram model ("hello" → Breton, "wyd" → Welsh), so a
small English chat lexicon (:data:`ENGLISH_CHAT_WORDS`) backs the model up on short Latin-script text.
Texts with fewer than :data:`MIN_LETTERS` letters (emoji-only, "ok", "12") are ``und``.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "CANDIDATES",
    "ENGLISH_CHAT_WORDS",
    "MIN_LETTERS",
    "SUPPORTED",
    "LanguageGuess",
    "coverage",
    "detect_language",
]


def _words(text: str) -> frozenset[str]:
    """A set of words written as one space-separated string (easier to read and edit than a list literal)."""
    return frozenset(text.split())


SUPPORTED: frozenset[str] = frozenset({"en"})
"""Languages the shipped detectors were written and measured for."""

MIN_LETTERS = 3
"""Below this many letters a text is ``und`` (undetermined)."""

RELIABLE_CONFIDENCE = 0.5
RELIABLE_MIN_LETTERS = 8
MAX_CHARS = 2000
"""Only the first ``MAX_CHARS`` characters are read: language does not change mid-message often enough to pay more."""

CANDIDATES: tuple[str, ...] = (
    "af", "am", "ar", "az", "be", "bg", "bn", "bs", "ca", "cs", "cy", "da", "de", "el", "en", "eo", "es", "et",
    "eu", "fa", "fi", "fr", "ga", "gl", "gu", "ha", "he", "hi", "hr", "hu", "hy", "id", "ig", "is", "it", "ja",
    "jv", "ka", "kk", "km", "kn", "ko", "ku", "ky", "lo", "lt", "lv", "mg", "mk", "ml", "mn", "mr", "ms", "mt",
    "my", "ne", "nl", "no", "pa", "pl", "ps", "pt", "ro", "ru", "si", "sk", "sl", "so", "sq", "sr", "sv", "sw",
    "ta", "te", "th", "tl", "tr", "uk", "ur", "uz", "vi", "xh", "yo", "zh", "zu",
)  # fmt: skip
"""py3langid classes considered (two-letter ISO 639-1 codes of widely used languages)."""

ENGLISH_CHAT_WORDS: frozenset[str] = _words(
    """
    about add after again all and any anyone are around ask asked at back be because been before bestie brb btw but
    bye call can cant cool could cuz dad did didnt does dont dm dms doing fam for from fr fyi game gg get gimme gonna
    good got gotta gtg had has have hello her hey hi him his how hru hbu idc idk if ilysm ily im isnt it its ive just
    k kinda kk know later lemme let like lmao lmk lol love mom mum my need never new ngl nice not now of ok okay omg
    our out pic pics pix pls plz pretty rly rn really right said same say school send she should show smh some sorry
    sure tbh text thank thanks that the their them then there they thing think this thx tmrw today tonight too ttyl
    ty u ugh up ur very wanna want was wat wbu were what whats when where which who why will with wont would wyd
    yall yeah yes yep you youre your yours yup
    """
)
"""English function words and chat spellings, lower case, no apostrophes. Words common in other languages
written in Latin script ("no", "me", "a", "in", "so", "ya", "come", …) are left out on purpose."""

_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")


@dataclass(frozen=True, slots=True)
class LanguageGuess:
    """``code`` is an ISO 639-1 code or ``"und"``; ``confidence`` is a probability in [0, 1];
    ``reliable`` is False for short or ambiguous text (treat the code as a hint only)."""

    code: str
    confidence: float
    reliable: bool


UNDETERMINED = LanguageGuess("und", 0.0, False)

_lock = threading.Lock()
_identifier = None


def _get_identifier():  # type: ignore[no-untyped-def]
    """Load the py3langid model once (≈0.8 s), thread-safe. Scoring afterwards only reads it."""
    global _identifier
    if _identifier is None:
        with _lock:
            if _identifier is None:
                from py3langid.langid import MODEL_FILE, LanguageIdentifier

                ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
                ident.set_languages([c for c in CANDIDATES if c in set(ident.labels)])
                _identifier = ident
    return _identifier


def _letters(text: str) -> tuple[int, int]:
    """(letters, Latin letters): emoji, digits, punctuation and spaces are not letters."""
    letters = latin = 0
    for ch in text:
        if ch.isalpha():
            letters += 1
            if ch.isascii() or "LATIN" in unicodedata.name(ch, ""):
                latin += 1
    return letters, latin


def detect_language(text: str) -> LanguageGuess:
    """Guess the language of one message. Never raises on odd input; ``und`` when there is too little text."""
    if not isinstance(text, str):
        raise TypeError("text must be str")
    text = text[:MAX_CHARS]
    letters, latin = _letters(text)
    if letters < MIN_LETTERS:
        return UNDETERMINED
    ranked = _get_identifier().rank(text)
    code, confidence = ranked[0]
    confidence = float(confidence)
    p_en = next((float(p) for c, p in ranked if c == "en"), 0.0)

    # Short, Latin-script chat: back the n-gram model up with the English chat lexicon.
    if latin >= 0.8 * letters and confidence < 0.9:
        words = [w.replace("'", "") for w in _WORD.findall(text.lower())]
        if words:
            share = sum(w in ENGLISH_CHAT_WORDS for w in words) / len(words)
            if share >= 0.5:
                # More English-only words → more confident; a single word stays unreliable.
                lexical = min(0.95, 0.4 + 0.5 * share * min(1.0, len(words) / 4))
                code, confidence = "en", max(p_en, lexical)
    reliable = confidence >= RELIABLE_CONFIDENCE and letters >= RELIABLE_MIN_LETTERS
    return LanguageGuess(code, round(confidence, 4), reliable)


def coverage(guess: LanguageGuess) -> Literal["full", "reduced"]:
    """``"full"`` when the shipped detectors cover the guessed language, else ``"reduced"``.

    ``und`` (emoji-only, a couple of letters) is "reduced" too: callers should then present any low
    risk score as "low confidence", never as "safe".
    """
    return "full" if guess.code in SUPPORTED else "reduced"
