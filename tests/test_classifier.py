"""The message classifier: committed artefacts, flags in the right category, cues, limits, training."""

import csv
import json
from dataclasses import FrozenInstanceError
from pathlib import Path

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from childsafe.detect.classifier import (
    DEFAULT_MODEL_DIR,
    HEAD_CATEGORIES,
    HEADS,
    SUPPORT_HEADS,
    TextClassifier,
    TextResult,
    default_classifier,
    file_sha256,
)
from childsafe.detect.normalize import MAX_TEXT_CHARS, TextTooLong
from childsafe.detect.training import DEFAULT_BENIGN_PATH, DEFAULT_SEED_PATH, MINILM_SHA256, load_benign, train
from childsafe.errors import InvalidInput
from childsafe.vocabulary.taxonomy import RiskCategory


@pytest.fixture(scope="module")
def clf() -> TextClassifier:
    return default_classifier()


def _seed_texts() -> set[str]:
    return {json.loads(line)["text"] for line in DEFAULT_SEED_PATH.open(encoding="utf-8")}


def test_loads_the_committed_artefacts(clf: TextClassifier) -> None:
    assert clf.names == HEADS
    assert clf.model_version.startswith("text-")
    assert all(0.0 < t < 1.0 for t in clf.thresholds)
    assert default_classifier() is clf
    for head in clf.heads:
        assert head.categories == HEAD_CATEGORIES[head.name]
        assert all(c in {r.value for r in RiskCategory} for c in head.categories)
        assert head.kind == ("support" if head.name in SUPPORT_HEADS else "harm")


def test_artefact_hashes_recorded_in_heads_json_match_the_files() -> None:
    meta = json.loads((DEFAULT_MODEL_DIR / "heads.json").read_text())
    assert file_sha256(DEFAULT_MODEL_DIR / "heads.npz") == meta["files"]["heads.npz"]
    encoder = DEFAULT_MODEL_DIR / "encoder"
    assert set(meta["encoder"]["files"]) == {"model.safetensors", "tokenizer.json", "config.json"}
    for name, digest in meta["encoder"]["files"].items():
        assert file_sha256(encoder / name) == digest, name
    assert meta["encoder"]["distilled_from"]["sha256"]["model.safetensors"] == MINILM_SHA256["model.safetensors"]
    assert MINILM_SHA256["model.safetensors"].startswith("53aa5117") and MINILM_SHA256["model.safetensors"].endswith(
        "fab128d9db"
    )
    for source in meta["training"]["data"]:
        assert len(source["sha256"]) == 64
    assert not any("ethos" in s["source"] for s in meta["training"]["data"])  # GPL-3.0: evaluation only
    assert (encoder / "model.safetensors").stat().st_size <= 16 * 1024 * 1024


def test_tampered_heads_are_refused(tmp_path: Path) -> None:
    for name in ("heads.npz", "heads.json"):
        (tmp_path / name).write_bytes((DEFAULT_MODEL_DIR / name).read_bytes())
    with (tmp_path / "heads.npz").open("ab") as f:
        f.write(b"\0")
    with pytest.raises(ValueError, match="sha256"):
        TextClassifier.load(tmp_path)


# Written for these tests; none of them is in the training data.
HARMFUL = [
    ("send me some pics with no clothes on tonight", "sexual_solicitation"),
    ("\u0455\u0435nd  n.u.d.e.s  ok?", "sexual_solicitation"),  # Cyrillic s and e
    ("you are a disgusting ugly freak and everyone at school hates you", "harassment"),
    ("i am going to stab you tomorrow after class", "violence"),
    ("i have the pills ready and i am going to end my life tonight", "self_harm_intent"),
    ("you should just go kill yourself, loser", "self_harm_intent"),
    ("i'm 30 and you're 12 but you're so sexy, let's keep this secret", "sexual_minors"),
]
BENIGN = [
    "can you send me the photos from the football match",
    "my little brother keeps stealing my snacks lol",
    "who wants to play minecraft after school",
    "how do i talk to my mum about getting my first bra",
    "i want to stop hurting myself, who can i talk to",
    "we're learning about the victorians in history",
]


