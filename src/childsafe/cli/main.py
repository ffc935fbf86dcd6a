"""The ``childsafe`` command line: serve, migrate, demo data, keys, audit, background workers."""

import os
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from childsafe import __version__, access, audit
from childsafe.cli.banks import banks_app, match
from childsafe.cli.common import cli_actor, console, database, settings
from childsafe.cli.console import users_app
from childsafe.cli.cybertip import cybertip_app
from childsafe.cli.evidence import evidence_app, retention_app
from childsafe.cli.reportform import report_link
from childsafe.cli.text import scan_text, train
from childsafe.cli.transparency import referrals_app, transparency_app
from childsafe.store import migrate as migrations
from childsafe.vocabulary import Role

app = typer.Typer(help="childsafe: child online protection for online services.", no_args_is_help=True)
keys_app = typer.Typer(help="API keys (stored hashed, shown once).", no_args_is_help=True)
audit_app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
app.add_typer(audit_app, name="audit")
app.add_typer(banks_app, name="banks")
app.add_typer(users_app, name="users")
app.add_typer(evidence_app, name="evidence")
app.add_typer(retention_app, name="retention")
app.add_typer(cybertip_app, name="cybertip")
app.add_typer(transparency_app, name="transparency")
app.add_typer(referrals_app, name="referrals")
app.command("match")(match)
app.command("scan-text")(scan_text)
app.command("train")(train)
app.command("report-link")(report_link)
_settings, _database, _cli_actor = settings, database, cli_actor


@app.command()
def version() -> None:
    """Print the version."""
    print(__version__)


@app.command()
def migrate() -> None:
    """Create or upgrade the database schema to the latest version."""
    settings = _settings()
    _database(settings.database_url).dispose()
    migrations.upgrade(settings.database_url)
    console.print(f"database at revision {migrations.current(settings.database_url)}")


@app.command()
def serve(host: str = "127.0.0.1", port: int = 8000,
          auto_migrate: Annotated[bool, typer.Option("--migrate/--no-migrate")] = True) -> None:
    """Run the HTTP API (one process; run several behind a load balancer to scale out)."""
    import uvicorn

    from childsafe import logs

    settings = _settings()
    logs.configure(settings.log_level)
    _database(settings.database_url).dispose()
    if auto_migrate:
        migrations.upgrade(settings.database_url)
    uvicorn.run("childsafe.api.app:create_app", factory=True, host=host, port=port, access_log=False,
                log_config=None, timeout_graceful_shutdown=10)


@app.command()
def demo(reports: Annotated[int, typer.Option(min=0, max=100_000)] = 60, seed: int = 7) -> None:
    """Fill the database with realistic demo data and print one API key per role."""
    from childsafe.demo import console_users, populate

    settings = _settings()
    db = _database(settings.database_url)
    migrations.upgrade(settings.database_url)
    tokens = populate(db, settings, count=reports, seed=seed, console=console)
    table = Table(title="Demo API keys (shown once)")
    table.add_column("role")
    table.add_column("key")
    for role, token in tokens.items():
        table.add_row(role, token)
    Console().print(table)
    users = console_users(db)
    if users:
        people = Table(title="Demo console users at /console (passwords shown once)")
        for column in ("role", "username", "password"):
            people.add_column(column)
        for role, (username, password) in users.items():
            people.add_row(role, username, password)
        Console().print(people)


@keys_app.command("create")
def keys_create(role: Annotated[Role, typer.Option(help="service, moderator, child_safety_specialist, "
                                                        "compliance or admin")],
                name: Annotated[str, typer.Option(help="who or what uses the key")]) -> None:
    """Create a key and print it once."""
    db = _database(_settings().database_url)
    with db.transaction() as session:
        created = access.create_key(session, role, name, _cli_actor())
    console.print(f"[green]created[/green] {created.role.value} key {created.prefix} for {name!r}; "
                  "store it now, it is not shown again:")
    print(created.token)


@keys_app.command("list")
def keys_list() -> None:
    """List keys (never their secrets)."""
    db = _database(_settings().database_url)
    table = Table("id", "prefix", "role", "name", "created", "revoked")
    with db.transaction() as session:
        for key in access.list_keys(session):
            table.add_row(str(key.id), key.prefix, key.role, key.name, key.created_at.isoformat(timespec="seconds"),
                          key.revoked_at.isoformat(timespec="seconds") if key.revoked_at else "")
    Console().print(table)


