"""ASGI middleware: body-size and media-type guards, metrics, and privacy-safe access logs."""

import logging
import time
from typing import Any

from prometheus_client import Counter, Histogram
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from childsafe.api.problems import problem

log = logging.getLogger("childsafe.access")

HTTP_REQUESTS = Counter("childsafe_http_requests_total", "HTTP requests", ["method", "route", "status"])
HTTP_DURATION = Histogram("childsafe_http_request_duration_seconds", "HTTP request duration", ["method", "route"],
                          buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5))

_BODY_METHODS = {b"POST", b"PUT", b"PATCH"}
_FORM_TYPES = (b"application/x-www-form-urlencoded", b"multipart/form-data")


class _TooLarge(HTTPException):
    """An HTTPException, so that FastAPI's body reader passes it on instead of turning it into a 400."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the body must be at most {limit} bytes")


class GuardMiddleware:
    """Refuses oversized bodies (413) and non-JSON bodies (415) before any parsing happens.

    ``uploads`` names the few paths that take media bytes: each has its own size limit and the
    content types it accepts besides JSON. ``form_paths`` are path prefixes of server-rendered pages
    (the report form, the console) whose browsers post HTML forms instead of JSON.
    """

    def __init__(self, app: ASGIApp, max_body_bytes: int,
                 uploads: dict[str, tuple[int, tuple[str, ...]]] | None = None,
                 form_paths: tuple[str, ...] = ()) -> None:
        self.app, self.max_body = app, max_body_bytes
        self.form_paths = form_paths
        self.uploads = {path: (limit, tuple(t.encode() for t in types)) for path, (limit, types) in
                        (uploads or {}).items()}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"].encode() not in _BODY_METHODS:
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        length = headers.get(b"content-length")
        ctype = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
        limit, allowed = self.max_body, ()
        upload = self.uploads.get(scope["path"])
        if upload is not None and ctype != b"application/json":
            limit, allowed = upload
        elif self.form_paths and scope["path"].startswith(self.form_paths):
            allowed = _FORM_TYPES
        if length is not None and (not length.isdigit() or int(length) > limit):
            await problem(413, "Payload too large", f"the body must be at most {limit} bytes")(scope, receive, send)
            return
        has_body = length not in (None, b"0") or b"transfer-encoding" in headers
        if has_body and ctype != b"application/json" and not (allowed and ctype.startswith(allowed)):
            detail = "send the body as application/json" + (
                f" or as media ({', '.join(t.decode() + ('*' if t.endswith(b'/') else '') for t in allowed)})"
                if allowed else "")
            await problem(415, "Unsupported media type", detail)(scope, receive, send)
            return
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _TooLarge(limit)
            return message

        try:
            await self.app(scope, limited, send)
        except _TooLarge:
            await problem(413, "Payload too large", f"the body must be at most {limit} bytes")(scope, receive, send)


class ObservabilityMiddleware:
    """Counts and times requests by route template; logs no paths, query strings or bodies."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = {"code": 500}

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            elapsed = time.perf_counter() - start
            route = _route(scope)
            HTTP_REQUESTS.labels(scope["method"], route, str(status["code"])).inc()
            HTTP_DURATION.labels(scope["method"], route).observe(elapsed)
            log.info("request", extra={"method": scope["method"], "route": route, "status": status["code"],
                                       "ms": round(elapsed * 1000, 2)})


def _route(scope: dict[str, Any]) -> str:
    route = scope.get("route")
    return getattr(route, "path", None) or "unmatched"
