"""Tables owned by the console: people who sign in, their sessions and their sign-in attempts.

Session tokens and passwords are never stored: a session row is keyed by the SHA-256 of its
cookie value, and a password by its argon2id hash.
"""

import uuid
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from childsafe.store import GUID, Base, SerialId, UTCDateTime, new_id, utcnow


class ConsoleUser(Base):
    __tablename__ = "console_user"

    id: Mapped[uuid.UUID] = mapped_column(GUID, primary_key=True, default=new_id)
    username: Mapped[str] = mapped_column(String(80), unique=True, nullable=False)
    display_name: Mapped[str] = mapped_column(String(120), nullable=False)
    role: Mapped[str] = mapped_column(String(40), nullable=False)
    password_hash: Mapped[str] = mapped_column(String(200), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200), nullable=False)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ConsoleSession(Base):
    __tablename__ = "console_session"

    token_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(GUID, ForeignKey("console_user.id"), nullable=False, index=True)
    csrf_token: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ConsoleLoginAttempt(Base):
    """Every sign-in attempt, kept for the lock-out window and for investigating credential attacks."""

    __tablename__ = "console_login_attempt"
    __table_args__ = (Index("ix_console_login_attempt_username_at", "username", "at"),)

    id: Mapped[int] = mapped_column(SerialId, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(80), nullable=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    succeeded: Mapped[bool] = mapped_column(Boolean, nullable=False)
    outcome: Mapped[str] = mapped_column(String(20), nullable=False)  # ok | bad_password | unknown | locked | disabled
