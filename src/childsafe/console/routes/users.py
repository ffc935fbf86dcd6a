"""Console accounts for administrators: who can sign in, who is locked out; disable or unlock."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from childsafe.console import auth
from childsafe.console.auth import Identity
from childsafe.console.web import PREFIX, ConsoleError, html, posting, redirect, roles
from childsafe.errors import NotFound
from childsafe.vocabulary import Role

router = APIRouter(prefix=PREFIX, include_in_schema=False)


@router.get("/users")
def users_page(request: Request, me: Annotated[Identity, Depends(roles(Role.ADMIN))]) -> Response:
    with request.app.state.db.transaction() as session:
        users = auth.list_users(session)
    return html("users.html", request, me, section="users", title="Console users", users=users)


def _change(request: Request, me: Identity, username: str, change: str) -> Response:
    if change == "disable" and auth.normalise_username(username) == me.username:
        raise ConsoleError(409, "You cannot disable yourself", "Ask another administrator.")
    try:
        with request.app.state.db.transaction() as session:
            (auth.disable_user if change == "disable" else auth.unlock_user)(session, username, me.actor)
    except NotFound:
        raise ConsoleError(404, "User not found", "There is no console user with that name.") from None
    return redirect(f"{PREFIX}/users")


@router.post("/users/{username}/disable")
def disable(username: str, request: Request, me: Annotated[Identity, Depends(posting(Role.ADMIN))]) -> Response:
    return _change(request, me, username, "disable")


@router.post("/users/{username}/unlock")
def unlock(username: str, request: Request, me: Annotated[Identity, Depends(posting(Role.ADMIN))]) -> Response:
    return _change(request, me, username, "unlock")
