"""Conversation risk: stages, relationship, escalation, alerts, incremental scoring, speed, the evaluation floors."""

import json
import time
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from childsafe.detect import grooming as g
from childsafe.detect.grooming import (
    ConversationRisk,
    Message,
    Participant,
    direction_factor,
    new_state,
    score_conversation,
    score_incremental,
)
from childsafe.detect.grooming_eval import SAMPLE_CHAT, evaluate, load_eval_set
from childsafe.detect.grooming_lexicon import LEXICON, STAGES

ADULT_CHILD = {"a": "adult", "k": "10_12"}
T0 = datetime(2025, 1, 6, 16, 0, tzinfo=UTC)


def stages_of(text: str, participants: dict[str, str] | None = None) -> set[str]:
    risk = score_conversation([Message("a", text)], participants or ADULT_CHILD)
    return {h.stage for h in risk.stages if h.source == "lexicon"}


CLEAR = {
    "trust_building": [
        "you're really mature for your age",
        "ur so mature 4 ur age",
        "ur not like other girls ur age",
        "nobody understands u like i do",
        "hey beautiful",
    ],
    "isolation_secrecy": [
        "don't tell your parents about us",
        "this is our little secret",
        "delete our chats after",
        "are u home alone?",
        "who else uses your phone",
        "do ur parents check ur phone",
        "when are ur parents out next?",
    ],
    "private_channel": [
        "add me on snap",
        "lets move to whatsapp its more private",
        "whats ur discord",
        "this app isnt private, download telegram",
        "dm me",
    ],
    "personal_info": [
        "how old r u",
        "asl?",
        "what school do u go to",
        "where do you live",
        "whats ur number",
    ],
    "desensitising_sexual": [
        "have u ever kissed anyone",
        "are you a virgin",
        "what r u wearing rn",
        "has ur body changed a lot",
        "age is just a number",  # ChatCoder codes talk about the age difference as grooming (600)
    ],
    "image_request": [
        "send me a pic of you in your pj's",
        "send pics",
        "turn on ur camera",
        "show me what u look like",
        "send me a mirror selfie",
    ],
    "meeting": [
        "we should meet up irl",
        "i can pick u up after school",
        "come over to my place",
        "i'll buy u a train ticket to come see me",
    ],
    "gifts_money": [
        "i'll buy you robux",
        "want free vbucks?",
        "i can send you a gift card",
        "i'll give you 50 quid if you send one",
    ],
    "threats_sextortion": [
        "i'll share your pics with all your friends",
        "pay me £100 or i send them to your family",
        "i have your photos",
        "u have 2 hours",
    ],
}

LOOK_ALIKES = {
    "trust_building": ["thanks for helping with the homework", "the match was good"],
    "isolation_secrecy": ["don't tell your sister about the surprise party!", "shh it's a surprise for dad's birthday"],
    "private_channel": ["i saw you on insta", "my snap streak is 100 days"],
    "personal_info": ["how was school today", "what time is the match"],
    "desensitising_sexual": ["we had the puberty talk in pshe", "have u finished the book"],
    "image_request": ["send me the photo of the team sheet", "can you send me a photo of the homework"],
    "meeting": ["we met on the trip last year", "the meeting is on zoom"],
    "gifts_money": ["thanks for the birthday money nan", "i spent my pocket money"],
    "threats_sextortion": ["only if u dont tell mum", "i'll tell mum you took my charger lol"],
}


@pytest.mark.parametrize(("stage", "text"), [(s, t) for s, ts in CLEAR.items() for t in ts])
def test_stage_detected(stage: str, text: str) -> None:
    assert stage in stages_of(text)


@pytest.mark.parametrize(("stage", "text"), [(s, t) for s, ts in LOOK_ALIKES.items() for t in ts])
def test_stage_not_detected_on_look_alike(stage: str, text: str) -> None:
    assert stage not in stages_of(text)


def test_lexicon_is_substantial() -> None:
    assert set(LEXICON) == set(STAGES)
    for stage, patterns in LEXICON.items():
        assert len(patterns) >= 20, stage
        assert all(0 < w <= 1 for _, w in patterns)


def test_obfuscation_is_undone() -> None:
    assert "image_request" in stages_of("s e n d  p i c s")
    assert "isolation_secrecy" in stages_of("d0nt t3ll ur mum")
    assert "private_channel" in stages_of("add me on sn@p")
    assert "isolation_secrecy" in stages_of("DON’T TELL YOUR PARENTS")  # noqa: RUF001 (curly apostrophe)