def test_obvious_harmful_messages_are_flagged_in_the_right_category(clf: TextClassifier) -> None:
    seed = _seed_texts()
    results = clf.score([t for t, _ in HARMFUL])
    for (text, head), result in zip(HARMFUL, results, strict=True):
        assert text not in seed
        assert head in result.flagged, (text, result.scores)
        for c in HEAD_CATEGORIES[head]:
            assert c in result.categories
        assert result.cues, text


def test_benign_messages_are_not_flagged_as_harmful(clf: TextClassifier) -> None:
    for text, result in zip(BENIGN, clf.score(BENIGN), strict=True):
        assert result.harmful == [], (text, result.flagged)
        assert result.categories == []


def test_help_seeking_is_support_not_harm(clf: TextClassifier) -> None:
    result = clf.score_one("i keep thinking about hurting myself and i want help, who can i call?")
    assert "self_harm_intent" not in result.flagged
    assert result.categories == []
    if result.flagged:
        assert result.flagged == ["self_harm_help_seeking"] == result.support


def test_cues_point_at_the_words_in_the_original_text(clf: TextClassifier) -> None:
    text = "Hey cutie!! S E N D  N U D E S pls 😘"
    result = clf.score_one(text)
    assert "sexual_solicitation" in result.flagged
    cues = [c for c in result.cues if c.category == "sexual_solicitation"]
    assert cues
    for cue in result.cues:
        assert text[cue.start : cue.end] == cue.text
    assert any("N U D E S" in c.text or "S E N D" in c.text for c in cues), cues

    text = "lol ur such a PATHETIC l0ser, nobody likes u"
    result = clf.score_one(text)
    assert "harassment" in result.flagged
    words = {c.text.lower() for c in result.cues if c.category == "harassment"}
    assert words & {"pathetic", "l0ser,", "l0ser", "nobody"}, words


def test_batch_and_single_give_the_same_scores(clf: TextClassifier) -> None:
    texts = [t for t, _ in HARMFUL] + BENIGN + ["", "😂😂😂"]
    batch = clf.score(texts)
    for text, result in zip(texts, batch, strict=True):
        single = clf.score([text])[0]
        assert single.flagged == result.flagged
        for head in HEADS:
            assert single.scores[head] == pytest.approx(result.scores[head], abs=1e-5)  # float32 sums


@pytest.mark.parametrize(
    "text", ["", "   ", "😂😂😂🔥", "👍🏽", "\u200b\u200b", "\x00\x01", "你好", "a" * MAX_TEXT_CHARS]
)
def test_edge_inputs_score_low(clf: TextClassifier, text: str) -> None:
    result = clf.score_one(text)
    assert isinstance(result, TextResult)
    assert set(result.scores) == set(HEADS)
    assert all(0.0 <= s <= 1.0 for s in result.scores.values())
    assert result.harmful == []
    assert result.language is None
    assert result.model_version == clf.model_version


def test_result_is_frozen(clf: TextClassifier) -> None:
    result = clf.score_one("hello")
    with pytest.raises(FrozenInstanceError):
        result.flagged = []  # type: ignore[misc]


def test_limits(clf: TextClassifier) -> None:
    assert clf.score([]) == []
    with pytest.raises(TextTooLong) as info:
        clf.score(["ok", "x" * (MAX_TEXT_CHARS + 1)])
    assert info.value.field == "texts[1]"
    with pytest.raises(TypeError):
        clf.score("a bare string")  # type: ignore[arg-type]


def test_benign_set_false_positive_rate_is_at_most_2_percent(clf: TextClassifier) -> None:
    benign = load_benign(DEFAULT_BENIGN_PATH)
    assert len(benign) >= 150
    seed = _seed_texts()
    assert not any(b["text"] in seed for b in benign)  # the guard set is never trained on
    results = clf.score([b["text"] for b in benign], cues=False)
    flagged = [(b["theme"], r.harmful) for b, r in zip(benign, results, strict=True) if r.harmful]
    assert len(flagged) / len(benign) <= 0.02, flagged


