"""Personal information in children's messages: kinds, offsets, traps, redaction and the child-facing warning."""

import time

import pytest

from childsafe.detect.pii import KINDS, WARNINGS, PiiSpan, find_pii, redact, warning_for_child


def kinds(text: str) -> set[str]:
    return {s.kind for s in find_pii(text)}


def texts_of(text: str, kind: str) -> list[str]:
    return [s.text for s in find_pii(text) if s.kind == kind]


POSITIVE = [
    # phone
    ("ring me 07911 123456", "phone", "07911 123456"),
    ("my number is +44 7911 123456 x", "phone", "+44 7911 123456"),
    ("text me on (212) 555-0199 ok", "phone", "(212) 555-0199"),
    ("my number is 07700 900123", "phone", "07700 900123"),  # Ofcom drama range: only "possible", but cued
    ("text me on (555) 123-4567", "phone", "(555) 123-4567"),
    ("my number is 0 7 9 1 1 1 2 3 4 5 6 lol", "phone", "0 7 9 1 1 1 2 3 4 5 6"),
    ("0-7-9-1-1-1-2-3-4-5-6", "phone", "0-7-9-1-1-1-2-3-4-5-6"),
    (
        "call me oh seven nine one one one two three four five six",
        "phone",
        "oh seven nine one one one two three four five six",
    ),
    # email
    ("email me emma.smith2011@gmail.com", "email", "emma.smith2011@gmail.com"),
    ("its emma dot smith at gmail dot com", "email", "emma dot smith at gmail dot com"),
    ("emma.smith [at] hotmail [dot] co [dot] uk", "email", "emma.smith [at] hotmail [dot] co [dot] uk"),
    ("lily_09 (at) outlook.com", "email", "lily_09 (at) outlook.com"),
    # street address
    ("i live at 42 Oak Street", "street_address", "42 Oak Street"),
    ("come to 7 mill ln tomorrow", "street_address", "7 mill ln"),
    ("12 Elm Road, LS6 2AB", "street_address", "LS6 2AB"),
    ("postcode is sw1a 1aa", "street_address", "sw1a 1aa"),
    ("Springfield, IL 62704", "street_address", "IL 62704"),
    ("1600 Pennsylvania Ave, Washington", "street_address", "1600 Pennsylvania Ave"),
    # school
    ("i go to Lincoln Middle School", "school", "Lincoln Middle School"),
    ("she goes to Riverside High School", "school", "Riverside High School"),
    ("i go to oakfield primary school", "school", "oakfield primary school"),
    ("my school is St Mary's", "school", "St Mary's"),
    ("my school is called oakfield and its ok", "school", "oakfield"),
    ("i'm in year 7 at Oakfield Academy", "school", "Oakfield Academy"),
    # social handles
    ("my snap is emma_2011 lol", "social_handle", "my snap is emma_2011"),
    ("add me on insta: cool.girl99", "social_handle", "add me on insta: cool.girl99"),
    ("add me on snap", "social_handle", "add me on snap"),
    ("follow me @dancequeen_x", "social_handle", "@dancequeen_x"),
    ("my discord is gamer#1234", "social_handle", "my discord is gamer#1234"),
    ("snap: lily.rose09", "social_handle", "snap: lily.rose09"),
    # live location
    ("im home alone rn", "live_location", "home alone"),
    ("i live in Leeds near the station", "live_location", "i live in Leeds near the station"),
    ("my address is 12 Elm Road", "live_location", "my address is 12 Elm Road"),
    ("my house is on Baker Street", "live_location", "my house is on Baker Street"),
    ("i'm at the park with my friends", "live_location", "i'm at the park"),
    ("we're at Westfield", "live_location", "we're at Westfield"),
    ("nobody's home till 6", "live_location", "nobody's home"),
    ("https://maps.app.goo.gl/abc123XYZ", "live_location", "https://maps.app.goo.gl/abc123XYZ"),
    ("here ///filled.count.soap", "live_location", "///filled.count.soap"),
    ("51.5074, -0.1278", "live_location", "51.5074, -0.1278"),
    # age
    ("im 12", "age", "im 12"),
    ("i'm 12 years old", "age", "i'm 12 years old"),
    ("12yo girl", "age", "12yo"),
    ("12 y/o", "age", "12 y/o"),
    ("I’m 13 lol", "age", "I’m 13"),  # noqa: RUF001 (curly apostrophe, on purpose)
    ("i am twelve", "age", "i am twelve"),
    ("age: 14", "age", "age: 14"),
    ("i just turned 11", "age", "i just turned 11"),
    # full name
    ("my name is Emma Smith", "full_name", "Emma Smith"),
    ("my full name is emma louise smith and i", "full_name", "emma louise smith"),
    ("my real name is jake", "full_name", "jake"),
]


@pytest.mark.parametrize(("text", "kind", "expected"), POSITIVE)
def test_finds_each_kind(text: str, kind: str, expected: str) -> None:
    assert expected in texts_of(text, kind), find_pii(text)


