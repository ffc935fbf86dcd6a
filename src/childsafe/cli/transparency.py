"""``childsafe transparency …`` (DSA report, daily figures, TDB submission) and ``childsafe referrals …``
(hotline and law-enforcement packages, the register of law-enforcement requests)."""

import getpass
import json
import os
import uuid
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from childsafe import evidence, transparency
from childsafe.audit import Actor
from childsafe.cli.common import console, database, settings
from childsafe.errors import DomainError
from childsafe.referrals import exports
from childsafe.referrals import requests as le_requests
from childsafe.transparency import report, submission
from childsafe.transparency.tdb import TdbClient, TdbError
from childsafe.vocabulary import Role

transparency_app = typer.Typer(help="EU DSA transparency: reports and the Transparency Database.",
                               no_args_is_help=True)
referrals_app = typer.Typer(help="Referral packages and the register of law-enforcement requests.",
                            no_args_is_help=True)


def _actor(role: Role) -> Actor:
    """The person at the terminal, in the role the command needs (the audit log says it was the CLI)."""
    return Actor(id=f"cli:{getpass.getuser()}", role=role.value, name="command line")


def _fail(exc: DomainError) -> typer.Exit:
    console.print(f"[red]error:[/red] {escape(exc.detail)}", highlight=False)
    return typer.Exit(1)


def _write(text: str | bytes, out: Path | None) -> None:
    if out is None:
        typer.echo(text if isinstance(text, str) else text.decode())
    elif isinstance(text, bytes):
        out.write_bytes(text)
    else:
        out.write_text(text, encoding="utf-8")


def _write_private(out: Path, data: bytes) -> None:
    """Write a referral package readable by its owner only, never over an existing file.

    The package may hold abuse material and a child's account data in plain text outside the sealed
    vault, so it is created 0600 (whatever the umask), and written to a temporary file beside ``out``,
    flushed to disk, then linked into place: the link fails if ``out`` appeared meanwhile, and nobody
    ever sees a half-written package under the final name."""
    temp = out.with_name(f".{out.name}.{uuid.uuid4().hex}.part")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), 0o600)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.link(temp, out)  # unlike rename, refuses to replace an existing file
    finally:
        temp.unlink(missing_ok=True)
    directory = os.open(out.parent, os.O_RDONLY)
    try:
        os.fsync(directory)  # the new name survives a crash too
    finally:
        os.close(directory)


@transparency_app.command("report")
def report_command(
        start: Annotated[str, typer.Option("--from", help="first day, YYYY-MM-DD (UTC)")],
        end: Annotated[str, typer.Option("--to", help="last day, YYYY-MM-DD, included")],
        fmt: Annotated[str, typer.Option("--format", help="csv or html")] = "csv",
        out: Annotated[Path | None, typer.Option(help="file to write; default: standard output")] = None) -> None:
    """The Art. 15/24 transparency report for a period, under the 2024/2835 headings."""
    if fmt not in ("csv", "html"):
        raise typer.BadParameter("csv or html", param_hint="--format")
    try:
        first, last = date.fromisoformat(start), date.fromisoformat(end)
    except ValueError as exc:
        raise typer.BadParameter(f"dates are YYYY-MM-DD: {exc}") from None
    config = settings()
    db = database(config.database_url)
    try:
        with db.transaction() as session:
            built = report.build(session, first, last, platform=config.platform_name)
    except DomainError as exc:
        raise _fail(exc) from None
    _write(report.to_csv(built) if fmt == "csv" else report.to_html(built), out)
    if out:
        console.print(f"wrote {out}")


@transparency_app.command("daily")
def daily_command(start: Annotated[str, typer.Option("--from")], end: Annotated[str, typer.Option("--to")]) -> None:
    """Daily figures, one JSON line per day."""
    db = database(settings().database_url)
    try:
        with db.transaction() as session:
            days = transparency.daily(session, date.fromisoformat(start), date.fromisoformat(end))
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    except DomainError as exc:
        raise _fail(exc) from None
    for day in days:
        typer.echo(json.dumps(asdict(day) | {"day": day.day.isoformat()}))


@transparency_app.command("submit")
def submit_command(queue_only: Annotated[bool, typer.Option(help="queue new statements, send nothing")] = False,
                   max_batches: Annotated[int | None, typer.Option(min=1)] = None) -> None:
    """Queue new statements of reasons and send what is pending to the DSA Transparency Database."""
    config = settings()
    db = database(config.database_url)
    with db.transaction() as session:
        queued = submission.queue(session, config)
    console.print(f"queued {queued} new statement(s) for the {config.tdb_environment} TDB")
    if queue_only:
        return
    try:
        with TdbClient(config) as client:
            summary = submission.submit_pending(db, client, max_batches=max_batches)
    except TdbError as exc:
        console.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False)
        raise typer.Exit(1) from None
    console.print(f"submitted {summary.submitted}, already there {summary.reconciled}, rejected {summary.rejected}"
                  f" in {len(summary.batches)} batch(es)")
    if summary.error:
        console.print(f"[red]stopped:[/red] {escape(summary.error)}", highlight=False)
        raise typer.Exit(1)


@transparency_app.command("statements")
def statements_command(status: Annotated[str | None, typer.Option(help="pending, submitted or rejected")] = None,
                       limit: int = 20) -> None:
    """Submission counts and the latest statements with their TDB receipts."""
    db = database(settings().database_url)
    with db.transaction() as session:
        typer.echo(json.dumps(submission.status_counts(session)))
        for row in submission.submissions(session, status=status, limit=limit):
            typer.echo(json.dumps({"puid": row.puid, "status": row.status, "tdb_uuid": row.tdb_uuid,
                                   "permalink": row.permalink, "last_error": row.last_error}))


