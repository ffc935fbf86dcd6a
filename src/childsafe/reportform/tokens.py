"""Signed tokens for the report form: the context a platform hands it, and the form's anti-forgery token.

The form is embedded in other sites' frames, where browsers increasingly refuse third-party cookies, so
neither token relies on a cookie: both are HMAC-signed and checked on the server, and the anti-forgery check
also requires a same-origin request (``Origin`` / ``Sec-Fetch-Site``).

Without ``report_form_secret`` (CHILDSAFE_REPORT_FORM_SECRET) the key is made at random when the process
starts. That is enough for the single-process demo, but a form opened before a restart, or served by one
replica and sent to another, is then refused as forged, and no signed context is accepted. Production sets the
secret, the same value on every replica; the service logs a warning at start-up while it is unset.
"""

import base64
import hashlib
import hmac
import logging
import secrets
import time
from dataclasses import dataclass
from typing import Any

import orjson

CSRF_LIFETIME_SECONDS = 24 * 3600  # a child may leave the form open for a while; the text typed is kept
_PROCESS_KEY = secrets.token_bytes(32)  # only when no report_form_secret is set: one process, one key


_log = logging.getLogger("childsafe.reportform")
PROCESS_KEY_WARNING = (
    "report_form_secret is not set: the report form signs its tokens with a key made for this process only, so "
    "forms opened before a restart or served by another replica will be refused when sent, and platforms "
    "cannot pass a signed context. Set CHILDSAFE_REPORT_FORM_SECRET, the same on every replica.")


def warn_without_secret(secret: str | None) -> bool:
    """Log, once per start-up, that the form runs on a per-process key (never logs a key); True if it did."""
    if secret:
        return False
    _log.warning(PROCESS_KEY_WARNING)
    return True


class BadToken(Exception):
    """A token that is malformed, forged, expired or from another site; the message says which, in plain words."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(key: bytes, purpose: str, message: str) -> str:
    return _b64(hmac.new(key, f"{purpose}|{message}".encode(), hashlib.sha256).digest())


def form_key(secret: str | None) -> bytes:
    """The key both tokens are signed with; derived so the shared secret itself never signs anything directly."""
    if not secret:
        return _PROCESS_KEY
    return hmac.new(secret.encode(), b"childsafe report form v1", hashlib.sha256).digest()


# --- the platform's context ------------------------------------------------------------------------------------

CONTEXT_FIELDS = ("uid", "age", "country", "content_id", "account_id", "lang")


@dataclass(frozen=True)
class Context:
    """What the embedding platform vouches for. ``uid`` is only ever taken from a signed token."""

    uid: str | None = None
    age: str | None = None
    country: str | None = None
    content_id: str | None = None
    account_id: str | None = None
    lang: str | None = None


def sign_context(secret: str, *, ttl_seconds: int = 3600, now: float | None = None, **fields: Any) -> str:
    """Build the ``ctx`` query parameter a platform's backend adds to the form URL (shared ``report_form_secret``).

    Fields: uid (platform user id), age (age band), country, content_id, account_id, lang.
    """
    unknown = set(fields) - set(CONTEXT_FIELDS)
    if unknown:
        raise ValueError(f"unknown context fields: {', '.join(sorted(unknown))}")
    payload = {k: str(v) for k, v in fields.items() if v is not None}
    payload["exp"] = int((now if now is not None else time.time()) + ttl_seconds)
    body = _b64(orjson.dumps(payload, option=orjson.OPT_SORT_KEYS))
    return f"v1.{body}.{_mac(form_key(secret), 'ctx', body)}"


def read_context(token: str, secret: str | None, *, now: float | None = None) -> Context:
    if not secret:
        raise BadToken("this service has no report_form_secret, so it cannot check a signed context")
    parts = token.split(".")
    if len(parts) != 3 or parts[0] != "v1" or len(token) > 4000:
        raise BadToken("the context token is not in the v1.<payload>.<signature> form")
    _, body, signature = parts
    if not hmac.compare_digest(signature, _mac(form_key(secret), "ctx", body)):
        raise BadToken("the context token's signature does not match")
    try:
        payload = orjson.loads(_unb64(body))
        expires = int(payload["exp"])
    except (ValueError, KeyError, TypeError) as exc:
        raise BadToken("the context token's payload is not readable") from exc
    if expires < (now if now is not None else time.time()):
        raise BadToken("the context token has expired")
    return Context(**{k: str(payload[k])[:200] for k in CONTEXT_FIELDS if payload.get(k) not in (None, "")})


# --- anti-forgery --------------------------------------------------------------------------------------------

def issue_csrf(key: bytes, bound_to: str = "", *, now: float | None = None) -> str:
    """A token for one form; ``bound_to`` (the signed context, if any) cannot be swapped under it."""
    issued = int(now if now is not None else time.time())
    nonce = secrets.token_urlsafe(12)
    return f"{issued}.{nonce}.{_mac(key, 'csrf', f'{issued}.{nonce}.{_digest(bound_to)}')}"


def check_csrf(key: bytes, token: str, bound_to: str = "", *, now: float | None = None) -> str:
    """Returns the token's nonce (the submission's idempotency key) or raises BadToken."""
    parts = token.split(".")
    if len(parts) != 3 or not parts[0].isdigit() or len(token) > 200:
        raise BadToken("missing")
    issued, nonce, signature = parts
    if not hmac.compare_digest(signature, _mac(key, "csrf", f"{issued}.{nonce}.{_digest(bound_to)}")):
        raise BadToken("forged")
    age = (now if now is not None else time.time()) - int(issued)
    if age > CSRF_LIFETIME_SECONDS or age < -300:
        raise BadToken("expired")
    return nonce


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:32]


def same_origin(headers: Any) -> bool:
    """A browser's POST from our own page: cross-site requests (forged submissions) are refused.

    ``Sec-Fetch-Site`` decides where the browser sends it (all current ones do); otherwise the ``Origin`` host must
    be ours. Hosts are compared without the scheme so a TLS-terminating proxy in front of the service does not
    break it. A request with neither header (no browser) still needs the signed token.
    """
    fetch_site = headers.get("sec-fetch-site")
    if fetch_site is not None:
        return fetch_site in ("same-origin", "none")
    origin = headers.get("origin")
    if origin is None:
        return True
    if origin == "null":
        return False
    return origin.split("://", 1)[-1] == headers.get("host")