NEGATIVE = [
    ("it costs £12.99 lol", None),
    ("see you at 12:30", None),
    ("i was born in 2012", None),
    ("we won 12-0!!", None),
    ("i love high school musical", None),
    ("I love High School Musical", None),
    ("i'm at school lol", None),  # decision: generic places are not live location (see pii docstring)
    ("im at home", None),
    ("I'm in Year 7", None),
    ("im in Fortnite lol", None),
    ("im at my nans", None),
    ("my snap is broken", None),
    ("my insta is private", None),
    ("my school is boring", None),
    ("i go to high school", None),
    ("i go to the same school as you", None),
    ("what school do you go to", None),
    ("im 12 minutes away", None),
    ("i'm 5'4", None),
    ("im 100% sure", None),
    ("i have 3 dogs and 2 cats", None),
    ("level 12 boss", None),
    ("i scored 25 points in the game", None),
    ("2 more weeks till the holidays", None),
    ("meet me at the park at 5", None),  # a plan, not where the child is now
    ("my name is emma", None),  # a first name alone identifies no one
    ("are u home alone", None),  # a question, not a disclosure
    ("email me at lunch", None),
    ("order number 123456", None),
    ("", None),
    ("😀😀😀", None),
]


@pytest.mark.parametrize(("text", "_"), NEGATIVE)
def test_false_positive_traps(text: str, _: None) -> None:
    assert find_pii(text) == []


def test_offsets_point_into_the_original_text() -> None:
    samples = [t for t, _, _ in POSITIVE] + [
        "HI!!! İstanbul 😀 im 12 and my snap is lily_09, ring me 07911 123456",
        "ｍｙ ｎｕｍｂｅｒ im 14 and i live in Leeds",  # noqa: RUF001 (fullwidth, on purpose)
        "\u200bim home alone\u200b",
    ]
    for text in samples:
        for span in find_pii(text):
            assert 0 <= span.start < span.end <= len(text)
            assert text[span.start : span.end] == span.text


def test_values_are_normalised() -> None:
    (email,) = [s for s in find_pii("its emma dot smith at gmail dot com") if s.kind == "email"]
    assert email.value == "emma.smith@gmail.com"
    (phone,) = [s for s in find_pii("my number is 0 7 9 1 1 1 2 3 4 5 6") if s.kind == "phone"]
    assert phone.value == "+447911123456"
    (us,) = [s for s in find_pii("text me on (555) 123-4567") if s.kind == "phone"]
    assert us.value == "+15551234567"
    (age,) = [s for s in find_pii("i'm twelve") if s.kind == "age"]
    assert age.value == "12"
    (handle,) = [s for s in find_pii("follow me @dancequeen_x") if s.kind == "social_handle"]
    assert handle.value == "dancequeen_x"


def test_region_reads_national_numbers() -> None:
    assert kinds("call 02 9374 4000") == set()  # an Australian landline is not valid in GB or US
    assert "phone" in kinds_region("call 02 9374 4000", "AU")


def kinds_region(text: str, region: str) -> set[str]:
    return {s.kind for s in find_pii(text, region=region)}


def test_overlapping_kinds_and_merged_same_kind() -> None:
    spans = find_pii("my address is 42 Oak Street")
    assert {s.kind for s in spans} == {"live_location", "street_address"}
    ages = [s for s in find_pii("i'm 12 years old") if s.kind == "age"]
    assert len(ages) == 1  # "i'm 12" and "12 years old" merge into one span


def test_email_domain_is_not_a_handle() -> None:
    assert kinds("emma.smith2011@gmail.com") == {"email"}


def test_redact() -> None:
    text = "hi im 12, my snap is lily_09 and ring me 07911 123456"
    out = redact(text, find_pii(text))
    assert out == "hi [age], [social_handle] and ring me [phone]"
    assert redact("nothing here", []) == "nothing here"
    overlapping = [PiiSpan("live_location", 0, 27, "x"), PiiSpan("street_address", 14, 27, "y")]
    assert redact("my address is 42 Oak Street!", overlapping) == "[live_location]!"


def test_warning_for_child() -> None:
    assert warning_for_child([]) is None
    one = warning_for_child(find_pii("ring me 07911 123456"))
    assert one == (
        "This message has your phone number in it. People you don't know in real life could use it to find you. "
        "Are you sure you want to send it?"
    )
    both = warning_for_child(find_pii("im 12 and i go to Lincoln Middle School"))
    assert both is not None
    assert "the name of your school and how old you are" in both
    assert both.endswith("Are you sure you want to send it?")
    for kind in KINDS:
        sentence = WARNINGS[kind]
        assert sentence.endswith("Are you sure you want to send it?")
        assert len(sentence.split()) < 35  # short and plain


def test_bad_input() -> None:
    with pytest.raises(TypeError):
        find_pii(None)  # type: ignore[arg-type]
    assert isinstance(find_pii("x" * 5_000_000), list)  # long input is cut, not refused
    assert find_pii("\x00\x01\x02") == []


def test_fast_enough() -> None:
    texts = ["hey how was school", "lol same", "im 12 and i go to oakfield primary", "my snap is lily_09"] * 250
    start = time.process_time()
    for t in texts:
        find_pii(t)
    assert time.process_time() - start < 1.0  # about 0.1 ms per chat line
