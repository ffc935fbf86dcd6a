"""Normalisation for scoring: obfuscation is undone, nothing crashes, the length limit is a clear error."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from childsafe.detect.normalize import MAX_TEXT_CHARS, TextTooLong, normalize, normalize_with_offsets
from childsafe.errors import InvalidInput


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("s e n d  p i c s", "send pics"),
        ("s.e.n.d n.u.d.e.s", "send nudes"),
        ("S-E-X chat", "sex chat"),
        ("s3nd p!cs", "send pics"),
        ("n00dz", "noodz"),
        ("$exy", "sexy"),
        ("k1ll urself", "kill urself"),
        ("sooooo cuuuute", "soo cuute"),
        ("\uff33\uff25\uff2e\uff24 \uff50\uff49\uff43\uff53", "send pics"),  # fullwidth
        (
            "\U0001d42c\U0001d41e\U0001d427\U0001d41d \U0001d4f7\U0001d4fe\U0001d4ed\U0001d4ee\U0001d4fc",
            "send nudes",
        ),  # maths bold/script
        ("\u0455\u0435nd \u0440\u0456\u0441\u0455", "send pics"),  # Cyrillic look-alikes only
        ("s\u0435nd pics", "send pics"),  # one Cyrillic letter inside a Latin word
        ("\u03c1\u03b9cs", "pics"),  # Greek rho and iota in a Latin word
        ("\ua731\u1d07\u0274\u1d05 \u1d18\u026a\u1d04\ua731", "send pics"),  # small capitals
        ("s\u200be\u200bn\u200bd", "send"),  # zero-width spaces
        ("se\u00adnd", "send"),  # soft hyphen
        ("héllo wörld", "hello world"),
        ("HELLO\tthere\nfriend", "hello there friend"),
    ],
)
def test_obfuscation_is_undone(text: str, expected: str) -> None:
    assert normalize(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "see you at 10pm on the 2nd",
        "it costs $5",
        "ask @sam about it",
        "u r a star",
        "r u ok",
        "i.e. the first one",
        "version 1.5.3",
        "call 0800 1111",
    ],
)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert normalize(text) == text.lower()


def test_real_russian_and_greek_text_keeps_its_script() -> None:
    assert normalize("Привет, как дела?") == "привет, как дела?"
    assert normalize("Καλημέρα κόσμε") == "καλημερα κοσμε"


def test_mixed_scripts() -> None:
    assert normalize("hello 你好 مرحبا") == "hello 你好 مرحبا"
    assert normalize("ok ДРУГ") == "ok друг"


def test_emoji_are_kept_and_emoji_only_text_is_valid() -> None:
    assert normalize("😂😂") == "😂😂"
    assert normalize("👍🏽 ok ❤️") == "👍🏽 ok ❤"  # the variation selector goes, the emoji stays
    assert normalize("👨\u200d👩\u200d👧") == "👨👩👧"


def test_empty_and_whitespace() -> None:
    assert normalize("") == ""
    assert normalize(" \t\n\u3000 ") == ""


def test_control_characters_are_dropped() -> None:
    assert normalize("he\x00l\x07lo\x1b[31m") == "hello[31m"
    assert normalize("abc\u202edef") == "abcdef"  # bidi override
    assert normalize("a\ud800b") == "ab"  # lone surrogate


def test_length_limit() -> None:
    assert normalize("a" * MAX_TEXT_CHARS) == "aa"
    with pytest.raises(TextTooLong) as info:
        normalize("a" * (MAX_TEXT_CHARS + 1))
    err = info.value
    assert isinstance(err, InvalidInput) and isinstance(err, ValueError)
    assert err.status == 422 and err.field == "text"
    assert "10,000" in err.detail


def test_offsets_point_into_the_original() -> None:
    text = "Hey S e n d  p!cs 😂"
    norm, origin = normalize_with_offsets(text)
    assert norm == "hey send pics 😂"
    assert len(origin) == len(norm)
    start = norm.index("send")
    assert text[origin[start] : origin[start + 3] + 1] == "S e n d"
    start = norm.index("pics")
    assert text[origin[start] : origin[start + 3] + 1] == "p!cs"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_never_crashes_and_offsets_agree(text: str) -> None:
    norm = normalize(text)
    again, origin = normalize_with_offsets(text)
    assert again == norm
    assert len(origin) == len(norm)
    assert all(0 <= o < len(text) for o in origin)
    assert origin == sorted(origin)


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=200) | st.text(max_size=200))
def test_result_is_clean(text: str) -> None:
    norm = normalize(text)
    assert norm == norm.strip()
    assert "  " not in norm
    assert not any(0xD800 <= ord(c) <= 0xDFFF for c in norm)
    norm.encode("utf-8")  # always encodable: the tokenizer needs valid UTF-8
