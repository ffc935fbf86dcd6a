"""``childsafe banks …`` and ``childsafe match``: curate hash banks and match local files."""

from pathlib import Path
from typing import Annotated

import orjson
import typer
from rich.markup import escape
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn, TransferSpeedColumn
from rich.table import Table

from childsafe import banks
from childsafe.cli.common import cli_actor, console, database, settings
from childsafe.errors import DomainError
from childsafe.vocabulary import RiskCategory

banks_app = typer.Typer(help="Hash banks of known abuse material and of known false positives.", no_args_is_help=True)


def _fail(exc: DomainError) -> typer.Exit:
    console.print(f"[red]error:[/red] {escape(exc.detail)}", highlight=False)
    return typer.Exit(1)


@banks_app.command("create")
def create(name: str,
           kind: Annotated[str, typer.Option(help="match, or allow (known false positives)")] = "match",
           category: Annotated[RiskCategory, typer.Option(help="risk category a match signals")] = RiskCategory.CSAM,
           threshold: Annotated[int, typer.Option(help="largest PDQ/vPDQ distance that matches")] = 31,
           source: Annotated[str, typer.Option(help="local, file or exchange")] = "file",
           description: str = "") -> None:
    """Create a bank."""
    db = database(settings().database_url)
    try:
        with db.transaction() as session:
            bank = banks.create_bank(session, cli_actor(), name=name, kind=kind, category=category,
                                     threshold=threshold, source=source, description=description)
            console.print(f"created bank {bank.name!r} (id {bank.id}, {bank.kind}, threshold {bank.threshold})")
    except DomainError as exc:
        raise _fail(exc) from None


@banks_app.command("import")
def import_(name: Annotated[str, typer.Argument(help="bank name (created as a file bank if --create)")],
            file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="the hash list")],
            fmt: Annotated[str, typer.Option("--format", help="auto, plain, pytx, csv or vpdq")] = "auto",
            algorithm: Annotated[str | None, typer.Option(help="md5, sha256, pdq or vpdq, for plain lists")] = None,
            item_id: Annotated[str | None, typer.Option(help="the video's id, for a vPDQ frame list")] = None,
            strict: Annotated[bool, typer.Option(help="abort (importing nothing) at the first malformed line")] = False,
            create: Annotated[bool, typer.Option(help="create the bank if it does not exist")] = False,
            batch: Annotated[int, typer.Option(min=100, max=1_000_000)] = 50_000) -> None:
    """Import a hash list. Re-running it on the same file resumes where an interrupted run stopped."""
    db = database(settings().database_url)
    actor = cli_actor()
    try:
        if create:
            with db.transaction() as session:
                banks.ensure_bank(session, actor, name, kind="match", source="file")
        size = file.stat().st_size
        with Progress(TextColumn("importing {task.fields[name]}"), BarColumn(), DownloadColumn(),
                      TransferSpeedColumn(), TimeRemainingColumn(), console=console, transient=False) as progress:
            task = progress.add_task("import", total=size, name=file.name)
            report = banks.import_file(db, actor, name, file, fmt=fmt, algorithm=algorithm, item_id=item_id,
                                       strict=strict, batch_size=batch,
                                       on_progress=lambda done: progress.update(task, completed=done))
    except DomainError as exc:
        raise _fail(exc) from None
    if report.resumed_from_line:
        console.print(f"resumed after line {report.resumed_from_line}")
    for error in report.errors[:20]:
        console.print(f"[yellow]line {error['line']}:[/yellow] {escape(error['reason'])} (skipped)", highlight=False)
    if report.malformed > 20:
        console.print(f"… and {report.malformed - 20} more malformed lines")
    print(orjson.dumps({k: v for k, v in report.__dict__.items() if k != "errors"}).decode())