CONV = [
    "ur so mature for ur age",
    "lol thanks",
    "dont tell ur mum we talk ok",
    "ok",
    "add me on snap",
    "send me a pic of u",
]


def _conv(sender_first: str = "a", texts: list[str] = CONV, minutes: float = 1.0) -> list[Message]:
    other = "k"
    return [
        Message(sender_first if i % 2 == 0 else other, t, T0 + timedelta(minutes=i * minutes))
        for i, t in enumerate(texts)
    ]


def test_adult_to_child_scores_higher_than_child_to_child() -> None:
    adult = score_conversation(_conv(), {"a": "adult", "k": "10_12"}, contact_age_days=3)
    peer = score_conversation(_conv(), {"a": "10_12", "k": "10_12"}, contact_age_days=3)
    older_teen = score_conversation(_conv(), {"a": "16_17", "k": "10_12"}, contact_age_days=3)
    assert adult.score > older_teen.score > peer.score
    assert adult.alert
    assert not peer.alert
    assert peer.level in {"low", "medium"}


def test_unknown_ages_count_as_possibly_adult_sender_and_child_recipient() -> None:
    unknown = score_conversation(_conv(), {"a": "unknown", "k": "unknown"}).score
    adult_adult = score_conversation(_conv(), {"a": "adult", "k": "adult"}).score
    assert unknown > adult_adult
    assert direction_factor("unknown", "10_12") > direction_factor("10_12", "10_12")
    assert direction_factor("adult", "adult") < 0.2


def test_new_contact_raises_and_old_contact_lowers() -> None:
    kw = {"participants": ADULT_CHILD}
    new = score_conversation(_conv(), contact_age_days=0.5, **kw).score
    month = score_conversation(_conv(), contact_age_days=60, **kw).score
    years = score_conversation(_conv(), contact_age_days=2000, **kw).score
    assert new > month > years


def _from_adult(texts: list[str], minutes: float) -> list[Message]:
    return [Message("a", t, T0 + timedelta(minutes=i * minutes)) for i, t in enumerate(texts)]


def test_escalation_and_grooming_order_raise_the_score() -> None:
    texts = ["ur so mature for ur age", "dont tell ur mum about us", "send me a pic of u"]
    fast = score_conversation(_from_adult(texts, minutes=2), ADULT_CHILD)
    fillers = ["how was your day"] * 40
    slow = score_conversation(_from_adult([texts[0], *fillers, texts[1], *fillers, texts[2]], 600), ADULT_CHILD)
    assert fast.score > slow.score
    assert any("within 3 messages" in d for d in fast.drivers)
    assert not any("within 3 messages" in d for d in slow.drivers)
    # the same cues in the order typical of grooming score higher than in reverse
    backward = score_conversation(_from_adult(texts[::-1], minutes=2), ADULT_CHILD)
    assert fast.score > backward.score
    assert any("order typical of grooming" in d for d in fast.drivers)


def test_persistent_secrecy_weighs_more_than_one_mention() -> None:
    once = score_conversation(_conv(texts=["dont tell ur mum", "ok", "how was school", "ok"]), ADULT_CHILD)
    many = score_conversation(
        _conv(texts=["dont tell ur mum", "ok", "delete our chats", "ok", "are u home alone", "yes"]), ADULT_CHILD
    )
    assert many.score > once.score


def test_image_request_from_adult_to_minor_alerts_with_driver() -> None:
    risk = score_conversation([Message("a", "hi"), Message("a", "send me a pic of you in your pj's")], ADULT_CHILD)
    assert risk.alert
    assert not risk.sextortion
    assert risk.first_alert_index == 1
    assert any("an adult asked a 10-12-year-old for photos or video" in d for d in risk.drivers)
    # the same request between classmates is scored, not alerted
    peers = score_conversation([Message("a", "send me a pic of you in your pj's")], {"a": "10_12", "k": "10_12"})
    assert not peers.alert


def test_sextortion_flagged() -> None:
    msgs = [
        Message("x", "i have your pics. pay £100 in gift cards or i send them to all your friends"),
        Message("k", "please dont"),
        Message("x", "u have 2 hours"),
    ]
    risk = score_conversation(msgs, {"x": "unknown", "k": "13_15"}, contact_age_days=1)
    assert risk.sextortion
    assert risk.alert
    assert risk.first_alert_index == 0
    assert "threat to share images" in risk.drivers[0]
    # a sibling's teasing is not sextortion
    tease = score_conversation([Message("s", "give it back or im telling mum")], {"s": "16_17", "k": "10_12"})
    assert not tease.sextortion
    assert not tease.alert


