"""Client for the EU DSA Transparency Database API (statements of reasons, 2025 schema).

``POST /api/v1/statements`` takes ``{"statements": [...]}`` with 1 to 100 statements and answers
201 with each statement as created (``uuid``, ``id``, ``permalink``, ``self``, ``puid``). A batch holding
a puid the platform already used is refused whole with 422 and ``errors.existing_puids``; the
statement behind a puid is fetched with ``GET /api/v1/statement/existing-puid/{puid}``. Anything but
201 means nothing was stored (the documentation's words), except that an answer can be lost after
the TDB stored the batch: the puid check is what makes a retry safe.
"""

from dataclasses import dataclass
from typing import Any

import httpx

from childsafe.config import Settings

MAX_BATCH = 100
PRODUCTION_URL = "https://transparency.dsa.ec.europa.eu"


class TdbError(Exception):
    """The TDB could not be reached or answered with a server error: try again later."""


class TdbNotConfigured(TdbError):
    pass


class TdbAuthError(TdbError):
    """401/403: the token is wrong or the account may not create statements; retrying will not help."""


@dataclass(frozen=True)
class Receipt:
    puid: str
    uuid: str
    id: str | None
    permalink: str | None


@dataclass(frozen=True)
class BatchResult:
    created: list[Receipt]
    existing_puids: list[str]  # the batch was refused because these puids are already there
    invalid: dict[int, dict[str, list[str]]]  # index in the batch -> field -> messages (batch refused)
    message: str = ""


def base_url(settings: Settings) -> str:
    if settings.tdb_url:
        return settings.tdb_url.rstrip("/")
    if settings.tdb_environment == "production":
        return PRODUCTION_URL
    raise TdbNotConfigured("set tdb_url to the sandbox address your Digital Services Coordinator gave you")


def _receipt(body: dict[str, Any]) -> Receipt:
    return Receipt(puid=str(body["puid"]), uuid=str(body["uuid"]),
                   id=str(body["id"]) if body.get("id") is not None else None, permalink=body.get("permalink"))


class TdbClient:
    def __init__(self, settings: Settings, transport: httpx.BaseTransport | None = None) -> None:
        if not settings.tdb_token:
            raise TdbNotConfigured("tdb_token is not set")
        self._http = httpx.Client(base_url=base_url(settings), timeout=settings.tdb_timeout_seconds,
                                  transport=transport, headers={"Authorization": f"Bearer {settings.tdb_token}",
                                                                "Accept": "application/json"})

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "TdbClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise TdbError(f"TDB unreachable: {type(exc).__name__}") from exc
        if response.status_code in (401, 403):
            raise TdbAuthError(f"TDB refused the token ({response.status_code})")
        if response.status_code >= 500 or response.status_code == 429:
            raise TdbError(f"TDB answered {response.status_code}")
        return response

    def submit(self, statements: list[dict[str, Any]]) -> BatchResult:
        if not 1 <= len(statements) <= MAX_BATCH:
            raise ValueError(f"a batch holds 1 to {MAX_BATCH} statements")
        response = self._request("POST", "/api/v1/statements", json={"statements": statements})
        body = _json(response)
        if response.status_code == 201:
            return BatchResult([_receipt(s) for s in body.get("statements", [])], [], {})
        if response.status_code == 422:
            errors = body.get("errors") or {}
            if errors.get("existing_puids"):
                return BatchResult([], [str(p) for p in errors["existing_puids"]], {}, str(body.get("message", "")))
            invalid: dict[int, dict[str, list[str]]] = {}
            for key, messages in errors.items():
                parts = key.split(".")
                if len(parts) >= 3 and parts[0] == "statements" and parts[1].isdigit():
                    invalid.setdefault(int(parts[1]), {})[".".join(parts[2:])] = list(messages)
            if invalid:
                return BatchResult([], [], invalid, str(body.get("message", "")))
        raise TdbError(f"TDB answered {response.status_code}: {str(body.get('message', ''))[:200]}")

    def existing(self, puid: str) -> Receipt | None:
        """The statement already stored under a puid, or None."""
        response = self._request("GET", f"/api/v1/statement/existing-puid/{puid}")
        if response.status_code == 404:
            return None
        if response.status_code in (200, 302):
            return _receipt(_json(response))
        raise TdbError(f"TDB answered {response.status_code} looking up a puid")


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
