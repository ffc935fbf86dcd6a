"""Console accounts: argon2id password hashes, server-side sessions and lock-out.

Why server-side sessions: signing out, disabling a person or a lock-out must end access at once,
which a self-contained signed cookie cannot do. The cookie holds a random token; the table holds
only its SHA-256, so a copy of the database cannot be replayed as a session.
"""

import hashlib
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from childsafe.audit import Actor, record
from childsafe.config import Settings
from childsafe.console.models import ConsoleLoginAttempt, ConsoleSession, ConsoleUser
from childsafe.errors import Conflict, InvalidInput, NotFound
from childsafe.store import utcnow
from childsafe.vocabulary import Role

_HASHER = PasswordHasher()  # argon2id, RFC 9106 "low memory" profile: 64 MiB, 3 passes
_DUMMY: dict[int, str] = {}  # per hasher: a hash to verify against when the name is unknown (equal timing)
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,79}$")
MIN_PASSWORD = 10
CONSOLE_ROLES = (Role.MODERATOR, Role.CHILD_SAFETY_SPECIALIST, Role.COMPLIANCE, Role.ADMIN)
ATTEMPTS_KEPT = timedelta(days=30)
_SEEN_EVERY = timedelta(minutes=1)  # how often last_seen_at is written (idle timeout granularity)


@dataclass(frozen=True)
class Identity:
    """Who is signed in, as the pages need it."""

    user_id: uuid.UUID
    username: str
    display_name: str
    role: Role
    csrf_token: str

    @property
    def actor(self) -> Actor:
        return actor_for(self.username, self.role, self.display_name)


@dataclass(frozen=True)
class SignIn:
    """The outcome of a sign-in attempt. ``token`` is set only on success and is shown to nobody but the browser."""

    ok: bool
    message: str
    token: str | None = None
    locked_until: datetime | None = None


def actor_for(username: str, role: str, display_name: str) -> Actor:
    return Actor(id=f"user:{username}", role=str(role), name=display_name)


def _sha(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalise_username(username: str) -> str:
    return username.strip().lower()


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"the password must have at least {MIN_PASSWORD} characters", field="password")
    if len(password) > 1000:
        raise InvalidInput("the password must have at most 1000 characters", field="password")


def create_user(session: Session, *, username: str, display_name: str, role: Role | str, password: str,
                actor: Actor) -> ConsoleUser:
    username = normalise_username(username)
    if not _USERNAME.match(username):
        raise InvalidInput("a username is 2-80 characters: lowercase letters, digits, '.', '_' or '-'",
                           field="username")
    try:
        role = Role(role)
    except ValueError:
        raise InvalidInput(f"unknown role {role!r}", field="role") from None
    if role not in CONSOLE_ROLES:
        raise InvalidInput("the service role is for the platform's API keys, not for people", field="role")
    display_name = display_name.strip()
    if not display_name or len(display_name) > 120:
        raise InvalidInput("a display name is 1-120 characters", field="display_name")
    check_password_strength(password)
    user = ConsoleUser(username=username, display_name=display_name, role=role.value,
                       password_hash=_HASHER.hash(password), created_by=actor.label)
    try:
        with session.begin_nested():
            session.add(user)
            session.flush()
    except IntegrityError:
        raise Conflict(f"a console user named {username!r} already exists", field="username") from None
    record(session, actor, "console.user_created", "console_user", user.id, username=username, role=role.value)
    return user


def list_users(session: Session) -> list[ConsoleUser]:
    return list(session.scalars(select(ConsoleUser).order_by(ConsoleUser.username)))


def _user(session: Session, username: str) -> ConsoleUser:
    user = session.scalar(select(ConsoleUser).where(ConsoleUser.username == normalise_username(username)))
    if user is None:
        raise NotFound(f"no console user named {username!r}")
    return user


def disable_user(session: Session, username: str, actor: Actor) -> ConsoleUser:
    """Stop a person signing in and end their open sessions at once."""
    user = _user(session, username)
    if user.disabled_at is None:
        user.disabled_at = utcnow()
        _end_sessions(session, user.id)
        record(session, actor, "console.user_disabled", "console_user", user.id, username=user.username)
    return user


def unlock_user(session: Session, username: str, actor: Actor) -> ConsoleUser:
    """Lift a lock-out early (after the person has been reached another way)."""
    user = _user(session, username)
    user.locked_until = None
    session.add(ConsoleLoginAttempt(username=user.username, succeeded=True, outcome="unlocked"))
    record(session, actor, "console.user_unlocked", "console_user", user.id, username=user.username)
    return user


def _end_sessions(session: Session, user_id: uuid.UUID) -> None:
    session.execute(update(ConsoleSession).where(ConsoleSession.user_id == user_id,
                                                 ConsoleSession.ended_at.is_(None)).values(ended_at=utcnow()))


def _recent_failures(session: Session, username: str, now: datetime, window: timedelta) -> list[datetime]:
    """Failures inside the window since the last success: what the lock-out counts."""
    last_ok = session.scalar(select(ConsoleLoginAttempt.at).where(
        ConsoleLoginAttempt.username == username, ConsoleLoginAttempt.succeeded.is_(True))
        .order_by(ConsoleLoginAttempt.at.desc()).limit(1))
    since = max(now - window, last_ok) if last_ok else now - window
    return list(session.scalars(select(ConsoleLoginAttempt.at).where(
        ConsoleLoginAttempt.username == username, ConsoleLoginAttempt.at > since,
        ConsoleLoginAttempt.outcome.in_(("bad_password", "unknown"))).order_by(ConsoleLoginAttempt.at)))