@keys_app.command("revoke")
def keys_revoke(key_id: str) -> None:
    """Revoke a key by id."""
    import uuid

    db = _database(_settings().database_url)
    try:
        parsed = uuid.UUID(key_id)
    except ValueError as exc:
        console.print(f"[red]{key_id!r} is not a key id[/red]")
        raise typer.Exit(2) from exc
    with db.transaction() as session:
        if access.revoke_key(session, parsed, _cli_actor()) is None:
            console.print(f"[red]no key {key_id}[/red]")
            raise typer.Exit(1)
    console.print("revoked")


@audit_app.command("verify")
def audit_verify(expect_head: Annotated[str | None, typer.Option(help="a head hash saved earlier")] = None) -> None:
    """Check the whole hash chain; exits 1 if any entry was changed or removed."""
    db = _database(_settings().database_url)
    with db.transaction() as session:
        result = audit.verify(session, expect_head=expect_head)
    if result.ok:
        console.print(f"[green]audit log intact[/green]: {result.checked} entries, head {result.head_seq} "
                      f"{result.head_hash}")
        return
    console.print(f"[red]audit log TAMPERED[/red]: {len(result.problems)} problem(s) in {result.checked} entries")
    for problem in result.problems[:50]:
        console.print(f"  - {problem}")
    raise typer.Exit(1)


@audit_app.command("head")
def audit_head() -> None:
    """Print the latest entry's number and hash; keep it elsewhere to detect truncation later."""
    db = _database(_settings().database_url)
    with db.transaction() as session:
        seq, digest = audit.head(session)
    print(f"{seq} {digest}")


@app.command("hash")
def hash_files(files: Annotated[list[Path], typer.Argument(help="images or videos", exists=True, dir_okay=False)],
               dihedral: Annotated[bool, typer.Option(help="also the 7 rotations and flips (PDQ)")] = False) -> None:
    """Print MD5, SHA-256 and PDQ (with quality) of each image, or vPDQ frames (one per second) of each video,
    as one JSON line per file; the files stay here."""
    import orjson
    from rich.progress import track

    from childsafe import hashing

    failed = 0
    for path in track(files, description="hashing", console=console, disable=len(files) < 20):
        try:
            media = hashing.hash_file(path, dihedral=dihedral, max_video_seconds=_settings().max_video_seconds)
        except hashing.InvalidMedia as exc:
            console.print(f"[red]{path}[/red]: {exc.detail}", soft_wrap=True)
            failed += 1
            continue
        line: dict[str, object] = {"file": str(path), "kind": media.kind}
        if media.frames:
            line["vpdq"] = [{"frame": f.frame, "timestamp": f.timestamp, "hash": f.hex, "quality": f.quality}
                            for f in media.frames]
        for value in media.hashes:
            if value.algorithm == "pdq" and value.variant != "original":
                line.setdefault("pdq_dihedral", []).append(value.value)  # type: ignore[union-attr]
            else:
                line[value.algorithm] = value.value
                if value.quality is not None:
                    line["pdq_quality"], line["pdq_low_quality"] = value.quality, not value.match_eligible
        print(orjson.dumps(line).decode())
    if failed:
        raise typer.Exit(1)


@app.command()
def worker(relay_interval: float = 1.0) -> None:
    """Production background work: relay the outbox to Dramatiq on Redis and run Dramatiq workers."""
    from dramatiq import Worker

    from childsafe import jobs, logs, notify
    from childsafe.jobs import dramatiq_queue

    settings = _settings()
    logs.configure(settings.log_level)
    notify.configure_from(settings.webhook_url, settings.webhook_secret)
    db = _database(settings.database_url)
    actor = dramatiq_queue.setup(settings.redis_url, db)
    relay = jobs.Relay(db, actor.send)
    dramatiq_worker = Worker(actor.broker, worker_threads=4)
    dramatiq_worker.start()
    console.print(f"worker running (pid {os.getpid()}); Ctrl-C to stop")
    try:
        while True:
            relay.relay_once()
            time.sleep(relay_interval)
    except KeyboardInterrupt:
        pass
    finally:
        dramatiq_worker.stop()


@app.command("jobs")
def jobs_status(run: Annotated[bool, typer.Option(help="run due jobs once, in this process")] = False) -> None:
    """Show outbox counts by status, optionally running what is due."""
    from childsafe import jobs, notify

    settings = _settings()
    notify.configure_from(settings.webhook_url, settings.webhook_secret)
    db = _database(settings.database_url)
    if run:
        console.print(f"ran {jobs.run_due(db)} job(s)")
    with db.transaction() as session:
        counts = jobs.pending_count(session)
    print(" ".join(f"{k}={v}" for k, v in sorted(counts.items())) or "empty")


def main() -> None:
    sys.exit(app())