def test_child_disclosures_amplify_existing_risk_only() -> None:
    cues = ["ur so mature for ur age", "thanks", "whats ur snap", "its lily_09", "dont tell ur mum", "ok"]
    with_answers = score_conversation(_conv(texts=cues), ADULT_CHILD)
    quiet = cues.copy()
    quiet[3] = "no"
    without = score_conversation(_conv(texts=quiet), ADULT_CHILD)
    assert with_answers.score > without.score
    assert any("the child shared personal information" in d for d in with_answers.drivers)
    # a child sharing details in a chat with no warning signs is not risk on its own
    alone = score_conversation([Message("k", "im 12 and my snap is lily_09")], {"k": "10_12", "f": "10_12"})
    assert alone.level == "none"
    assert not alone.alert
    assert not any("shared personal information" in d for d in alone.drivers)
    assert {h.stage for h in alone.stages if h.source == "pii"} == {"personal_info"}


def test_stated_age_only_makes_the_reading_more_protective() -> None:
    msgs = [Message("k", "im 12"), Message("a", "send me a pic of u"), Message("a", "dont tell ur mum")]
    claimed = score_conversation(msgs, {"a": "adult", "k": "unknown"})
    silent = score_conversation(msgs[1:], {"a": "adult", "k": "unknown"})
    assert claimed.score > silent.score
    assert any("said they are 12" in d for d in claimed.drivers)
    # a sender of unknown age claiming to be a child is still read as possibly adult, not as the teen they claim
    fake = [Message("x", "im 14 too"), Message("x", "send me a pic of u"), Message("x", "dont tell ur mum")]
    claimed_teen = score_conversation(fake, {"x": "unknown", "k": "10_12"}).score
    verified_teen = score_conversation(fake, {"x": "13_15", "k": "10_12"}).score
    assert claimed_teen > verified_teen


def test_incremental_equals_batch() -> None:
    for conv in load_eval_set()[::4]:
        batch = score_conversation(conv.messages, conv.participants, contact_age_days=conv.contact_age_days)
        state = new_state(conv.participants, contact_age_days=conv.contact_age_days)
        risk = None
        for msg in conv.messages:
            state = json.loads(json.dumps(state))  # the state survives a JSON round trip between messages
            state, risk = score_incremental(state, msg)
        assert risk is not None
        assert risk.to_dict() == batch.to_dict(), conv.id


def test_incremental_without_state_and_risk_grows() -> None:
    state, first = score_incremental(None, Message("a", "hey"))
    assert first.score == 0.0
    state, second = score_incremental(state, Message("a", "dont tell ur parents about us"))
    assert second.score > first.score
    assert state["n"] == 2


def test_empty_and_emoji_only() -> None:
    empty = score_conversation([], ADULT_CHILD)
    assert empty == ConversationRisk(0.0, "none", [], [], False, False, {}, None, 0, "full")
    emoji = score_conversation([Message("a", "😀😀😀"), Message("k", "👍"), Message("a", "")], ADULT_CHILD)
    assert emoji.score == 0.0
    assert emoji.level == "none"
    assert not emoji.alert
    assert emoji.stages == []


def test_bad_input() -> None:
    with pytest.raises(ValueError, match="age band"):
        score_conversation([Message("a", "hi")], {"a": "teen"})
    with pytest.raises(ValueError):
        score_conversation([Message("a", "hi")], ADULT_CHILD, contact_age_days=-1)
    with pytest.raises(TypeError):
        score_conversation([Message("a", None)], ADULT_CHILD)  # type: ignore[arg-type]
    huge = score_conversation([Message("a", "dont tell ur mum " + "x" * 2_000_000)], ADULT_CHILD)
    assert huge.stage_scores  # cut to the normaliser's limit, not refused
    naive = score_conversation([Message("a", "hi", datetime(2025, 1, 1))], [Participant("a", "adult")])
    assert naive.score == 0.0


