"""``childsafe users``: console accounts (people who sign in to /console)."""

import sys
from collections.abc import Callable
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session

from childsafe.audit import Actor
from childsafe.cli.common import cli_actor, console, database, settings
from childsafe.console import auth
from childsafe.errors import DomainError
from childsafe.store import utcnow
from childsafe.vocabulary import Role

users_app = typer.Typer(help="Console user accounts (argon2id password hashes, lock-out after failures).",
                        no_args_is_help=True)


def _fail(exc: DomainError) -> typer.Exit:
    console.print(f"[red]{exc.detail}[/red]")
    return typer.Exit(1)


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return typer.prompt("Password", hide_input=True, confirmation_prompt=True)


@users_app.command("create")
def create(username: Annotated[str, typer.Argument(help="sign-in name: lowercase letters, digits, . _ -")],
           role: Annotated[Role, typer.Option(help="moderator, child_safety_specialist, compliance or admin")],
           name: Annotated[str, typer.Option(help="the person's full name, shown in the console and audit log")],
           password_stdin: Annotated[bool, typer.Option("--password-stdin",
                                                        help="read the password from standard input")] = False) -> None:
    """Create a console user; the password is prompted for (or read from stdin), never taken as an argument."""
    password = _password(password_stdin)
    db = database(settings().database_url)
    try:
        with db.transaction() as session:
            user = auth.create_user(session, username=username, display_name=name, role=role, password=password,
                                    actor=cli_actor())
            created = (user.username, user.role)
    except DomainError as exc:
        raise _fail(exc) from exc
    console.print(f"[green]created[/green] {created[1]} user {created[0]!r}")


@users_app.command("list")
def list_users() -> None:
    """List console users and whether they are active, locked out or disabled."""
    db = database(settings().database_url)
    table = Table("username", "name", "role", "status", "last sign-in")
    with db.transaction() as session:
        for user in auth.list_users(session):
            status = "disabled" if user.disabled_at else (
                f"locked until {user.locked_until:%H:%M UTC}" if user.locked_until and user.locked_until > utcnow()
                else "active")
            table.add_row(user.username, user.display_name, user.role, status,
                          user.last_sign_in_at.isoformat(timespec="seconds") if user.last_sign_in_at else "never")
    Console().print(table)


def _change_user(change: Callable[[Session, str, Actor], object], username: str, done: str) -> None:
    db = database(settings().database_url)
    try:
        with db.transaction() as session:
            change(session, username, cli_actor())
    except DomainError as exc:
        raise _fail(exc) from exc
    console.print(f"{done} {username!r}")


@users_app.command("disable")
def disable(username: str) -> None:
    """Stop a user signing in and end their open sessions now."""
    _change_user(auth.disable_user, username, "disabled")


@users_app.command("unlock")
def unlock(username: str) -> None:
    """Lift a lock-out after repeated failed sign-ins."""
    _change_user(auth.unlock_user, username, "unlocked")
