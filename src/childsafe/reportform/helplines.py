"""The child helpline to show a reporter, by country; see data/SOURCE.md for where each entry comes from."""

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

_DATA = Path(__file__).parent / "data" / "helplines.json"
_COUNTRY = re.compile(r"^[A-Za-z]{2}$")


@dataclass(frozen=True)
class Helpline:
    name: str
    web: str | None
    number: str | None = None
    text: str | None = None
    chat: str | None = None
    hours: str | None = None
    free: bool = False
    emergency: str | None = None
    country: str | None = None  # None: the fallback directory, not a helpline of the reporter's country

    @property
    def tel(self) -> str | None:
        """The number as a tel: URI target (digits and a leading + only)."""
        return re.sub(r"[^\d+]", "", self.number) if self.number else None


@lru_cache(maxsize=1)
def _table() -> tuple[dict[str, Helpline], Helpline]:
    raw = json.loads(_DATA.read_text(encoding="utf-8"))
    fields = set(Helpline.__dataclass_fields__)
    countries = {code: Helpline(country=code, **{k: v for k, v in entry.items() if k in fields})
                 for code, entry in raw["countries"].items()}
    return countries, Helpline(**raw["fallback"])


def helpline_for(country: str | None) -> Helpline:
    """The helpline for an ISO 3166-1 alpha-2 code; unknown or missing countries get the directory, never a guess."""
    countries, fallback = _table()
    if country and _COUNTRY.match(country):
        return countries.get(country.upper(), fallback)
    return fallback


def countries() -> list[str]:
    return sorted(_table()[0])
