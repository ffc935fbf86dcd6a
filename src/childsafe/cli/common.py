"""What every CLI command shares: the console, settings, the database and the acting user."""

import getpass

import typer
from rich.console import Console
from rich.markup import escape
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from childsafe import audit
from childsafe.config import Settings, get_settings
from childsafe.store import Database
from childsafe.vocabulary import Role

console = Console(stderr=True)


def settings() -> Settings:
    try:
        return get_settings()
    except Exception as exc:  # configuration errors deserve a sentence, not a traceback
        console.print(f"[red]configuration error:[/red] {exc}")
        raise typer.Exit(2) from exc


def database(url: str) -> Database:
    """The database, checked reachable; if it is not, a sentence instead of a traceback."""
    try:
        db = Database(url)
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except (SQLAlchemyError, RuntimeError) as exc:
        reason = escape(str(getattr(exc, "orig", None) or exc))  # the driver's words; never the password
        console.print(f"[red]database error:[/red] cannot use CHILDSAFE_DATABASE_URL: {reason}", highlight=False)
        raise typer.Exit(2) from exc
    return db


def cli_actor() -> audit.Actor:
    return audit.Actor(id=f"cli:{getpass.getuser()}", role=Role.ADMIN.value, name="command line")