@referrals_app.command("export")
def export_command(
        case_id: uuid.UUID,
        target: Annotated[str, typer.Option(help="inhope, iwf or law_enforcement")],
        recipient: Annotated[str, typer.Option(help="the hotline or authority")],
        legal_basis: Annotated[str, typer.Option()],
        reason: Annotated[str, typer.Option(help="why; written to the audit log")],
        out: Annotated[Path, typer.Option(help="the zip to write", dir_okay=False)],
        request_id: Annotated[uuid.UUID | None, typer.Option(help="the approved law-enforcement request")] = None,
        include_media: Annotated[bool | None, typer.Option("--include-media/--no-media")] = None) -> None:
    """Build a referral package as a child-safety specialist (audited); written 0600, never over a file.

    A law-enforcement package needs --request-id: an approved entry of the request register about this case."""
    if out.exists() or out.is_symlink():  # refuse before anything is read from the vault or audited
        raise typer.BadParameter(f"{out} exists; referral packages are never written over a file",
                                 param_hint="--out")
    if not out.parent.is_dir():
        raise typer.BadParameter(f"no directory {out.parent}", param_hint="--out")
    config = settings()
    db = database(config.database_url)
    evidence.configure(config)
    try:
        data = exports.ExportIn(target=target, recipient=recipient, legal_basis=legal_basis, reason=reason,
                                request_id=request_id, include_media=include_media)
        with db.transaction() as session:
            package = exports.export(session, case_id, data, _actor(Role.CHILD_SAFETY_SPECIALIST))
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    except DomainError as exc:
        raise _fail(exc) from None
    try:
        _write_private(out, package.data)
    except FileExistsError:
        console.print(f"[red]error:[/red] {escape(str(out))} appeared while the package was built; not written "
                      f"over (export {package.export.id} is recorded: build it again to another file)",
                      highlight=False)
        raise typer.Exit(1) from None
    except OSError as exc:
        console.print(f"[red]error:[/red] cannot write {escape(str(out))}: {escape(exc.strerror or str(exc))}",
                      highlight=False)
        raise typer.Exit(1) from None
    console.print(f"wrote {out} ({len(package.data)} bytes, {package.export.file_count} files, "
                  f"sha256 {package.export.package_sha256})")


@referrals_app.command("verify")
def verify_command(package: Annotated[Path, typer.Argument(exists=True, dir_okay=False)]) -> None:
    """Check a package against its manifest (exit 1 if anything is missing, added or changed)."""
    problems = exports.verify(package.read_bytes())
    for problem in problems:
        console.print(f"[red]{escape(problem)}[/red]")
    if problems:
        raise typer.Exit(1)
    console.print("intact")


@referrals_app.command("request-add")
def request_add(authority: Annotated[str, typer.Option()], country: Annotated[str, typer.Option()],
                kind: Annotated[str, typer.Option()], legal_basis: Annotated[str, typer.Option()],
                requested: Annotated[str, typer.Option(help="what is asked for")],
                deadline: Annotated[str | None, typer.Option(help="YYYY-MM-DD")] = None,
                case_id: Annotated[uuid.UUID | None, typer.Option()] = None,
                reference: Annotated[str | None, typer.Option(help="the authority's reference")] = None,
                emergency: bool = False) -> None:
    """Register a law-enforcement request (as compliance)."""
    db = database(settings().database_url)
    try:
        data = le_requests.RequestIn(authority=authority, country=country, kind=kind, legal_basis=legal_basis,
                                     requested=requested, deadline=deadline, case_id=case_id,
                                     authority_reference=reference, emergency=emergency)
        with db.transaction() as session:
            row = le_requests.register(session, data, _actor(Role.COMPLIANCE))
            typer.echo(json.dumps(le_requests.as_dict(row)))
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    except DomainError as exc:
        raise _fail(exc) from None


@referrals_app.command("requests")
def request_list(status: Annotated[str | None, typer.Option()] = None, overdue: bool = False) -> None:
    """The register, newest first, one JSON line per request."""
    db = database(settings().database_url)
    try:
        with db.transaction() as session:
            for row in le_requests.register_list(session, _actor(Role.COMPLIANCE), status=status, overdue=overdue):
                typer.echo(json.dumps(le_requests.as_dict(row)))
    except DomainError as exc:
        raise _fail(exc) from None


@referrals_app.command("request-set")
def request_set(request_id: uuid.UUID, status: Annotated[str, typer.Option()],
                reason: Annotated[str | None, typer.Option()] = None,
                disclosed: Annotated[list[str] | None, typer.Option(
                    help="KIND:DESCRIPTION[:REFERENCE], repeatable (with --status disclosed)")] = None,
                as_role: Annotated[str, typer.Option(help="compliance or child_safety_specialist")] = "compliance",
                ) -> None:
    """Move a request on: approved, disclosed, refused, withdrawn or closed."""
    db = database(settings().database_url)
    try:
        items = [dict(zip(("kind", "description", "reference"), d.split(":", 2), strict=False))
                 for d in disclosed or []]
        data = le_requests.TransitionIn(status=status, reason=reason, disclosed=items)
        with db.transaction() as session:
            row = le_requests.transition(session, request_id, data, _actor(Role(as_role)))
            typer.echo(json.dumps(le_requests.as_dict(row)))
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    except DomainError as exc:
        raise _fail(exc) from None
