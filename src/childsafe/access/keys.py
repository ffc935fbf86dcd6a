"""API keys.

A key looks like ``cs_<prefix>_<secret>``. The prefix finds the row; the secret is compared by
SHA-256 in constant time. A salted slow hash is unnecessary here because the secret has 190 bits
of entropy: there is no dictionary to attack, and a fast hash keeps every request cheap.
"""

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from childsafe.audit import Actor, record
from childsafe.store import GUID, Base, UTCDateTime, new_id, utcnow
from childsafe.vocabulary import Role

_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


class ApiKey(Base):
    __tablename__ = "access_api_key"

    id: Mapped[uuid.UUID] = mapped_column(GUID, primary_key=True, default=new_id)
    prefix: Mapped[str] = mapped_column(String(16), unique=True, nullable=False)
    secret_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    role: Mapped[str] = mapped_column(String(40), nullable=False)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200), nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def actor(self) -> Actor:
        return Actor(id=f"key:{self.prefix}", role=self.role, name=self.name)


@dataclass(frozen=True)
class CreatedKey:
    id: uuid.UUID
    token: str  # shown once
    prefix: str
    role: Role
    name: str


def _random(n: int) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(n))


def _sha(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_key(session: Session, role: Role | str, name: str, created_by: Actor) -> CreatedKey:
    role = Role(role)
    prefix, secret = _random(10), _random(32)
    key = ApiKey(prefix=prefix, secret_sha256=_sha(secret), role=role.value, name=name,
                 created_by=created_by.label)
    session.add(key)
    session.flush()
    record(session, created_by, "key.created", "api_key", key.id, role=role.value, prefix=prefix)
    return CreatedKey(id=key.id, token=f"cs_{prefix}_{secret}", prefix=prefix, role=role, name=name)


def authenticate(session: Session, token: str) -> ApiKey | None:
    """The active key for a token, or None. Never says which part was wrong."""
    parts = token.split("_")
    if len(parts) != 3 or parts[0] != "cs" or not parts[1] or not parts[2]:
        return None
    key = session.scalar(select(ApiKey).where(ApiKey.prefix == parts[1]))
    if key is None or key.revoked_at is not None:
        return None
    if not hmac.compare_digest(key.secret_sha256, _sha(parts[2])):
        return None
    return key


def list_keys(session: Session) -> list[ApiKey]:
    return list(session.scalars(select(ApiKey).order_by(ApiKey.created_at)))


def revoke_key(session: Session, key_id: uuid.UUID, actor: Actor) -> ApiKey | None:
    key = session.get(ApiKey, key_id)
    if key is None:
        return None
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        record(session, actor, "key.revoked", "api_key", key.id, prefix=key.prefix)
    return key
