"""Sign-in and sign-out."""

import hmac
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from childsafe.console import auth
from childsafe.console.auth import Identity
from childsafe.console.web import (
    ALL_ROLES,
    PRE_CSRF_COOKIE,
    PREFIX,
    SESSION_COOKIE,
    home_for,
    html,
    identity,
    posting,
    pre_csrf,
    redirect,
    set_cookie,
    settings_of,
)

router = APIRouter(prefix=PREFIX, include_in_schema=False)


def _safe_next(target: str | None) -> str | None:
    """Only a path inside the console: an open redirect would let a phishing link borrow our sign-in page."""
    if target and target.startswith(PREFIX + "/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


def _form(request: Request, *, message: str | None = None, username: str = "", status: int = 200,
          next_url: str | None = None) -> Response:
    token = pre_csrf(request)
    response = html("sign_in.html", request, status=status, csrf_token=token, message=message, username=username,
                    next_url=_safe_next(next_url or request.query_params.get("next")))
    set_cookie(response, request, PRE_CSRF_COOKIE, token, max_age=3600)
    return response


@router.get("/sign-in")
def sign_in_page(request: Request) -> Response:
    return _form(request)


@router.post("/sign-in")
def sign_in(request: Request, username: Annotated[str, Form(max_length=200)],
            password: Annotated[str, Form(max_length=1000)], csrf_token: Annotated[str, Form(max_length=200)] = "",
            next: Annotated[str, Form(max_length=2000)] = "") -> Response:
    expected = request.cookies.get(PRE_CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(csrf_token.encode(), expected.encode()):
        return _form(request, status=403, username=username, next_url=next,
                     message="Your sign-in form expired. Please try again.")
    with request.app.state.db.transaction() as session:
        result = auth.sign_in(session, username, password, settings_of(request))
    if not result.ok or result.token is None:
        message = result.message
        if result.locked_until:
            message += f" Try again after {result.locked_until.strftime('%H:%M UTC')}."
        return _form(request, status=429 if result.locked_until else 401, username=username, next_url=next,
                     message=message)
    with request.app.state.db.transaction() as session:
        me = auth.identify(session, result.token, settings_of(request))
    assert me is not None
    response = redirect(_safe_next(next) or home_for(me.role))
    set_cookie(response, request, SESSION_COOKIE, result.token,
               max_age=int(settings_of(request).console_session_hours * 3600))
    response.delete_cookie(PRE_CSRF_COOKIE, path=PREFIX)
    return response


@router.post("/sign-out")
def sign_out(request: Request, me: Annotated[Identity, Depends(posting(*ALL_ROLES))]) -> Response:
    with request.app.state.db.transaction() as session:
        auth.sign_out(session, request.cookies.get(SESSION_COOKIE, ""), me.actor)
    response = redirect(f"{PREFIX}/sign-in", done="signed_out")
    response.delete_cookie(SESSION_COOKIE, path=PREFIX)
    return response


@router.get("")
def console_home(me: Annotated[Identity, Depends(identity)]) -> Response:
    return redirect(home_for(me.role))
