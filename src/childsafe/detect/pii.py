"""Personal information a child is about to share: find it, redact it, and warn the child in plain words.

:func:`find_pii` returns :class:`PiiSpan` objects whose ``start``/``end`` index the ORIGINAL text
(patterns run case-insensitively on the text itself, so offsets never drift). Kinds:

``phone``
    ``phonenumbers.PhoneNumberMatcher`` (leniency VALID) for the caller's region plus GB and US;
    a number that is only *possible* (not valid — e.g. Ofcom's drama range 07700 900xxx, US 555
    numbers) counts when a cue such as "my number is" / "text me on" comes just before it; digits
    spelled out one by one ("0 7 7 0 0 9 0 0 1 2 3", "0-7-9-1-1…") are re-joined and validated.
``email``
    Plain addresses and "name at gmail dot com" / "name [at] mail [dot] com" obfuscation (an
    obfuscated address needs a known mail domain or top-level domain, so "meet at the park" is not one).
``street_address``
    House number + street name + street type ("42 Oak Street", "7 Mill Ln"), UK postcodes,
    US ZIP codes after a state ("Springfield, IL 62704").
``school``
    "<Name> Primary/Middle/High/Elementary/Secondary/Junior/Grammar/Infant School|Academy" (the name
    capitalised or introduced by "i go to" / "my school is" / "i'm at"), "my school is …".
``social_handle``
    "my snap/insta/ig/tiktok/discord/kik/telegram/whatsapp/… is X", "add me on X (: handle)",
    "@handle" (not inside an e-mail address).
``live_location``
    "i live in/near/on …", "my address is …", "my house is on/near …", "i'm at/outside <a named
    place or a public place: the park, the station, …>", "home alone" and "nobody's home", shared map
    links (Google Maps, maps.app.goo.gl, Apple Maps, what3words) and latitude/longitude pairs.
    **Decision:** "i'm at school lol", "i'm at home", "i'm at work" are *not* live_location: every child
    is at school or at home, so they say nothing a stranger can use, and warning on them would teach
    children to ignore the warning. "i'm home alone" *is* (it tells someone that no adult is there).
``age``
    "im 12", "i'm 12 years old", "12yo", "12 y/o", "age 12", "i am twelve", "i'm turning 13"; bare "im N"
    only for 5-99 and not followed by a unit ("im 12 minutes away", "i'm 5 foot"). ``value`` holds the age.
``full_name``
    Only when explicitly introduced with at least two name words ("my name is Emma Smith", "my full
    name is …", "my real name is …"). A first name alone is not flagged: it identifies no one.

Known false-positive traps that are tested not to fire: prices ("£12.99"), times ("at 12:30"), years
("in 2012"), scores ("12-0"), "high school musical", "my snap is broken".

:func:`redact` replaces spans with ``[kind]`` for logs and notices; :func:`warning_for_child` gives
the short sentence a child sees before sending.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import phonenumbers

__all__ = ["KINDS", "PiiSpan", "find_pii", "redact", "warning_for_child"]


def _words(text: str) -> frozenset[str]:
    """A set of words written as one space-separated string (easier to read and edit than a list literal)."""
    return frozenset(text.split())


KINDS: tuple[str, ...] = (
    "phone",
    "email",
    "street_address",
    "school",
    "social_handle",
    "live_location",
    "age",
    "full_name",
)

MAX_CHARS = 20_000
"""Only the first ``MAX_CHARS`` characters of a message are searched (a chat message is far shorter)."""


@dataclass(frozen=True, slots=True)
class PiiSpan:
    """One piece of personal information. ``text == original[start:end]``; ``value`` is a normalised form
    where one exists (E.164 phone number, lower-case e-mail, the age as digits, the handle without ``@``)."""

    kind: str
    start: int
    end: int
    text: str
    value: str | None = None


_I = re.IGNORECASE
_IM = r"(?:i\s*['\u2019]?\s*m|i\s+am)"  # im, i'm, i am (curly apostrophe too)
_NUM_WORDS = {
    "zero": "0", "oh": "0", "o": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6",
    "seven": "7", "eight": "8", "nine": "9",
}  # fmt: skip
_AGE_WORDS = {
    "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip

# ---------------------------------------------------------------- phone

_PHONE_CUE = re.compile(
    r"(?:my\s+(?:phone\s+)?(?:number|no\.?|num|digits|mobile|cell|phone)(?:\s+is|\s*[:=])?|"
    r"(?:text|call|ring|phone|whatsapp|message|msg|txt)\s+(?:me\s+)?(?:on|at)|"
    r"(?:text|call|ring|whatsapp|txt)\s+me|number\s*[:=])\s*$",
    _I,
)
_SPACED_DIGITS = re.compile(
    r"(?<![\w+])\+?(?:(?:\d|zero|oh|one|two|three|four|five|six|seven|eight|nine)[\s.\-_/*,]{1,3}){9,14}"
    r"(?:\d|zero|one|two|three|four|five|six|seven|eight|nine)(?!\w)",
    _I,
)
_DIGIT_RUN = re.compile(r"(?<![\w£$€.])\+?\(?\d[\d\s().\-]{6,20}\d(?![\w%])")


_SPELLED_DIGIT = re.compile(r"\b(?:zero|oh|one|two|three|four|five|six|seven|eight|nine)\b", _I)


def _phone_regions(region: str) -> list[str]:
    out = [region.upper()] if region else []
    for r in ("GB", "US"):
        if r not in out:
            out.append(r)
    return out


def _valid_number(digits: str, regions: Sequence[str], *, possible: bool = False) -> str | None:
    if possible and len(digits) == 10 and digits[0] not in "01+" and "US" in regions:
        regions = ["US", *[r for r in regions if r != "US"]]  # "(555) 123-4567" reads as North American
    for region in regions:
        try:
            num = phonenumbers.parse(digits, region)
        except phonenumbers.NumberParseException:
            continue
        ok = phonenumbers.is_possible_number(num) if possible else phonenumbers.is_valid_number(num)
        if ok:
            return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)
    return None


def _find_phones(text: str, region: str) -> list[PiiSpan]:
    regions = _phone_regions(region)
    spans: list[PiiSpan] = []
    for reg in regions:
        for m in phonenumbers.PhoneNumberMatcher(text, reg, leniency=phonenumbers.Leniency.VALID):
            e164 = phonenumbers.format_number(m.number, phonenumbers.PhoneNumberFormat.E164)
            spans.append(PiiSpan("phone", m.start, m.end, m.raw_string, e164))
    # Possible-but-not-valid numbers right after an explicit cue ("my number is 07700 900123").
    for m in _DIGIT_RUN.finditer(text):
        if not _PHONE_CUE.search(text[max(0, m.start() - 40) : m.start()]):
            continue
        digits = re.sub(r"[^\d+]", "", m.group())
        if 7 <= len(digits.lstrip("+")) <= 15:
            e164 = _valid_number(digits, regions, possible=True)
            if e164:
                spans.append(PiiSpan("phone", m.start(), m.end(), m.group(), e164))
    # Digits spelled out one at a time: "0 7 9 1 1 1 2 3 4 5 6", "oh seven nine one one …".
    for m in _SPACED_DIGITS.finditer(text):
        tokens = re.findall(r"\+|\d|[a-z]+", m.group().lower())
        digits = "".join(_NUM_WORDS.get(t, t) for t in tokens)
        if not re.fullmatch(r"\+?\d{10,15}", digits):
            continue
        e164 = _valid_number(digits, regions)
        if e164 is None and _PHONE_CUE.search(text[max(0, m.start() - 40) : m.start()]):
            e164 = _valid_number(digits, regions, possible=True)
        if e164:
            spans.append(PiiSpan("phone", m.start(), m.end(), m.group(), e164))
    return spans


# ---------------------------------------------------------------- email

_EMAIL = re.compile(r"(?<![\w.+-])[a-z0-9][a-z0-9._%+-]{0,63}@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,24}(?![\w-])", _I)
_AT = r"(?:\s*[\[(<{]\s*at\s*[\])>}]\s*|\s+at\s+|\s*\(@\)\s*)"
_DOT = r"(?:\s*[\[(<{]\s*dot\s*[\])>}]\s*|\s+dot\s+|\.)"
_MAIL_DOMAINS = (
    r"(?:gmail|googlemail|hotmail|outlook|live|yahoo|ymail|icloud|me|mac|aol|protonmail|proton|gmx|btinternet|"
    r"sky|virginmedia|talktalk|mail|msn|comcast|verizon|att|school|[a-z0-9-]+)"
)
_TLDS = r"(?:com|net|org|edu|gov|co\s*(?:\.|\s+dot\s+|\[dot\]|\(dot\))\s*uk|uk|io|me|us|ca|au|ie|de|fr|es|it|nl|info)"
_EMAIL_OBF = re.compile(
    rf"(?<![\w.])([a-z0-9][a-z0-9_+-]*(?:{_DOT}[a-z0-9_+-]+)*){_AT}({_MAIL_DOMAINS}(?:{_DOT}[a-z0-9-]+)*?){_DOT}({_TLDS})(?![\w])",
    _I,
)
_KNOWN_MAIL = re.compile(
    r"^(?:gmail|googlemail|hotmail|outlook|live|yahoo|ymail|icloud|aol|protonmail|proton|gmx|btinternet|sky|"
    r"virginmedia|talktalk|mail|msn|comcast|verizon|me|mac)$",
    _I,
)
_NOT_LOCAL = _words(
    "i im me you u we they he she it home school work the a an look looking meet meeting see seeing be is are "
    "was were am arrive arrived arriving stay staying there here"
)


def _find_emails(text: str) -> list[PiiSpan]:
    spans = [PiiSpan("email", m.start(), m.end(), m.group(), m.group().lower()) for m in _EMAIL.finditer(text)]
    for m in _EMAIL_OBF.finditer(text):
        if "@" in m.group():
            continue
        local, domain, tld = m.group(1), m.group(2), m.group(3)
        if local.lower() in _NOT_LOCAL:
            continue
        first_label = re.split(r"\s*(?:\.|\bdot\b|\[dot\]|\(dot\))\s*", domain, flags=_I)[0]
        # " at " is ordinary English: demand a known mail provider or a handle-like local part.
        spoken_at = not re.search(r"[\[(<{]\s*at|\(@\)", m.group(), _I)
        if spoken_at and not _KNOWN_MAIL.match(first_label) and not re.search(r"[\d._]", local):
            continue
        norm_tld = re.sub(r"\s*(?:\.|\bdot\b|\[dot\]|\(dot\))\s*", ".", tld, flags=_I).lower()
        norm_dom = re.sub(r"\s*(?:\.|\bdot\b|\[dot\]|\(dot\))\s*", ".", domain, flags=_I).lower()
        norm_local = re.sub(r"\s*(?:\bdot\b|\[dot\]|\(dot\))\s*", ".", local, flags=_I).lower()
        spans.append(PiiSpan("email", m.start(), m.end(), m.group(), f"{norm_local}@{norm_dom}.{norm_tld}"))
    return spans


# ---------------------------------------------------------------- street address

_STREET_TYPES = (
    r"street|st|road|rd|avenue|ave|av|lane|ln|drive|dr|close|cl|way|court|ct|crescent|cres|place|pl|terrace|"
    r"tce|gardens|gdns|grove|gr|boulevard|blvd|square|sq|mews|row|walk|parade|highway|hwy|circle|cir|trail|"
    r"trl|view|rise|hill|green|park|parkway|pkwy|place|estate|end|gate|wharf|vale|meadows?|heights|fields?"
)
_NAME_STOP = _words(
    "a an the and or of in on at to for with my your his her our their this that these those more less than "
    "times goals points years year days day hours hour mins minutes weeks months pounds quid dollars bucks pm am "
    "is are was were be been i im me you u we they it its got have had has get do did done and but so just very "
    "really new old big small other best first last next only same every each all some many few"
)
_STREET = re.compile(
    rf"(?<![\w£$€.:/-])(\d{{1,5}}[a-z]?)\s*,?\s+((?:[a-z][a-z'\u2019.-]*\s+){{1,3}}?)({_STREET_TYPES})\b\.?",
    _I,
)
_POSTCODE = re.compile(r"(?<![\w])(?:[A-Z]{1,2}\d[A-Z\d]?|[A-Z]{1,2}\d{1,2})\s?\d[ABD-HJLNP-UW-Z]{2}(?![\w])", _I)
_US_STATES = (
    "Alabama|Alaska|Arizona|Arkansas|California|Colorado|Connecticut|Delaware|Florida|Georgia|Hawaii|Idaho|"
    "Illinois|Indiana|Iowa|Kansas|Kentucky|Louisiana|Maine|Maryland|Massachusetts|Michigan|Minnesota|Mississippi|"
    "Missouri|Montana|Nebraska|Nevada|New Hampshire|New Jersey|New Mexico|New York|North Carolina|North Dakota|"
    "Ohio|Oklahoma|Oregon|Pennsylvania|Rhode Island|South Carolina|South Dakota|Tennessee|Texas|Utah|Vermont|"
    "Virginia|Washington|West Virginia|Wisconsin|Wyoming"
)
_US_ABBR = (
    "AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|NM|NY|NC|ND|OH|OK|"
    "OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY"
)
_ZIP = re.compile(
    rf"(?:\b(?i:{_US_STATES})|\b(?:{_US_ABBR}))\.?\s*,?\s+\d{{5}}(?:-\d{{4}})?(?!\d)",
)


_PLACE_WORD_TYPES = frozenset({"end", "green", "park", "hill", "view", "gate", "fields", "field"})


def _find_addresses(text: str) -> list[PiiSpan]:
    spans: list[PiiSpan] = []
    for m in _STREET.finditer(text):
        words = m.group(2).split()
        if not words or any(w.lower().strip(".'\u2019") in _NAME_STOP for w in words):
            continue
        stype = m.group(3).lower()
        # Ambiguous short types ("st" = saint, "dr" = doctor, "pl", "gr", "cl") need the type to end the phrase.
        if stype in {"st", "dr", "pl", "gr", "cl"} | _PLACE_WORD_TYPES:
            after = text[m.end() : m.end() + 2]
            if after[:1].isalpha() or (after[:1] == " " and after[1:2].isupper() and stype in {"st", "dr"}):
                continue
            if stype in _PLACE_WORD_TYPES and not words[0][0].isupper():
                continue  # "5 more park" is not an address; "12 Mill Hill" is
        spans.append(PiiSpan("street_address", m.start(), m.end(), m.group()))
    for m in _POSTCODE.finditer(text):
        raw = m.group()
        # Lower-case chat postcodes are fine, but demand the canonical shape: letters, digit(s), space optional.
        compact = raw.replace(" ", "").upper()
        if len(compact) < 5 or not re.search(r"\d[A-Z]{2}$", compact):
            continue
        spans.append(PiiSpan("street_address", m.start(), m.end(), raw, compact[:-3] + " " + compact[-3:]))
    for m in _ZIP.finditer(text):
        spans.append(PiiSpan("street_address", m.start(), m.end(), m.group()))
    return spans


# ---------------------------------------------------------------- school

_SCHOOL_TYPE = (
    r"(?:primary|middle|high|elementary|secondary|junior|senior|grammar|infant|infants|prep|preparatory|"
    r"community|catholic|c\.?\s?of\s?e\.?|academy|college)"
)
_NOT_STREET = r"(?!\s+(?i:street|st|road|rd|lane|ln|avenue|ave|way|drive|close|park|school\s+musical|musical)\b)"
_SCHOOL_NAMED = re.compile(
    rf"(?<![\w])((?:(?:St\.?|Saint|Mount|Mt\.?|[A-Z][\w'\u2019.-]*)\s+){{1,4}})(?i:{_SCHOOL_TYPE})"
    rf"(?:\s+(?i:school))?\b{_NOT_STREET}"
    rf"|(?<![\w])((?:(?:St\.?|Saint|[A-Z][\w'\u2019.-]*)\s+){{1,4}})(?i:school|academy)\b{_NOT_STREET}",
)
_SCHOOL_INTRO = re.compile(
    r"(?:\bi\s+(?:go|goes|went|walk)\s+to|\bi\s*['\u2019]?\s*m\s+(?:at|in\s+year\s+\d+\s+at)|\bi\s+am\s+at|"
    r"\b(?:i|we)\s+(?:attend|study\s+at)|\bmy\s+school\s+is(?:\s+called)?|\bmy\s+school\s*[:=-]|"
    r"\bschool\s+(?:is\s+)?called)\s+((?:the\s+)?[a-z][\w'\u2019.-]*(?:\s+[a-z][\w'\u2019.-]*){0,4})",
    _I,
)
_SCHOOL_WORD = re.compile(rf"\b(?:{_SCHOOL_TYPE}|school){_NOT_STREET}\b", _I)
_SCHOOL_BAD_NAME = _words(
    "the my your our a an this that in at high middle primary school to and i im we you they he she it his her "
    "their best worst big new old first last next secondary junior senior elementary grammar same local other "
    "boring fun good bad great ok okay closed shut far near close strict rubbish crap annoying hard easy cool "
    "nice awful so really very not kinda literally actually full over out off done finished on like huge tiny "
    "small weird mid alright fine terrible strict too way literally lit sick dead the worst stupid dumb"
)
_STOP_AFTER = _words("and but lol its it's it in so which if because cuz near by on at lmao haha")


def _school_name_ok(cand: str) -> bool:
    words = cand.split()
    if not words or words[0].lower() in _SCHOOL_BAD_NAME - {"the"}:
        return False
    if re.fullmatch(rf"(?:the\s+)?{_SCHOOL_TYPE}?\s*school", cand, _I):
        return False  # "i go to high school", "i'm at school"
    return not re.match(r"(?:the\s+)?(?:same|a|an|my|your|this|that|big|local|new|old|other)\b", cand, _I)


def _find_schools(text: str) -> list[PiiSpan]:
    spans: list[PiiSpan] = []
    for m in _SCHOOL_NAMED.finditer(text):
        name = (m.group(1) or m.group(2) or "").split()
        if name and name[0].lower() not in _SCHOOL_BAD_NAME:
            spans.append(PiiSpan("school", m.start(), m.end(), m.group()))
    for m in _SCHOOL_INTRO.finditer(text):
        phrase, start = m.group(1), m.start(1)
        type_words = list(_SCHOOL_WORD.finditer(phrase))
        if type_words:  # "i go to lincoln middle school": keep up to the school-type word
            end = start + type_words[-1].end()
            tail = re.match(r"\s+school\b", text[end:], _I)
            if tail:
                end += tail.end()
        elif re.search(r"my\s+school|called", m.group(), _I):  # "my school is oakfield": the name itself
            keep: list[str] = []
            for w in phrase.split():
                if w.lower().strip(".,!?") in _STOP_AFTER:
                    break
                keep.append(w)
            if not keep:
                continue
            adjective = re.search(r"(?:ing|ed|ly|ful|ous|ive|able|ible|ish)$", keep[0], _I)
            if adjective and "called" not in m.group().lower():
                continue  # "my school is boring / closed / massive"
            end = start + phrase.find(keep[-1]) + len(keep[-1])
        else:
            continue
        cand = text[start:end].rstrip(".,!?")
        if _school_name_ok(cand):
            spans.append(PiiSpan("school", start, start + len(cand), cand))
    return spans


# ---------------------------------------------------------------- social handles

_PLATFORMS = (
    r"snap(?:chat)?|sc|insta(?:gram)?|ig|tik\s?tok|tt|discord|kik|telegram|tele|whats\s?app|wa|signal|twitter|"
    r"x|threads|facebook|fb|messenger|roblox|fortnite|epic|psn|xbox|gamertag|steam|twitch|youtube|yt|reddit|"
    r"bereal|yubo|wink|omegle|skype|line|wechat|viber|session|username|user\s?name|user|handle"
)
_HANDLE = r"@?([a-z0-9_][a-z0-9_.]{1,30}(?:#\d{4})?)"
_HANDLE_STOP = _words(
    "is private public broken down dead gone banned deleted hacked not the a an same new old locked blocked "
    "my your on off and or but lol it its what why how there here so just also too me you u bc cuz because "
    "and was got getting still kinda really very called"
)
_MY_HANDLE = re.compile(
    rf"\bmy\s+(?:{_PLATFORMS})\b(?:\s+(?:name|id|account|acc|handle|tag|user(?:name)?|@))?\s*(?:is|=|:|-|'s|\u2019s)?\s*{_HANDLE}",
    _I,
)
_ADD_ME = re.compile(
    rf"\b(?:add|follow|dm|message|msg|find|hit)\s+me\s+(?:up\s+)?(?:on|at|in)\s+(?:{_PLATFORMS})\b(?:\s*(?:[:=-]|,|\s)\s*{_HANDLE})?",
    _I,
)
_PLATFORM_COLON = re.compile(rf"\b(?:{_PLATFORMS})\b\s*(?:[:=]|-)\s*{_HANDLE}", _I)
_AT_HANDLE = re.compile(r"(?<![\w.@/])@([a-z0-9_](?:[a-z0-9_.]{0,28}[a-z0-9_])?)(?![\w@])", _I)


def _ok_handle(h: str | None) -> bool:
    return bool(h) and h.lower().strip(".") not in _HANDLE_STOP and not re.fullmatch(r"\d{1,2}", h or "")  # type: ignore[union-attr]


def _find_handles(text: str) -> list[PiiSpan]:
    spans: list[PiiSpan] = []
    for m in _MY_HANDLE.finditer(text):
        if _ok_handle(m.group(1)):
            spans.append(PiiSpan("social_handle", m.start(), m.end(), m.group(), m.group(1).lstrip("@")))
    for m in _ADD_ME.finditer(text):
        handle = m.group(1)
        if handle and not _ok_handle(handle):  # "add me on snap lol": keep "add me on snap"
            seg = text[m.start() : m.start(1)].rstrip(" :=-,@")
            spans.append(PiiSpan("social_handle", m.start(), m.start() + len(seg), seg))
            continue
        spans.append(PiiSpan("social_handle", m.start(), m.end(), m.group(), handle.lstrip("@") if handle else None))
    for m in _PLATFORM_COLON.finditer(text):
        if _ok_handle(m.group(1)):
            spans.append(PiiSpan("social_handle", m.start(), m.end(), m.group(), m.group(1).lstrip("@")))
    for m in _AT_HANDLE.finditer(text):
        if re.fullmatch(r"\d+", m.group(1)):
            continue  # "@12" is a time or a price, not a handle
        spans.append(PiiSpan("social_handle", m.start(), m.end(), m.group(), m.group(1)))
    return spans


# ---------------------------------------------------------------- live location

_PUBLIC_PLACES = (
    r"park|skate\s?park|playground|mall|shopping\s+cent(?:re|er)|station|train\s+station|bus\s+station|bus\s+stop|"
    r"library|cinema|movies|beach|pool|swimming\s+pool|leisure\s+cent(?:re|er)|rec\s+cent(?:re|er)|arcade|"
    r"high\s+street|town\s+cent(?:re|er)|shops|corner\s+shop|mcdonalds|mcdonald's|maccies|kfc|starbucks|subway|"
    r"costa|greggs|tesco|asda|walmart|target|field|fields|woods|rec|car\s+park|parking\s+lot|canal|river|lake|"
    r"market|bowling\s+alley|ice\s+rink|youth\s+club"
)
_NOT_LIVE = (
    r"(?:school|skool|home|work|practice|training|church|mosque|temple|class|"
    r"my\s+(?:mum|mom|dad|nan|gran|nans|grans|mums|moms|dads|aunt|aunts|uncle|friend|friends|cousin|cousins)"
    r"['\u2019]?s?(?:\s+house)?|the\s+moment|a\s+loss|it|least|most|all|risk|fault|peace)"
)
_NOT_PLACE = (
    r"year|years|yr|class|set|bed|love|trouble|fortnite|minecraft|roblox|discord|game|lesson|maths|math|english|"
    r"science|french|spanish|history|art|pe|a|an|i|the\s+(?:car|bath|shower|middle|same)|my|your|our|their|his|her|"
    r"lol|omg|this|that|there|here|no|not|it|mine|team|group|chat|call"
)
_I_AM = r"(?:i\s*['\u2019]?\s*m|i\s+am|we\s*['\u2019]?\s*re|we\s+are)"
_NOT_ASKED = r"(?<!are u )(?<!are you )(?<!r u )(?<!r you )(?<!ur )(?<!you're )(?<!youre )"  # "are u home alone?"
_LIVE = [
    re.compile(
        r"\bi\s+(?:live|stay|living)\s+(?:in|near|on|at|by|next\s+to|opposite|round\s+the\s+corner\s+from)"
        r"\s+[^.!?\n,]{2,60}",
        _I,
    ),
    re.compile(r"\bi\s*['\u2019]?\s*m\s+(?:from|living\s+in)\s+[A-Z][^.!?\n,]{1,40}"),
    re.compile(r"\bmy\s+(?:home\s+)?address\s+is\b[^.!?\n]{0,80}", _I),
    re.compile(
        r"\bmy\s+(?:house|home|flat|apartment|place)\s+(?:is\s+)?(?:on|in|near|at|by|next\s+to|opposite)"
        r"\s+[^.!?\n,]{2,60}",
        _I,
    ),
    re.compile(
        rf"\b{_I_AM}\s+(?:at|outside|near|by|in)\s+(?:the\s+)?(?:{_PUBLIC_PLACES})\b"
        r"(?:\s+(?:on|in|at|near|by)\s+[A-Za-z][\w'\u2019 ]{1,30})?",
        _I,
    ),
    # "i'm at Tesco", "we're outside Westfield": a capitalised place name (case matters here)
    re.compile(
        rf"\b(?i:{_I_AM})\s+(?i:at|outside|near|by|in)\s+(?!(?i:{_NOT_LIVE}|{_NOT_PLACE})\b)"
        r"(?:the\s+)?(?:[A-Z][\w'\u2019]*)(?:\s+[A-Z][\w'\u2019]*){0,3}"
    ),
    re.compile(
        rf"{_NOT_ASKED}\bhome\s+alone\b"
        r"|\b(?:i\s*['\u2019]?\s*m|i\s+am)\s+(?:all\s+)?(?:alone|on\s+my\s+own|by\s+myself)"
        r"\s+(?:at\s+home|in\s+the\s+house|rn|right\s+now|tonight|till|until)\b"
        r"|\bno\s*(?:one|body)\s*(?:['\u2019]s|is)\s+(?:home|in|here)\b"
        r"|\bmy\s+(?:mum|mom|dad|parents|mam)\s+(?:is|are|r)\s+(?:out|away|at\s+work|not\s+home)\b",
        _I,
    ),
    re.compile(
        r"\b(?:https?://)?(?:www\.)?(?:google\.[a-z.]+/maps|maps\.google\.[a-z.]+|goo\.gl/maps|maps\.app\.goo\.gl|"
        r"maps\.apple\.com|what3words\.com|w3w\.co)/?[^\s]*",
        _I,
    ),
    re.compile(r"(?<![\w/])///[a-z]+\.[a-z]+\.[a-z]+\b", _I),
    re.compile(r"(?<![\d.])-?\d{1,2}\.\d{3,}\s*,\s*-?\d{1,3}\.\d{3,}(?![\d.])"),
]


def _find_live(text: str) -> list[PiiSpan]:
    spans: list[PiiSpan] = []
    for pat in _LIVE:
        for m in pat.finditer(text):
            frag = m.group().rstrip(" ")
            spans.append(PiiSpan("live_location", m.start(), m.start() + len(frag), frag))
    return spans


# ---------------------------------------------------------------- age

_UNITS = (
    r"(?:min|mins|minute|minutes|hr|hrs|hour|hours|sec|secs|seconds|day|days|week|weeks|month|months|"
    r"pound|pounds|quid|p|dollars?|bucks|euros?|cents?|%|percent|per\s*cent|km|k|miles?|m|metres?|meters?|"
    r"foot|feet|ft|inch|inches|cm|kg|kilos?|lbs?|stone|points?|pts|goals?|levels?|wins?|kills?|times?|x|"
    r"out\s+of|of|/|:|-|\.\d|th|st|nd|rd|in\s+line|on\s+the\s+list|followers|likes|am|pm|o'?clock|"
    r"away|behind|ahead|late|early)"
)
_AGE_PATTERNS = [
    # "12 years old", "12 yrs old", "12yo", "12 y/o", "12 y.o."
    re.compile(
        r"(?<![\w.£$€:/-])(\d{1,2})\s*(?:years?|yrs?|yr)\s*(?:old|of\s+age)\b"
        r"|(?<![\w.£$€:/-])(\d{1,2})\s*(?:yo|y/o|y\.o\.?|yrs?\s*old)(?![\w/])",
        _I,
    ),
    # "age 12", "aged 12", "age: 12"
    re.compile(r"\bage[ds]?\s*(?:is\s*)?[:=-]?\s*(\d{1,2})\b(?!\s*[-:/.]\d)", _I),
    # "im 12", "i'm 12", "i am 12", "im turning 13", "i just turned 12"
    re.compile(
        rf"\b(?:{_IM}\s+(?:only\s+|just\s+|nearly\s+|almost\s+|turning\s+|gonna\s+be\s+)?|i\s+(?:just\s+)?turned\s+)"
        rf"(\d{{1,2}})\b(?!\s*{_UNITS}\b)(?![\d'\u2019\"/.:%-])",
        _I,
    ),
    # "i'm twelve", "i am thirteen"
    re.compile(
        rf"\b(?:{_IM}\s+(?:only\s+|just\s+|nearly\s+|almost\s+|turning\s+)?|i\s+(?:just\s+)?turned\s+)"
        rf"({'|'.join(_AGE_WORDS)})\b(?!\s*{_UNITS}\b)",
        _I,
    ),
    # "my age is 12"
    re.compile(r"\bmy\s+age\s+is\s+(\d{1,2})\b", _I),
]


def _find_ages(text: str) -> list[PiiSpan]:
    spans: list[PiiSpan] = []
    for pat in _AGE_PATTERNS:
        for m in pat.finditer(text):
            raw = next(g for g in m.groups() if g)
            age = int(raw) if raw.isdigit() else _AGE_WORDS[raw.lower()]
            if not 5 <= age <= 99:
                continue
            spans.append(PiiSpan("age", m.start(), m.end(), m.group(), str(age)))
    return spans


# ---------------------------------------------------------------- full name

_NAME_WORD = r"[A-Za-z][a-z'\u2019-]+"
_FULL_NAME = re.compile(
    rf"\b(?:my\s+(?:full\s+|real\s+|whole\s+)?name\s*(?:is|['\u2019]s|=|:)|(?:i\s*['\u2019]?\s*m|i\s+am)\s+called|"
    rf"call\s+me\s+by\s+my\s+(?:full|real)\s+name,?)\s+((?:{_NAME_WORD})(?:\s+{_NAME_WORD}){{0,3}})",
    _I,
)
_NOT_NAME = _words(
    "and but lol lmao im i'm i am so because cuz though tho btw haha hehe by the way what whats it its is was if "
    "not just also too and ok okay x xx xxx btw rn your u you ur whats."
)


def _find_names(text: str) -> list[PiiSpan]:
    spans: list[PiiSpan] = []
    for m in _FULL_NAME.finditer(text):
        words = m.group(1).split()
        keep: list[str] = []
        for w in words:
            if w.lower() in _NOT_NAME:
                break
            keep.append(w)
        explicit_full = re.search(r"\b(?:full|real|whole)\s+name", m.group(), _I) is not None
        if len(keep) >= 2 or (explicit_full and keep):
            start = m.start(1)
            end = start + len(" ".join(keep))
            if text[start:end] != " ".join(keep):  # irregular spacing: recompute from the words themselves
                end = start + m.group(1).find(keep[-1]) + len(keep[-1])
            spans.append(PiiSpan("full_name", start, end, text[start:end]))
    return spans


# ---------------------------------------------------------------- public API


def _dedupe(spans: Iterable[PiiSpan]) -> list[PiiSpan]:
    """Merge overlapping spans of the same kind into their union (``text`` is refilled by the caller); sort."""
    ordered = sorted(set(spans), key=lambda s: (s.start, -(s.end - s.start), s.kind))
    out: list[PiiSpan] = []
    for s in ordered:
        for i, o in enumerate(out):
            if o.kind == s.kind and s.start < o.end and o.start < s.end:  # overlap: keep the union
                if s.end > o.end:
                    out[i] = PiiSpan(o.kind, o.start, s.end, "", o.value or s.value)
                break
        else:
            out.append(s)
    return out


_AGE_WORD = re.compile("|".join(_AGE_WORDS))
_SCHOOL_GATE = re.compile(
    r"school|academy|college|primary|middle|high|elementary|secondary|junior|senior|grammar|infant|prep|"
    r"community|catholic|c\.?\s?of\s?e"
)
_LIVE_GATE = re.compile(
    r"live|living|stay|address|house|home|flat|apartment|place|alone|my own|myself|nobody|no one|noone|"
    r"i\s*['\u2019]?\s*m|i am|we\s*['\u2019]?\s*re|we are|from|mum|mom|dad|parents|mam|maps|goo\.gl|what3words|"
    r"w3w|///|\d\.\d"
)


def find_pii(text: str, *, region: str = "GB") -> list[PiiSpan]:
    """All personal-information spans in ``text``, sorted by start offset (offsets into ``text`` as given).

    ``region`` is the ISO 3166 region used to read national phone numbers (GB and US are always tried too).
    Spans of different kinds may overlap ("my address is 42 Oak Street" is ``live_location`` and
    ``street_address``); a span of one kind never sits inside another span of the same kind.
    """
    if not isinstance(text, str):
        raise TypeError("text must be str")
    if not text:
        return []
    text = text[:MAX_CHARS]
    spans: list[PiiSpan] = []
    digits = sum(c.isdigit() for c in text)
    if digits >= 7 or (_SPELLED_DIGIT.search(text) and len(_SPELLED_DIGIT.findall(text)) >= 10):
        spans += _find_phones(text, region)  # a phone number has at least 7 digits: skip the costly matcher
    # Each finder runs only when a word it needs is present (cheap substring tests on a lower-cased copy used
    # for nothing else, so offsets stay those of ``text``).
    low = text.lower()
    if digits or "age" in low or _AGE_WORD.search(low):
        spans += _find_ages(text)
    if digits:
        spans += _find_addresses(text)
    if "@" in text or "at" in low:
        spans += _find_emails(text)
    if _SCHOOL_GATE.search(low):
        spans += _find_schools(text)
    if "@" in text or "my" in low or "me" in low or ":" in text or "=" in text or "-" in text:
        spans += _find_handles(text)
    if _LIVE_GATE.search(low):
        spans += _find_live(text)
    if "name" in low or "called" in low:
        spans += _find_names(text)
    # An e-mail's "@domain" is not a handle; a phone number is not an age or a street number.
    emails = [s for s in spans if s.kind == "email"]
    phones = [s for s in spans if s.kind == "phone"]
    spans = [
        s
        for s in spans
        if not (s.kind == "social_handle" and any(e.start <= s.start < e.end for e in emails))
        and not (s.kind in {"age", "street_address"} and any(p.start <= s.start < p.end for p in phones))
    ]
    return [PiiSpan(s.kind, s.start, s.end, text[s.start : s.end], s.value) for s in _dedupe(spans)]


def redact(text: str, spans: Sequence[PiiSpan]) -> str:
    """``text`` with every span replaced by ``[kind]``; overlapping spans merge into one (first kind wins)."""
    if not spans:
        return text
    ordered = sorted(spans, key=lambda s: (s.start, -(s.end - s.start)))
    out: list[str] = []
    pos = 0
    cur_start, cur_end, cur_kind = ordered[0].start, ordered[0].end, ordered[0].kind
    merged: list[tuple[int, int, str]] = []
    for s in ordered[1:]:
        if s.start < cur_end:
            cur_end = max(cur_end, s.end)
        else:
            merged.append((cur_start, cur_end, cur_kind))
            cur_start, cur_end, cur_kind = s.start, s.end, s.kind
    merged.append((cur_start, cur_end, cur_kind))
    for start, end, kind in merged:
        start, end = max(start, pos), min(end, len(text))
        if start >= end:
            continue
        out.append(text[pos:start])
        out.append(f"[{kind}]")
        pos = end
    out.append(text[pos:])
    return "".join(out)


# What the child is about to share, in a child's words, and why it matters.
_WHAT = {
    "phone": "your phone number",
    "email": "your email address",
    "street_address": "your address",
    "school": "the name of your school",
    "social_handle": "your username on another app",
    "live_location": "where you are or where you live",
    "age": "how old you are",
    "full_name": "your full name",
}
WARNINGS: dict[str, str] = {
    "phone": "This message has your phone number in it. People you don't know in real life could use it to "
    "find you. Are you sure you want to send it?",
    "email": "This message has your email address in it. People you don't know in real life could use it to "
    "contact you. Are you sure you want to send it?",
    "street_address": "This message has your address in it. People you don't know in real life could use it to "
    "find your home. Are you sure you want to send it?",
    "school": "This message says which school you go to. People you don't know in real life could use it to "
    "find you. Are you sure you want to send it?",
    "social_handle": "This message has your username on another app in it. Someone could use it to talk to you "
    "where nobody can help keep you safe. Are you sure you want to send it?",
    "live_location": "This message says where you are or where you live. People you don't know in real life "
    "could use it to find you. Are you sure you want to send it?",
    "age": "This message says how old you are. Some people online pretend to be someone they are not. "
    "Are you sure you want to send it?",
    "full_name": "This message has your full name in it. People you don't know in real life could use it to "
    "find you. Are you sure you want to send it?",
}
"""One short, plain sentence per kind, shown to a child before sending."""


def warning_for_child(spans: Sequence[PiiSpan]) -> str | None:
    """The sentence a child sees before sending, or None when there is nothing personal in the message.

    One kind → that kind's sentence from :data:`WARNINGS`; several → one sentence naming them all.
    """
    kinds = [k for k in KINDS if any(s.kind == k for s in spans)]
    if not kinds:
        return None
    if len(kinds) == 1:
        return WARNINGS[kinds[0]]
    things = [_WHAT[k] for k in kinds]
    listed = ", ".join(things[:-1]) + " and " + things[-1]
    return (
        f"This message has {listed} in it. People you don't know in real life could use them to find you. "
        "Are you sure you want to send it?"
    )