def _synthetic_csv(path: Path) -> None:
    scam = [
        "send me your bank password to claim the prize",
        "pay 50 dollars in gift cards to unlock your account",
        "you won a free phone, just enter your card number",
        "give me your login and i'll double your robux",
        "transfer the money now or your account gets deleted",
        "buy this crypto, guaranteed 10x tomorrow",
        "click this link and type your password to get free skins",
        "send a gift card code to verify your age",
    ]
    bully = [
        "nobody likes you, just leave the group",
        "you're so stupid it's embarrassing",
        "everyone laughs at you behind your back",
        "ugly loser, stop posting",
        "go away, no one wants you here",
        "you're pathetic and weird",
    ]
    ok = [
        "see you at practice tomorrow",
        "what did you get on the maths test",
        "happy birthday!!",
        "can i borrow your charger",
        "the film was really good",
        "let's meet at the library at 4",
        "my cat is so fluffy",
        "did you finish the book",
        "pizza tonight?",
        "good luck in the match",
        "the bus is late again",
        "i love this song",
    ]
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["message", "scam", "cyberbullying"])
        for t in scam:
            w.writerow([t, 1, 0])
        for t in bully:
            w.writerow([t, 0, 1])
        for t in ok:
            w.writerow([t, 0, ""])  # not labelled for cyberbullying
        w.writerow(["😂😂", 0, 0])


def test_train_on_a_small_csv(tmp_path: Path) -> None:
    data = tmp_path / "labels.csv"
    _synthetic_csv(data)
    out = tmp_path / "model"
    messages = []
    report = train(data, text_column="message", out_dir=out, folds=3, progress=messages.append)
    assert messages
    for name in ("heads.npz", "heads.json", "report.json", "report.md"):
        assert (out / name).is_file(), name
    assert [h.name for h in report.heads] == ["scam", "cyberbullying"]
    scam, bully = report.heads
    assert scam.categories == [RiskCategory.OTHER.value] and bully.categories == ["cyberbullying"]
    assert scam.rows == 27 and scam.positives == 8 and bully.rows == 15
    assert 0.5 < scam.roc_auc <= 1.0 and scam.benign_fpr is not None
    assert json.loads((out / "report.json").read_text())["model_version"] == report.model_version
    assert "| scam |" in (out / "report.md").read_text()

    custom = TextClassifier.load(out)
    assert custom.names == ("scam", "cyberbullying")
    result = custom.score_one("enter your card number and password to claim a free prize")
    assert set(result.scores) == {"scam", "cyberbullying"}
    assert result.scores["scam"] > custom.score_one("see you at the library").scores["scam"]

    # Same data, same seeds: byte-identical heads.
    again = train(data, text_column="message", out_dir=tmp_path / "again", folds=3, benign_path=None)
    assert file_sha256(out / "heads.npz") == file_sha256(tmp_path / "again" / "heads.npz")
    assert again.model_version == report.model_version


def test_train_rejects_bad_labels(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("text,spam\nhello,maybe\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="not 0 or 1"):
        train(bad, out_dir=tmp_path / "out")
    missing = tmp_path / "missing.csv"
    missing.write_text("body,spam\nhello,1\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="no column 'text'"):
        train(missing, out_dir=tmp_path / "out")


def test_scores_are_numpy_free_floats(clf: TextClassifier) -> None:
    result = clf.score_one("hello there")
    assert all(type(v) is float for v in result.scores.values())
    assert not any(isinstance(v, np.floating) for v in result.scores.values())


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
@example('"(send nudes)"')  # a token before the first word once broke the cue mapping
@example("...kys")
def test_scoring_and_cues_never_crash(text: str) -> None:
    clf = default_classifier()
    result = clf.score([text])[0]
    assert all(0.0 <= s <= 1.0 for s in result.scores.values())
    for cue in clf.cues(text, clf.names):  # every head, flagged or not
        assert 0 <= cue.start < cue.end <= len(text)
        assert text[cue.start : cue.end] == cue.text