@banks_app.command("list")
def list_() -> None:
    """Every bank with its kind, threshold, state and hash count."""
    db = database(settings().database_url)
    table = Table("name", "kind", "category", "threshold", "source", "enabled", "hashes", "last refresh")
    with db.transaction() as session:
        for bank in banks.list_banks(session):
            counts = banks.stats(session, bank)
            table.add_row(bank.name, bank.kind, bank.category, str(bank.threshold), bank.source,
                          "yes" if bank.enabled else "no", f"{counts['hashes']:,}",
                          bank.last_refresh_at.isoformat(timespec="seconds") if bank.last_refresh_at else "-")
    console.print(table)


@banks_app.command("stats")
def stats(name: str) -> None:
    """Counts by algorithm, retractions and the last import of one bank, as JSON."""
    db = database(settings().database_url)
    try:
        with db.transaction() as session:
            bank = banks.get_bank(session, name)
            result = {"name": bank.name, "kind": bank.kind, "threshold": bank.threshold, "enabled": bank.enabled,
                      **banks.stats(session, bank)}
    except DomainError as exc:
        raise _fail(exc) from None
    print(orjson.dumps(result, default=str).decode())


@banks_app.command("remove")
def remove(name: str,
           hashes: Annotated[list[str] | None, typer.Argument(help="hashes to retract")] = None,
           algorithm: Annotated[str, typer.Option(help="the algorithm of the hashes given")] = "pdq",
           file: Annotated[Path | None, typer.Option(exists=True, dir_okay=False,
                                                     help="a list (any import format) of hashes to retract")] = None,
           item: Annotated[list[str] | None, typer.Option(help="retract every hash of this list item id")] = None,
           bank: Annotated[bool, typer.Option("--bank", help="retract everything and delete the bank")] = False,
           reason: str = "") -> None:
    """Retract hashes from a bank (lists retract entries), or delete the whole bank."""
    db = database(settings().database_url)
    actor = cli_actor()
    try:
        with db.transaction() as session:
            if bank:
                removed = banks.delete_bank(session, actor, name, reason=reason)
            else:
                pairs = [(algorithm, h) for h in hashes or []]
                if file is not None:
                    pairs += [(r.algorithm, r.value) for r, _ in banks.formats.read(file, "auto", algorithm=algorithm)
                              if isinstance(r, banks.Entry)]
                removed = banks.remove_hashes(session, actor, name, values=pairs, item_ids=item or [], reason=reason)
    except DomainError as exc:
        raise _fail(exc) from None
    console.print(f"retracted {removed} hash(es)")


def match(files: Annotated[list[Path], typer.Argument(help="images or videos", exists=True, dir_okay=False)],
          dihedral: Annotated[bool, typer.Option(help="also match the 7 rotations and flips")] = False) -> None:
    """Hash each file here and match it against every enabled bank; one JSON line per file.

    Nothing is stored and no case is opened: this is the curator's "would this match?" tool.
    """
    from childsafe import hashing, scan
    from childsafe.banks import Matcher

    config = settings()
    db = database(config.database_url)
    from childsafe.api.app import index_directory

    matcher = Matcher(db, index_directory(config)).open()
    found = 0
    for path in files:
        try:
            media = hashing.hash_file(path, dihedral=dihedral, max_video_seconds=config.max_video_seconds)
        except DomainError as exc:
            console.print(f"[red]{escape(str(path))}[/red]: {escape(exc.detail)}", highlight=False)
            continue
        hashes = [scan.MediaHash(h.algorithm, h.value, h.quality, h.variant) for h in media.hashes]
        frames = [scan.FrameHash(f.hex, f.quality, f.timestamp) for f in media.frames]
        with db.transaction() as session:
            outcome = scan.preview(session, matcher, hashes, frames)
        found += bool(outcome.matches)
        print(orjson.dumps({"file": str(path), "verdict": outcome.verdict,
                            "matches": [m.view() for m in outcome.matches],
                            "suppressed": [m.view() for m in outcome.suppressed],
                            "low_quality": outcome.low_quality}).decode())
    raise typer.Exit(0 if not found else 3)  # 3: something matched, for scripts
