"""Text normalisation for scoring: defeats simple obfuscation before the encoder sees a message.

Steps, in order (each one a pure function of its input, so the fast path and the offset-tracking path
give the same string):

1. per character (one ``str.translate`` call through a memoised table): compatibility decomposition
   (NFKD, so fullwidth, mathematical and circled letters become ASCII), diacritics and other combining
   marks dropped, ``casefold``, NFKC; control, format (zero-width, bidi), surrogate and filler characters
   dropped; every kind of white space becomes a plain space; Latin look-alikes (small capitals, dotless i, ...)
   folded to ASCII;
2. Cyrillic, Greek and Armenian look-alikes folded to Latin inside words that mix them with Latin letters,
   and inside words made of look-alikes only ("send" typed with a Cyrillic s and e) unless the message has
   other letters of that script (a real Russian or Greek message is left alone);
3. spaced-out letters joined ("s e n d  p i c s" → "send pics", "s.e.x" → "sex"): three or more single
   characters with the same separator between them; runs made only of chat-speak letters ("u r a") are kept;
4. leetspeak inside words ("s3nd" → "send", "p!cs" → "pics", "n00dz" → "noodz", "$ex" → "sex"): digits and
   symbols between letters only, so "2nd", "10pm", "$5" and "@name" are unchanged;
5. Latin letters repeated three or more times cut to two ("sooooo" → "soo");
6. runs of white space collapsed, ends stripped.

Emoji are kept (variation selectors and zero-width joiners are dropped). ``normalize_with_offsets`` also
returns, for every character of the result, the index of the character of the original text it came
from, so the classifier can point its cues at the original words.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable

from childsafe.errors import InvalidInput

__all__ = ["MAX_TEXT_CHARS", "TextTooLong", "check_length", "normalize", "normalize_with_offsets"]

MAX_TEXT_CHARS = 10_000


class TextTooLong(InvalidInput, ValueError):
    """A message longer than ``MAX_TEXT_CHARS`` characters (a 422 problem at the API)."""

    def __init__(self, length: int, *, limit: int = MAX_TEXT_CHARS, field: str | None = "text") -> None:
        super().__init__(
            f"text is {length:,} characters long; the limit is {limit:,} characters per message", field=field
        )
        self.length = length
        self.limit = limit


def check_length(text: str, *, field: str | None = "text") -> None:
    if len(text) > MAX_TEXT_CHARS:
        raise TextTooLong(len(text), field=field)


# --- step 1: per-character table --------------------------------------------------------------------------

# Latin letters that NFKD leaves alone but that read as plain ASCII letters.
_LATIN_LOOKALIKES = dict(
    zip(
        "ᴀʙᴄᴅᴇꜰɢʜɪᴊᴋʟᴍɴᴏᴘʀꜱᴛᴜᴠᴡʏᴢıɑɡɩʋɵøđħłŧƀɨʉǝəð",
        "abcdefghijklmnoprstuvwyziagiuoodhltbiueed",
        strict=True,
    )
)
_LATIN_LOOKALIKES.update({"ß": "ss", "æ": "ae", "œ": "oe", "þ": "th"})
# Characters that render as nothing or as blank space but are letters or symbols, used to hide words.
_INVISIBLE = {"\u115f", "\u1160", "\u3164", "\uffa0", "\u2800", "\u17b4", "\u17b5", "\u034f"}
_SPACE_CONTROLS = {"\t", "\n", "\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x1f", "\x85"}
_DROP_CATEGORIES = {"Cc", "Cf", "Cs"}
_MARK_CATEGORIES = {"Mn", "Me"}
_TABLE_CACHE_LIMIT = 65_536


def _strip_marks(s: str) -> str:
    return "".join(c for c in s if unicodedata.category(c) not in _MARK_CATEGORIES)


def _fold_char(ch: str) -> str:
    if ch in _SPACE_CONTROLS:
        return " "
    category = unicodedata.category(ch)
    if category in _DROP_CATEGORIES or ch in _INVISIBLE:
        return ""
    if category in ("Zs", "Zl", "Zp"):
        return " "
    s = _strip_marks(unicodedata.normalize("NFKD", ch)).casefold()
    s = unicodedata.normalize("NFKC", _strip_marks(unicodedata.normalize("NFKD", s)))
    out = []
    for c in s:
        cat = unicodedata.category(c)
        if cat in _DROP_CATEGORIES or c in _INVISIBLE:
            continue
        if cat in ("Zs", "Zl", "Zp") or c in _SPACE_CONTROLS:
            out.append(" ")
        else:
            out.append(_LATIN_LOOKALIKES.get(c, c))
    return "".join(out)


class _CharTable(dict[int, str]):
    """Code point → replacement, filled on first use (``str.translate`` calls ``__missing__``)."""

    def __missing__(self, cp: int) -> str:
        folded = _fold_char(chr(cp))
        if len(self) < _TABLE_CACHE_LIMIT:
            self[cp] = folded
        return folded


_TABLE = _CharTable()
for _cp in range(128):  # warm the ASCII range so the common case never reaches Python code
    _TABLE[_cp]


# --- steps 2-6: regular expressions with replacement functions ----------------------------------------------

# A replacement function returns the new characters, each with the index (in the step's input) of the
# character it comes from.
_Pieces = list[tuple[str, int]]
_Replace = Callable[[re.Match[str]], _Pieces]

_CONFUSABLES = dict(
    zip(
        "авеёкмнорстухѕіїјԁԛԝһӏьɡүѵѡӧӓ"  # Cyrillic
        "αβεηικμνορτυχγωςϲϳζ"  # Greek
        "օոսհցքզ",  # noqa: RUF001 (Armenian)
        "abeekmhopctyxsiijdqwhlbgyvwoaabenikuvoptuxywscjzonuhgpq",
        strict=True,
    )
)
_CONFUSABLE_RE = re.compile("[" + "".join(_CONFUSABLES) + "]")
_WORD_RE = re.compile(r"\w+")
_ASCII_LETTER_RE = re.compile("[a-z]")


_NATIVE_SCRIPT_RE = re.compile("[\u0370-\u03ff\u0400-\u052f\u0531-\u058f]")


def _native_letters(s: str) -> bool:
    """Whether ``s`` has Greek, Cyrillic or Armenian letters unlike any Latin letter (real text in that script)."""
    return any(c not in _CONFUSABLES and c.isalpha() for c in _NATIVE_SCRIPT_RE.findall(s))


def _fold_confusables(m: re.Match[str], *, native: bool) -> _Pieces:
    word, start = m.group(), m.start()
    if _CONFUSABLE_RE.search(word) is not None:
        mixed = _ASCII_LETTER_RE.search(word) is not None
        if mixed or (not native and all(c in _CONFUSABLES for c in word if c.isalpha())):
            return [(_CONFUSABLES.get(c, c), start + i) for i, c in enumerate(word)]
    return [(c, start + i) for i, c in enumerate(word)]


def _prepare_confusables(s: str) -> _Replace | None:
    if _CONFUSABLE_RE.search(s) is None:
        return None
    return functools.partial(_fold_confusables, native=_native_letters(s))


_LEET = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i"}
_ELEMENT = "[a-z013457@$!]"
_SPACED_RE = re.compile(rf"(?<!\w)({_ELEMENT})([ .\-_*~+]{{1,3}})(?:{_ELEMENT}\2)+{_ELEMENT}(?![\w])")
_CHAT_LETTERS = frozenset("uriacynkbo")


def _join_spaced(m: re.Match[str]) -> _Pieces:
    text, start = m.group(), m.start()
    sep = m.group(2)
    elements = [(c, start + i) for i, c in enumerate(text) if i % (len(sep) + 1) == 0]
    letters = [c for c, _ in elements if "a" <= c <= "z"]
    keep = len(letters) < 2 or (sep.strip() == "" and all(c in _CHAT_LETTERS for c, _ in elements))
    if keep:
        return [(c, start + i) for i, c in enumerate(text)]
    return elements


_LEET_INNER_RE = re.compile(r"(?<=[a-z])[013457@$!]+(?=[a-z])")
_LEET_DOLLAR_RE = re.compile(r"(?<![\w$])\$(?=[a-z]{2})")
_LEET_ANY_RE = re.compile("[013457@$!]")
_DOLLAR_RE = re.compile(r"\$")


def _unleet(m: re.Match[str]) -> _Pieces:
    return [(_LEET[c], m.start() + i) for i, c in enumerate(m.group())]


_REPEAT_RE = re.compile(r"([a-z])\1\1+")
_REPEAT_ANY_RE = re.compile(r"(.)\1\1")


def _cut_repeats(m: re.Match[str]) -> _Pieces:
    return [(m.group(1), m.start()), (m.group(1), m.start() + 1)]


_SPACES_RE = re.compile(r" {2,}")


def _one_space(m: re.Match[str]) -> _Pieces:
    return [(" ", m.start())]


def _when(pre: re.Pattern[str], fn: _Replace) -> Callable[[str], _Replace | None]:
    """A step that runs only when the cheap pattern ``pre`` occurs in the text."""
    return lambda s: fn if pre.search(s) is not None else None


def _always(fn: _Replace) -> Callable[[str], _Replace | None]:
    return lambda s: fn


# (pattern, prepare): prepare(text) gives the replacement function for this text, or None to skip the step.
_STEPS: tuple[tuple[re.Pattern[str], Callable[[str], _Replace | None]], ...] = (
    (_WORD_RE, _prepare_confusables),
    (_SPACED_RE, _always(_join_spaced)),
    (_LEET_INNER_RE, _when(_LEET_ANY_RE, _unleet)),
    (_LEET_DOLLAR_RE, _when(_DOLLAR_RE, _unleet)),
    (_REPEAT_RE, _when(_REPEAT_ANY_RE, _cut_repeats)),
    (_SPACES_RE, _always(_one_space)),
)


def _joined(fn: _Replace) -> Callable[[re.Match[str]], str]:
    return lambda m: "".join(c for c, _ in fn(m))


def normalize(text: str) -> str:
    """The scoring form of ``text``. Raises ``TextTooLong`` above ``MAX_TEXT_CHARS``; never fails otherwise."""
    check_length(text)
    s = text.translate(_TABLE)
    for pattern, prepare in _STEPS:
        fn = prepare(s)
        if fn is not None:
            s = pattern.sub(_joined(fn), s)
    return s.strip(" ")


def normalize_with_offsets(text: str) -> tuple[str, list[int]]:
    """``normalize(text)`` and, for each of its characters, the index in ``text`` it was derived from."""
    check_length(text)
    if text.isascii() and text.isprintable():  # printable ASCII maps one character to one character
        s, origin = text.translate(_TABLE), list(range(len(text)))
    else:
        chars: list[str] = []
        origin = []
        for i, ch in enumerate(text):
            for c in _TABLE[ord(ch)]:
                chars.append(c)
                origin.append(i)
        s = "".join(chars)
    for pattern, prepare in _STEPS:
        fn = prepare(s)
        if fn is None:
            continue
        out: list[str] = []
        new_origin: list[int] = []
        pos = 0
        for m in pattern.finditer(s):
            out.append(s[pos : m.start()])
            new_origin.extend(origin[pos : m.start()])
            for c, src in fn(m):
                out.append(c)
                new_origin.append(origin[src])
            pos = m.end()
        out.append(s[pos:])
        new_origin.extend(origin[pos:])
        s, origin = "".join(out), new_origin
    start = len(s) - len(s.lstrip(" "))
    end = len(s.rstrip(" "))
    return s[start:end], origin[start:end]
