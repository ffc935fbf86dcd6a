"""``childsafe evidence …`` (master keys) and ``childsafe retention run`` (purge what no hold covers)."""

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from childsafe import evidence
from childsafe.cli.common import cli_actor, console, database, settings
from childsafe.errors import DomainError

evidence_app = typer.Typer(help="The encrypted evidence vault: master keys.", no_args_is_help=True)
retention_app = typer.Typer(help="Retention of preserved evidence.", no_args_is_help=True)


def _fail(exc: DomainError) -> typer.Exit:
    console.print(f"[red]error:[/red] {escape(exc.detail)}", highlight=False)
    return typer.Exit(1)


@evidence_app.command("init-key")
def init_key(key_file: Annotated[Path | None, typer.Option(
                 help="where to write it (default: CHILDSAFE_EVIDENCE_KEY_FILE)")] = None,
             force: Annotated[bool, typer.Option(help="overwrite an existing key file (loses its keys)")] = False,
             ) -> None:
    """Create a master key file (JSON, owner-only): 256-bit AES keys that wrap each item's data key."""
    path = key_file or (Path(settings().evidence_key_file) if settings().evidence_key_file else None)
    if path is None:
        console.print("[red]error:[/red] give --key-file or set CHILDSAFE_EVIDENCE_KEY_FILE")
        raise typer.Exit(2)
    try:
        keys = evidence.init_key(path, force=force)
    except DomainError as exc:
        raise _fail(exc) from None
    console.print(f"wrote master key {keys.active} to {path}; set CHILDSAFE_EVIDENCE_KEY_FILE={path} and back "
                  "the file up apart from the evidence (without it, sealed evidence cannot be read)")


@evidence_app.command("rotate-key")
def rotate_key(retire_old: Annotated[bool, typer.Option(
                   help="afterwards, drop old keys that no item needs and that were rotated out more than "
                        "15 minutes ago (run again later to retire the key this run replaced)")] = False,
               new_key: Annotated[bool, typer.Option(
                   "--new-key/--no-new-key", help="add a new active key first (--no-new-key: only re-wrap "
                                                  "and retire)")] = True) -> None:
    """Add a new active master key and re-wrap every item's data key with it (content is not re-encrypted)."""
    config = settings()
    db = database(config.database_url)
    try:
        result = evidence.rotate(db, config, actor=cli_actor(), new_key=new_key, retire_old=retire_old)
    except DomainError as exc:
        raise _fail(exc) from None
    finally:
        db.dispose()
    retired = f"; retired {', '.join(result.retired)}" if result.retired else ""
    console.print(f"active master key {result.active}; re-wrapped {result.rewrapped} item(s){retired}")


@evidence_app.command("status")
def status() -> None:
    """Whether the vault can seal and open evidence with the configured key file and store."""
    config = settings()
    try:
        keys = evidence.MasterKeys.load(config.evidence_key_file)
        store = evidence.vault.build_store(config)
    except DomainError as exc:
        raise _fail(exc) from None
    console.print(f"key file {config.evidence_key_file}: active {keys.active}, {len(keys.keys)} key(s); "
                  f"store: {store.name}")


@retention_app.command("run")
def run(dry_run: Annotated[bool, typer.Option("--dry-run", help="list what would be purged; delete nothing")]
        = False) -> None:
    """Purge preserved evidence that no active hold covers any more. Nothing under an active hold is touched."""
    config = settings()
    db = database(config.database_url)
    evidence.configure(config)
    try:
        with Progress(TextColumn("purging"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                      console=console, transient=True, disable=dry_run) as progress:
            task = progress.add_task("purge", total=None)
            result = evidence.run_retention(db, actor=cli_actor(), dry_run=dry_run,
                                            progress=lambda done, total: progress.update(task, completed=done,
                                                                                         total=total))
    except DomainError as exc:
        raise _fail(exc) from None
    finally:
        db.dispose()
    if dry_run:
        for item_id in result.due:
            print(item_id)
        console.print(f"dry run: {len(result.due)} item(s) would be purged; nothing was deleted")
    else:
        console.print(f"purged {result.purged} item(s); deleted {result.objects_deleted} sealed object(s)")