def _locked_until(failures: list[datetime], limit: int, window: timedelta, now: datetime) -> datetime | None:
    if len(failures) < limit:
        return None
    until = failures[limit - 1] + window
    return until if until > now else None


def sign_in(session: Session, username: str, password: str, settings: Settings) -> SignIn:
    """Check a password, counting failures per username (known or not, so names cannot be probed).

    Every attempt is recorded; the lock-out starts at the configured number of failures and is audited.
    The caller commits whatever the outcome: a failed attempt must count.
    """
    name = normalise_username(username)[:80]
    now = utcnow()
    window = timedelta(minutes=settings.console_lockout_minutes)
    limit = settings.console_lockout_failures
    # Attempts are kept 30 days for investigating credential attacks; a mistyped name may be a password.
    session.execute(delete(ConsoleLoginAttempt).where(ConsoleLoginAttempt.username == name,
                                                      ConsoleLoginAttempt.at < now - ATTEMPTS_KEPT))
    user = session.scalar(select(ConsoleUser).where(ConsoleUser.username == name))
    if session.get_bind().dialect.name == "postgresql" and user is not None:
        session.refresh(user, with_for_update=True)  # concurrent guesses count one after another
    locked = _locked_until(_recent_failures(session, name, now, window), limit, window, now)
    if locked is not None:
        _verify(_dummy_hash(), password)
        session.add(ConsoleLoginAttempt(username=name, succeeded=False, outcome="locked"))
        return SignIn(False, "Too many failed attempts. This account is locked for a while.", locked_until=locked)
    if user is None:
        _verify(_dummy_hash(), password)
        return _failed(session, name, None, "unknown", now, window, limit)
    if not _verify(user.password_hash, password):
        return _failed(session, name, user, "bad_password", now, window, limit)
    if user.disabled_at is not None:
        session.add(ConsoleLoginAttempt(username=name, succeeded=False, outcome="disabled"))
        record(session, actor_for(user.username, user.role, user.display_name), "console.sign_in_refused",
               "console_user", user.id, reason="account disabled")
        return SignIn(False, "This account is disabled. Ask an administrator.")
    if _HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = _HASHER.hash(password)
    token = secrets.token_urlsafe(32)
    session.add(ConsoleSession(token_sha256=_sha(token), user_id=user.id, csrf_token=secrets.token_urlsafe(32),
                               created_at=now, last_seen_at=now,
                               expires_at=now + timedelta(hours=settings.console_session_hours)))
    session.add(ConsoleLoginAttempt(username=name, succeeded=True, outcome="ok"))
    user.last_sign_in_at, user.locked_until = now, None
    record(session, actor_for(user.username, user.role, user.display_name), "console.signed_in", "console_user",
           user.id)
    return SignIn(True, "Signed in.", token=token)


def _dummy_hash() -> str:
    hasher = _HASHER
    if id(hasher) not in _DUMMY:
        _DUMMY[id(hasher)] = hasher.hash("not a real password: equalises timing for unknown names")
    return _DUMMY[id(hasher)]


def _verify(stored: str, password: str) -> bool:
    try:
        return _HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def _failed(session: Session, name: str, user: ConsoleUser | None, outcome: str, now: datetime,
            window: timedelta, limit: int) -> SignIn:
    session.add(ConsoleLoginAttempt(username=name, succeeded=False, outcome=outcome))
    session.flush()
    locked = _locked_until(_recent_failures(session, name, now, window), limit, window,
                           now)
    if locked is None:
        return SignIn(False, "The username or password is not right.")
    # An unknown name may be a password typed into the wrong box: the audit log keeps only its digest.
    subject = (("console_user", str(user.id)) if user is not None
               else ("console_username", "sha256:" + _sha(name)[:16]))
    if user is not None:
        user.locked_until = locked
    record(session, Actor("system", "system", "console sign-in"), "console.locked_out", subject[0], subject[1],
           failures=limit, minutes=int(window.total_seconds() // 60))
    return SignIn(False, "Too many failed attempts. This account is locked for a while.", locked_until=locked)


def identify(session: Session, token: str, settings: Settings) -> Identity | None:
    """The person behind a session cookie, if the session is live (not ended, expired or idle too long)."""
    if not token or len(token) > 200:
        return None
    now = utcnow()
    row = session.get(ConsoleSession, _sha(token))
    if row is None or row.ended_at is not None or row.expires_at <= now:
        return None
    if row.last_seen_at + timedelta(minutes=settings.console_idle_minutes) <= now:
        row.ended_at = now
        return None
    user = session.get(ConsoleUser, row.user_id)
    if user is None or user.disabled_at is not None:
        return None
    if now - row.last_seen_at > _SEEN_EVERY:
        row.last_seen_at = now
    return Identity(user_id=user.id, username=user.username, display_name=user.display_name, role=Role(user.role),
                    csrf_token=row.csrf_token)


def sign_out(session: Session, token: str, actor: Actor) -> None:
    row = session.get(ConsoleSession, _sha(token))
    if row is not None and row.ended_at is None:
        row.ended_at = utcnow()
        record(session, actor, "console.signed_out", "console_user", row.user_id)
