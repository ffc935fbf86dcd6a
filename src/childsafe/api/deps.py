"""Request-scoped helpers: who is calling, and a transaction to work in.

Transactions are opened explicitly inside each endpoint (not as a yield dependency) so that the
commit happens before the response is sent: an acknowledged write is a committed write.
"""

import hashlib
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException

from childsafe import access
from childsafe.audit import Actor
from childsafe.config import Settings
from childsafe.store import Database
from childsafe.vocabulary import Role

_bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer cs_…`")
_CACHE_SECONDS = 10.0  # a revoked key stops working on every replica within this time


class _KeyCache:
    def __init__(self) -> None:
        self._items: dict[str, tuple[float, Actor | None]] = {}

    def get(self, digest: str) -> tuple[bool, Actor | None]:
        hit = self._items.get(digest)
        if hit is None or hit[0] < time.monotonic():
            return False, None
        return True, hit[1]

    def put(self, digest: str, actor: Actor | None) -> None:
        if len(self._items) > 10_000:
            self._items.clear()
        self._items[digest] = (time.monotonic() + _CACHE_SECONDS, actor)

    def clear(self) -> None:
        self._items.clear()


def db(request: Request) -> Database:
    return request.app.state.db


def settings(request: Request) -> Settings:
    return request.app.state.settings


def transaction(request: Request) -> Callable[[], AbstractContextManager[Session]]:
    return request.app.state.db.transaction


def _authenticate(request: Request, credentials: HTTPAuthorizationCredentials | None) -> Actor:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(401, "an API key is required (Authorization: Bearer …)",
                            headers={"WWW-Authenticate": "Bearer"})
    cache: _KeyCache = request.app.state.key_cache
    digest = hashlib.sha256(credentials.credentials.encode()).hexdigest()
    found, actor = cache.get(digest)
    if not found:
        with request.app.state.db.transaction() as session:
            key = access.authenticate(session, credentials.credentials)
            actor = key.actor() if key else None
        cache.put(digest, actor)
    if actor is None:
        raise HTTPException(401, "the API key is not valid or was revoked", headers={"WWW-Authenticate": "Bearer"})
    return actor


def require(*roles: Role) -> Callable[..., Actor]:
    """A dependency admitting only the given roles; every endpoint declares its own."""
    allowed = frozenset(roles)

    def dependency(request: Request,
                   credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> Actor:
        actor = _authenticate(request, credentials)
        if actor.role not in allowed:
            raise HTTPException(403, f"the {actor.role} role may not do this; allowed: "
                                     + ", ".join(sorted(r.value for r in allowed)))
        return actor

    return dependency


REVIEWERS = (Role.MODERATOR, Role.CHILD_SAFETY_SPECIALIST)

AccessReason = Annotated[str, Header(alias="X-Access-Reason", max_length=200,
                                     description="Why you open this record; written to the audit log.")]
