"""Mounting the console on the API application, with HTML error pages under /console."""

import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from childsafe.console import auth
from childsafe.console.routes import accounts, appeals, cases, compliance, media, queues, signin, users
from childsafe.console.web import HERE, PREFIX, SESSION_COOKIE, ConsoleError, SignInRequired, html, settings_of
from childsafe.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound

log = logging.getLogger("childsafe.console")
Handler = Callable[[Request, Any], Awaitable[Response]]
_TITLES = {NotFound: "Not found", Forbidden: "Not allowed", Conflict: "That could not be done",
           InvalidInput: "Please check what you entered"}
_HTTP_TITLES = {404: "Page not found", 405: "That action is not available here", 413: "That was too large",
                415: "That kind of request is not accepted here"}


def install(app: FastAPI) -> None:
    """Add the console's pages, static files and error pages; API paths keep their problem+json errors."""
    for module in (signin, queues, cases, media, appeals, accounts, compliance, users):
        app.include_router(module.router)
    app.mount(f"{PREFIX}/static", StaticFiles(directory=HERE / "static"), name="console-static")

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse(PREFIX, status_code=307)

    originals = dict(app.exception_handlers)
    for exc_type in {*originals, DomainError, StarletteHTTPException, RequestValidationError, Exception}:
        app.add_exception_handler(exc_type, _for_console(originals.get(exc_type)))
    app.add_exception_handler(ConsoleError, _for_console(None))
    app.add_exception_handler(SignInRequired, _for_console(None))


def _in_console(request: Request) -> bool:
    path = request.url.path
    return (path == PREFIX or path.startswith(PREFIX + "/")) and not path.startswith(PREFIX + "/static/")


def _for_console(original: Handler | None) -> Handler:
    async def handler(request: Request, exc: Any) -> Response:
        if original is not None and not _in_console(request):
            return await original(request, exc)
        if isinstance(exc, DataError) and original is not None:  # the API's judgement: a client's bad text or ours
            answer = await original(request, exc)
            if answer.status_code < 500:
                detail = orjson.loads(bytes(answer.body)).get("detail", "")
                return page_for(request, ConsoleError(answer.status_code, "Please check what you entered", detail))
        return page_for(request, exc)

    return handler


def page_for(request: Request, exc: Exception) -> Response:
    """A friendly page for anything that went wrong on a console page."""
    if isinstance(exc, SignInRequired):
        url = f"{PREFIX}/sign-in"
        if request.method == "GET" and request.url.path != PREFIX:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            url += "?next=" + quote(target, safe="/")
        return RedirectResponse(url, status_code=303)
    details: list[str] = []
    if isinstance(exc, ConsoleError):
        status, title, message = exc.status, exc.title, exc.message
    elif isinstance(exc, DomainError):
        status, title, message = exc.status, _TITLES.get(type(exc), "That could not be done"), exc.detail
    elif isinstance(exc, RequestValidationError):
        status, title = 422, "Please check what you entered"
        message = "Some fields were missing or not valid; nothing was changed."
        details = [f"{'.'.join(str(p) for p in e.get('loc', ())[1:]) or 'form'}: "
                   f"{str(e.get('msg', 'invalid')).removeprefix('Value error, ')}" for e in exc.errors()[:10]]
    elif isinstance(exc, StarletteHTTPException):
        status = exc.status_code
        title = _HTTP_TITLES.get(status, "That could not be done")
        message = ("There is no page at this address. It may have moved, or the link was mistyped."
                   if status == 404 else str(exc.detail))
    else:
        log.error("console error", extra={"path": request.url.path, "error": type(exc).__name__})
        status, title = 500, "Something went wrong"
        message = "An unexpected error stopped this page. It has been logged; nothing you did caused it."
    return html("error.html", request, _who(request), status=status, code=status, title=title,
                message=message, details=details)


def _who(request: Request) -> auth.Identity | None:
    token = request.cookies.get(SESSION_COOKIE, "")
    if not token:
        return None
    try:
        with request.app.state.db.transaction() as session:
            return auth.identify(session, token, settings_of(request))
    except Exception:  # an error page must render even when the database is the problem
        return None
