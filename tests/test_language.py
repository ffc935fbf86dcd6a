"""Language identification: the shipped detectors cover English; everything else is reported as reduced coverage."""

from concurrent.futures import ThreadPoolExecutor

import pytest

from childsafe.detect.language import SUPPORTED, LanguageGuess, coverage, detect_language

SAMPLES = {
    "en": "Hello, how are you today? I was thinking we could play later.",
    "fr": "Bonjour, comment ça va aujourd'hui ? On peut jouer plus tard.",
    "es": "Hola, ¿cómo estás? Me llamo Ana y vivo en Madrid.",
    "de": "Guten Morgen, wie geht es dir heute? Wir spielen später.",
    "ru": "Привет, как дела? Что ты делаешь сегодня вечером?",
    "zh": "你好，你今天怎么样？我们晚上一起玩游戏吧。",  # noqa: RUF001 (Chinese punctuation)
    "ar": "مرحبا كيف حالك اليوم؟ هل تريد أن نلعب لاحقا؟",
}


@pytest.mark.parametrize(("code", "text"), sorted(SAMPLES.items()))
def test_detects_common_languages(code: str, text: str) -> None:
    guess = detect_language(text)
    assert guess.code == code
    assert guess.reliable
    assert 0.5 <= guess.confidence <= 1.0


@pytest.mark.parametrize(
    "text",
    ["ur so pretty lol dm me", "dont tell ur mum", "ok cool see u tmrw", "are u home alone", "omg same", "hello"],
)
def test_short_english_chat_is_english(text: str) -> None:
    assert detect_language(text).code == "en"


@pytest.mark.parametrize("text", ["", "   ", "😀😀😀", "🙂 👍", "ok", "12", "!!!", "k", "\u200b\u200b"])
def test_too_little_text_is_undetermined(text: str) -> None:
    guess = detect_language(text)
    assert guess == LanguageGuess("und", 0.0, False)
    assert coverage(guess) == "reduced"


def test_single_words_are_not_reliable() -> None:
    assert not detect_language("lol").reliable
    assert not detect_language("hola").reliable


def test_coverage_full_only_for_supported_languages() -> None:
    assert frozenset({"en"}) == SUPPORTED
    assert coverage(detect_language(SAMPLES["en"])) == "full"
    for code in ("fr", "es", "de", "ru", "zh", "ar"):
        assert coverage(detect_language(SAMPLES[code])) == "reduced"


def test_odd_input_does_not_crash() -> None:
    assert isinstance(detect_language("word " * 200_000), LanguageGuess)  # only the first MAX_CHARS are read
    assert detect_language("\x00\x01 hello there how are you").code == "en"
    assert detect_language("Ｈｅｌｌｏ how are you doing today").code == "en"  # noqa: RUF001 (fullwidth, on purpose)
    with pytest.raises(TypeError):
        detect_language(b"bytes")  # type: ignore[arg-type]


def test_thread_safe() -> None:
    texts = list(SAMPLES.values()) * 20
    expected = [detect_language(t) for t in texts]
    with ThreadPoolExecutor(max_workers=4) as pool:
        assert list(pool.map(detect_language, texts)) == expected