def test_offsets_point_at_the_cue_in_the_original_text() -> None:
    texts = [
        "HEY!!! 😀 Don’t tell your MUM we talk",  # noqa: RUF001 (curly apostrophe, on purpose)
        "ok so   s e n d  p i c s  of u",
        "\u200bare u h0me al0ne rn??",
        "İ think ur so mature for ur age",
    ]
    risk = score_conversation([Message("a", t) for t in texts], ADULT_CHILD)
    assert risk.stages
    for hit in risk.stages:
        text = texts[hit.message_index]
        assert text[hit.start : hit.end] == hit.cue_text
    cues = {h.stage: h.cue_text for h in risk.stages}
    assert cues["isolation_secrecy"] in {"Don’t tell your MUM", "are u h0me al0ne"}  # noqa: RUF001
    assert "s e n d  p i c s" in cues["image_request"]
    assert cues["trust_building"] == "mature for ur age"


def test_long_conversation_is_fast() -> None:
    base = SAMPLE_CHAT
    msgs = [Message("a" if i % 2 else "k", base[i % len(base)]) for i in range(1000)]
    score_conversation(msgs[:10], ADULT_CHILD)  # warm up (language model load)
    start = time.process_time()
    risk = score_conversation(msgs, ADULT_CHILD)
    elapsed = time.process_time() - start
    assert elapsed < 1.0, elapsed  # measured ~0.2 s of CPU on the 2-core dev machine
    assert risk.alert
    assert len(risk.stages) <= g.MAX_HITS_PER_STAGE * len(STAGES) * 2
    assert len(json.dumps(new_state())) < 2000


def test_gating_never_changes_matches() -> None:
    texts = [m.text for conv in load_eval_set() for m in conv.messages]
    texts += [t for ts in CLEAR.values() for t in ts] + [t for ts in LOOK_ALIKES.values() for t in ts]
    for text in texts:
        norm = g._prepare(text)
        brute = {i for i, p in enumerate(g._PATTERNS) if g._search(p.regex, norm)}
        assert brute <= set(g._candidates(norm)), text


def test_non_english_is_reported_as_reduced_coverage() -> None:
    french = [
        "Salut, tu es vraiment mature pour ton âge, tu sais ?",
        "Merci beaucoup, c'est gentil de ta part",
        "Ne dis rien à tes parents, c'est notre petit secret d'accord ?",
    ]
    risk = score_conversation([Message("a", t) for t in french], ADULT_CHILD)
    assert risk.coverage == "reduced"
    assert any("not in English" in d for d in risk.drivers)
    assert score_conversation(_conv(), ADULT_CHILD).coverage == "full"


def test_optional_encoder_adds_prototype_matches() -> None:
    class FakeEncoder:
        """Maps the "meeting" prototypes and any text with "qx" to one direction, everything else to another."""

        def encode(self, texts: list[str]) -> np.ndarray:
            meeting = set(g.PROTOTYPES["meeting"])
            rows = [[1.0, 0.0] if t in meeting or "qx" in t else [0.0, 1.0] for t in texts]
            return np.asarray(rows, dtype=np.float32)

    enc = FakeEncoder()
    risk = score_conversation([Message("a", "qx tomorrow?")], ADULT_CHILD, encoder=enc)
    assert [(h.stage, h.source, h.start, h.end) for h in risk.stages] == [("meeting", "encoder", 0, 12)]
    plain = score_conversation([Message("a", "qx tomorrow?")], ADULT_CHILD)
    assert plain.stages == []


def test_eval_set_shape() -> None:
    convs = load_eval_set()
    assert len(convs) >= 60
    assert sum(c.label == "benign" for c in convs) >= len(convs) / 2
    assert {c.split for c in convs} == {"dev", "test"}
    for c in convs:
        assert 5 <= len(c.messages) <= 15
        assert c.label in {"grooming", "sextortion", "benign"}
        assert all(set(s) <= set(STAGES) for s in c.stages)
    types = {c.type for c in convs if c.label == "benign"}
    wanted = {"parent", "coach", "classmates", "grandparent", "teacher", "siblings", "older_teen_friend", "tutor"}
    assert wanted <= types


# Floors a little under the measured values (bench/results/grooming_eval.md) so that regressions fail.
# dev: tuned on (measured P 100%, R 100%); test: held out (measured P 100%, R 71.4%, 0/20 benign alerts).
def test_eval_floors_test_half() -> None:
    r = evaluate(load_eval_set(split="test"))
    assert r.precision >= 0.9
    assert r.recall >= 0.65
    assert r.fp / (r.fp + r.tn) <= 0.1


def test_eval_floors_dev_half() -> None:
    r = evaluate(load_eval_set(split="dev"))
    assert r.precision >= 0.95
    assert r.recall >= 0.9
    assert r.fp / (r.fp + r.tn) <= 0.05
