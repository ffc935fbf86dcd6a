"""RFC 9457 problem details for every error, with the offending field named."""

import logging
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from childsafe.errors import DomainError

log = logging.getLogger("childsafe.api")

PROBLEM_TYPE = "https://childsafe.dev/problems/"


class FieldError(BaseModel):
    field: str
    message: str


class Problem(BaseModel):
    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[FieldError] = []


class ProblemResponse(JSONResponse):
    media_type = "application/problem+json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def problem(status: int, title: str, detail: str, *, instance: str | None = None,
            errors: list[dict[str, str]] | None = None, headers: dict[str, str] | None = None) -> ProblemResponse:
    body: dict[str, Any] = {"type": PROBLEM_TYPE + title.lower().replace(" ", "-"), "title": title,
                            "status": status, "detail": detail, "instance": instance, "errors": errors or []}
    return ProblemResponse(body, status_code=status, headers=headers)


_TITLES = {400: "Bad request", 401: "Unauthorized", 403: "Forbidden", 404: "Not found", 405: "Method not allowed",
           406: "Not acceptable", 409: "Conflict", 413: "Payload too large", 415: "Unsupported media type",
           422: "Invalid input", 429: "Too many requests"}


def _loc(loc: tuple[Any, ...] | list[Any]) -> str:
    return ".".join(str(part) for part in loc)


def _nul_in_text(exc: DataError) -> bool:
    """PostgreSQL cannot hold NUL characters: psycopg refuses them in text, the server in jsonb (22P05)."""
    return "NUL (0x00)" in str(exc.orig) or getattr(exc.orig, "sqlstate", None) == "22P05"


def install(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> ProblemResponse:
        errors = []
        for err in exc.errors():
            message = str(err.get("msg", "invalid"))
            if message.startswith("Value error, "):
                message = message[len("Value error, "):]
            errors.append({"field": _loc(err.get("loc", ())), "message": message})
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5]) or "the request is not valid"
        return problem(422, "Invalid input", detail, instance=request.url.path, errors=errors)

    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> ProblemResponse:
        errors = [{"field": exc.field, "message": exc.detail}] if exc.field else []
        return problem(exc.status, exc.title, exc.detail, instance=request.url.path, errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> ProblemResponse:
        title = _TITLES.get(exc.status_code, "Error")
        headers = dict(exc.headers) if exc.headers else None
        return problem(exc.status_code, title, str(exc.detail), instance=request.url.path, headers=headers)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> ProblemResponse:
        # Never expected; logged without the body, which may hold a child's words.
        log.error("unhandled error", extra={"path": request.url.path, "error": type(exc).__name__})
        return problem(500, "Internal error", "an unexpected error occurred; it has been logged",
                       instance=request.url.path)

    @app.exception_handler(DataError)
    async def _data(request: Request, exc: DataError) -> ProblemResponse:
        if _nul_in_text(exc):  # a client's input, not our fault; SQLite would have stored it
            return problem(422, "Invalid input", "text must not contain NUL (\\u0000) characters",
                           instance=request.url.path)
        return await _unexpected(request, exc)


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": Problem, "description": _TITLES[code], "content": {"application/problem+json": {}}}
    for code in (400, 401, 403, 404, 409, 413, 415, 422)
}
