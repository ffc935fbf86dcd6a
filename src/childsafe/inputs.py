"""The base every request body inherits: unknown fields refused, NUL characters refused.

PostgreSQL cannot store NUL in text or jsonb while SQLite can; refusing it here keeps both
backends answering the same 422 instead of one storing what the other rejects.
"""

from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list | tuple):
        return any(_has_nul(v) for v in value)
    return False


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if _has_nul(value):
            raise ValueError("text must not contain NUL (\\u0000) characters")
        return value
