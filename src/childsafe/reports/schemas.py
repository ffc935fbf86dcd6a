"""What a report may contain. Unknown fields are refused and every string is bounded."""

import re
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, AwareDatetime, Field, StringConstraints, model_validator

from childsafe.inputs import Input
from childsafe.vocabulary import AgeBand, RiskCategory
from childsafe.vocabulary.reasons import REASON_CODES, reason_by_code


class Channel(StrEnum):
    IN_APP = "in_app"
    WEB = "web"
    EMAIL = "email"
    API = "api"
    TRUSTED_FLAGGER = "trusted_flagger"
    AUTHORITY = "authority"
    HOTLINE = "hotline"


class ReporterRole(StrEnum):
    SELF = "self"
    VICTIM = "victim"
    BYSTANDER = "bystander"
    PARENT_GUARDIAN = "parent_guardian"
    TRUSTED_FLAGGER = "trusted_flagger"
    AUTHORITY = "authority"


class SubjectType(StrEnum):
    CONTENT = "content"
    ACCOUNT = "account"
    MESSAGE_THREAD = "message_thread"
    LIVE_STREAM = "live_stream"


class ContentType(StrEnum):
    TEXT = "text"
    IMAGE = "image"
    VIDEO = "video"
    AUDIO = "audio"
    SYNTHETIC_MEDIA = "synthetic_media"
    APP = "app"
    PRODUCT = "product"
    OTHER = "other"


_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")


def _url(value: str) -> str:
    if not _URL.match(value):
        raise ValueError("must be an http(s) URL")
    return value


def _email(value: str) -> str:
    if not _EMAIL.match(value):
        raise ValueError("must be an e-mail address")
    return value


def _utc(value: datetime) -> datetime:
    try:
        return value.astimezone(UTC)
    except OverflowError:  # e.g. 0001-01-01T00:00:00+05:00
        raise ValueError("is out of range") from None


Id = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]
Url = Annotated[str, StringConstraints(max_length=2000), AfterValidator(_url)]
Email = Annotated[str, StringConstraints(max_length=254), AfterValidator(_email)]
ShortText = Annotated[str, StringConstraints(max_length=200)]
LongText = Annotated[str, StringConstraints(max_length=5000)]
Country = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
UtcDateTime = Annotated[AwareDatetime, AfterValidator(_utc)]  # stored as UTC; naive times are refused


class Strict(Input):
    pass


class ReporterIn(Strict):
    anonymous: bool = False
    platform_user_id: Id | None = None
    name: ShortText | None = None
    email: Email | None = None
    age_band: AgeBand = AgeBand.UNKNOWN
    role: ReporterRole = ReporterRole.BYSTANDER

    @model_validator(mode="after")
    def _anonymous_means_anonymous(self) -> "ReporterIn":
        if self.anonymous and (self.platform_user_id or self.name or self.email):
            raise ValueError("an anonymous reporter cannot carry platform_user_id, name or email")
        return self


class MessageIn(Strict):
    sender_id: Id
    sent_at: UtcDateTime | None = None
    text: Annotated[str, StringConstraints(max_length=4000)]
    reported: bool = False


class SubjectIn(Strict):
    type: SubjectType
    platform_id: Id
    account_id: Id | None = None
    url: Url | None = None
    content_type: ContentType | None = None
    created_at: UtcDateTime | None = None
    age_band: AgeBand = AgeBand.UNKNOWN  # of the account that posted it; unknown is treated as a child
    messages: Annotated[list[MessageIn], Field(max_length=50)] = []


class DsaNoticeIn(Strict):
    """DSA Art. 16(2) notice of illegal content. Not needed for terms-of-service reports."""

    legal_basis: Literal["terms", "illegal_content"] = "terms"
    explanation: LongText | None = None
    exact_location: Url | None = None
    good_faith: bool = False
    jurisdiction: Country | None = None


class ReportIn(Strict):
    channel: Channel
    reporter: ReporterIn = ReporterIn(anonymous=True)
    subject: SubjectIn
    reason: Annotated[str, Field(max_length=60, json_schema_extra={"enum": list(REASON_CODES)})]
    category: RiskCategory | None = None  # trusted flaggers may name the category precisely
    imminent_risk: bool = False
    free_text: LongText | None = None
    notice: DsaNoticeIn | None = None
    wants_updates: bool = False

    @model_validator(mode="after")
    def _law_and_reason(self) -> "ReportIn":
        try:
            reason = reason_by_code(self.reason)
        except KeyError:
            known = "GET /v1/report-reasons"
            raise ValueError(f"reason {self.reason!r} is not one of the report reasons ({known})") from None
        category = self.category or reason.category
        notice = self.notice
        if notice and notice.legal_basis == "illegal_content" and category is not RiskCategory.CSAM:
            # DSA Art. 16(2)(a)-(d); Art. 16(2)(c) exempts child sexual abuse offences.
            missing = []
            if not (notice.explanation or "").strip():
                missing.append("notice.explanation")
            if not (notice.exact_location or self.subject.url):
                missing.append("notice.exact_location")
            if not notice.good_faith:
                missing.append("notice.good_faith")
            if self.reporter.anonymous or not (
                self.reporter.platform_user_id or (self.reporter.name and self.reporter.email)
            ):
                missing.append("reporter (name and email, or platform_user_id)")
            if missing:
                raise ValueError("a notice of illegal content needs " + ", ".join(missing) +
                                 " (DSA Art. 16(2)); reports of child sexual abuse material need none of these")
        if self.channel in (Channel.TRUSTED_FLAGGER, Channel.AUTHORITY) and self.reporter.anonymous:
            raise ValueError("trusted flaggers and authorities must identify themselves (reporter)")
        return self

    @property
    def risk_category(self) -> RiskCategory:
        return self.category or reason_by_code(self.reason).category

    @property
    def is_imminent(self) -> bool:
        return self.imminent_risk or reason_by_code(self.reason).imminent_risk

    @property
    def trusted(self) -> bool:
        return self.channel in (Channel.TRUSTED_FLAGGER, Channel.AUTHORITY, Channel.HOTLINE) or self.reporter.role in (
            ReporterRole.TRUSTED_FLAGGER, ReporterRole.AUTHORITY)
