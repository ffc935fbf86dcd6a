"""The report form's questions, checked in plain words, and turned into the same ReportIn the API takes.

Children's reports go through ``childsafe.reports.submit`` like any other: same intake, same triage, same
reference numbers. The form only decides what to ask and how to say it.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from pydantic import ValidationError

from childsafe.reportform.tokens import Context
from childsafe.reports import ReporterIn, ReportIn, SubjectIn
from childsafe.reports.schemas import Channel, ReporterRole, SubjectType
from childsafe.vocabulary import REPORT_REASONS, AgeBand

FREE_TEXT_MAX = 5000
ABOUT_MAX = 200
_URL = re.compile(r"^https?://\S+$", re.IGNORECASE)

# (value, words a child reads, reporter role)
WHO = (("me", "To me", ReporterRole.VICTIM),
       ("someone_else", "To someone else", ReporterRole.BYSTANDER),
       ("parent", "I'm a parent or carer", ReporterRole.PARENT_GUARDIAN))
# (value, words a child reads); "unknown" is the safe default: every rule treats it as a child
AGES = (("6_9", "9 or younger"), ("10_12", "10 to 12"), ("13_15", "13 to 15"), ("16_17", "16 or 17"),
        ("adult", "18 or older"), ("unknown", "I don't want to say"))
_REASONS = {r.code for r in REPORT_REASONS}
_WHO = {value: role for value, _, role in WHO}
_AGES = {value for value, _ in AGES}
_BANDS = {band.value for band in AgeBand}


# Where each field's error message links to: the first choice of a group, as screen readers expect.
ANCHORS = {"reason": f"reason-{REPORT_REASONS[0].code}", "who": f"who-{WHO[0][0]}", "details": "details",
           "about": "about", "age": f"age-{AGES[0][0]}"}


@dataclass
class Answers:
    """What the reporter chose, kept as typed so a form with mistakes comes back filled in."""

    reason: str = ""
    who: str = ""
    details: str = ""
    about: str = ""
    age: str = ""
    anonymous: bool = False
    wants_updates: bool = False
    errors: dict[str, str] = field(default_factory=dict)  # field name -> message, in the order shown

    @property
    def error_links(self) -> list[tuple[str, str]]:
        return [(ANCHORS[name], message) for name, message in self.errors.items()]


def read(form: Mapping[str, str]) -> Answers:
    answers = Answers(reason=form.get("reason", "").strip(), who=form.get("who", "").strip(),
                      details=form.get("details", "").replace("\r\n", "\n").strip(),
                      about=form.get("about", "").strip(), age=form.get("age", "").strip(),
                      anonymous=form.get("anonymous") == "yes", wants_updates=form.get("wants_updates") == "yes")
    errors = answers.errors
    if not answers.reason:
        errors["reason"] = "Choose what happened."
    elif answers.reason not in _REASONS:
        errors["reason"] = "Choose one of the things on the list."
    if answers.who and answers.who not in _WHO:
        errors["who"] = "Choose one of the answers, or leave this out."
    if len(answers.details) > FREE_TEXT_MAX:
        errors["details"] = (f"This is too long. Please use {FREE_TEXT_MAX:,} letters or fewer "
                             f"(you used {len(answers.details):,}).")
    elif "\x00" in answers.details:
        errors["details"] = "This has a character we cannot read. Please type it again."
    if len(answers.about) > ABOUT_MAX:
        errors["about"] = f"This is too long. Please use {ABOUT_MAX} letters or fewer."
    elif "\x00" in answers.about:
        errors["about"] = "This has a character we cannot read. Please type it again."
    if answers.age and answers.age not in _AGES:
        errors["age"] = "Choose one of the answers, or leave this out."
    return answers


def age_band(context: Context, answers: Answers) -> AgeBand:
    """The platform's word first, then the reporter's; no answer means unknown, which counts as a child."""
    for value in (context.age, answers.age):
        if value and value in _BANDS:
            return AgeBand(value)
    return AgeBand.UNKNOWN


def _subject(context: Context, about: str, nonce: str) -> SubjectIn:
    if context.content_id:
        return SubjectIn(type=SubjectType.CONTENT, platform_id=context.content_id, account_id=context.account_id)
    if context.account_id:
        return SubjectIn(type=SubjectType.ACCOUNT, platform_id=context.account_id)
    if about and _URL.match(about):
        try:
            return SubjectIn(type=SubjectType.CONTENT, platform_id=about, url=about)
        except ValidationError:  # looks like a link but is not one the intake accepts: keep the words
            pass
    if about:
        return SubjectIn(type=SubjectType.ACCOUNT, platform_id=about)
    # Nothing to point at: the report stands alone as its own case rather than joining strangers' reports.
    return SubjectIn(type=SubjectType.CONTENT, platform_id=f"unspecified:{nonce}")


def to_report(context: Context, answers: Answers, nonce: str) -> ReportIn:
    """The report as the intake takes it. Without a signed user id the reporter is anonymous by necessity."""
    identified = bool(context.uid) and not answers.anonymous
    reporter = ReporterIn(anonymous=not identified, platform_user_id=context.uid if identified else None,
                          age_band=age_band(context, answers),
                          role=_WHO.get(answers.who, ReporterRole.BYSTANDER))
    return ReportIn(channel=Channel.WEB, reporter=reporter, subject=_subject(context, answers.about, nonce),
                    reason=answers.reason, free_text=answers.details or None,
                    wants_updates=identified and answers.wants_updates)
