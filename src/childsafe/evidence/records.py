"""The shapes of preserved account data, checked before sealing so a CyberTip built from them later
has what NCMEC needs (identifiers, IP capture events with times, the complete message thread)."""

from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    IPvAnyAddress,
    StringConstraints,
    ValidationError,
    model_validator,
)

from childsafe.errors import InvalidInput
from childsafe.inputs import Input

Text200 = Annotated[str, StringConstraints(min_length=1, max_length=200)]
RecordKind = Literal["account", "ip_events", "login_events", "message_thread", "other_record"]
RECORD_KINDS: tuple[str, ...] = RecordKind.__args__
MEDIA_KIND = "media"


class Account(Input):
    model_config = ConfigDict(extra="allow")  # platforms hold more (phone, date of birth, payment ids)

    user_id: Text200 | None = None
    screen_name: Text200 | None = None
    email: Annotated[str, StringConstraints(max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")] | None = None
    display_name: Text200 | None = None
    created_at: AwareDatetime | None = None

    @model_validator(mode="after")
    def _identified(self) -> "Account":
        if not (self.user_id or self.screen_name or self.email):
            raise ValueError("an account record needs at least one of user_id, screen_name or email")
        return self


class IpEvent(Input):
    ip: IPvAnyAddress
    at: AwareDatetime
    event: Annotated[str, StringConstraints(pattern=r"^[a-z_]{1,40}$")]  # login, upload, registration, ...
    port: Annotated[int, Field(ge=0, le=65535)] | None = None


class IpEvents(Input):
    events: Annotated[list[IpEvent], Field(min_length=1, max_length=10_000)]


class Message(Input):
    model_config = ConfigDict(extra="allow")

    from_: Annotated[Text200, Field(alias="from")]
    to: Text200 | list[Text200]
    at: AwareDatetime
    text: Annotated[str, StringConstraints(max_length=100_000)]


class MessageThread(Input):
    messages: Annotated[list[Message], Field(min_length=1, max_length=10_000)]


class OtherRecord(Input):
    model_config = ConfigDict(extra="allow")


# Sealed by the referral capabilities themselves (a CyberTip's assembled content: reported person,
# IP events, recipients, victims), never accepted from the platform through the API.
REFERRAL_CONTENT = "referral_content"
_SHAPES: dict[str, type[BaseModel]] = {"account": Account, "ip_events": IpEvents, "login_events": IpEvents,
                                       "message_thread": MessageThread, "other_record": OtherRecord,
                                       REFERRAL_CONTENT: OtherRecord}


def checked(kind: str, record: Any) -> dict[str, Any]:
    """The record in canonical JSON form, or InvalidInput naming the first wrong field."""
    shape = _SHAPES.get(kind)
    if shape is None:
        raise InvalidInput(f"kind must be one of {', '.join(RECORD_KINDS)}", field="kind")
    if not isinstance(record, dict) or not record:
        raise InvalidInput("the record must be a non-empty JSON object", field="record")
    try:
        model = shape.model_validate(record)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in ("record", *err["loc"]))
        message = str(err["msg"]).removeprefix("Value error, ")
        raise InvalidInput(f"{where}: {message}", field=where) from None
    return model.model_dump(mode="json", by_alias=True, exclude_none=True)
