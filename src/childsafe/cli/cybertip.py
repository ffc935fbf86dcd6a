"""``childsafe cybertip``: check the NCMEC connection and drive CyberTipline submissions.

Submissions normally run as outbox jobs of the service or worker; ``run`` advances every report in
flight from this process too, which is how a submission interrupted by a crash (or whose job gave
up during a long outage) is resumed by hand or from a timer.
"""

import time
from typing import Annotated

import typer

from childsafe.cli.common import console, database, settings
from childsafe.referrals import cybertip  # also registers the submission job for `childsafe worker` and `jobs`

cybertip_app = typer.Typer(help="NCMEC CyberTipline reports (ISPWS).", no_args_is_help=True)


@cybertip_app.command("check")
def check_connection() -> None:
    """Check that the configured NCMEC environment answers and accepts the credentials."""
    from childsafe.referrals.cybertip.client import base_url

    config = settings()
    try:
        with cybertip.IspwsClient.from_settings(config) as client:
            answer = client.status()
    except cybertip.NcmecError as exc:
        console.print(f"[red]NCMEC check failed:[/red] {exc}", highlight=False)
        raise typer.Exit(1) from exc
    console.print(f"NCMEC {config.ncmec_environment} at {base_url(config)}: responseCode {answer.code} "
                  f"({answer.description or 'ok'})", highlight=False)


@cybertip_app.command("run")
def run(loop: Annotated[bool, typer.Option("--loop/--once", help="keep going until interrupted")] = False,
        interval: Annotated[float, typer.Option(min=0.1, help="seconds between passes with --loop")] = 5.0) -> None:
    """Advance every report being submitted or retracted (resumes after a crash; never sends a step twice)."""
    config = settings()
    db = database(config.database_url)
    cybertip.bind(db, config)
    try:
        while True:
            for report_id, outcome in cybertip.run_pending(db, config).items():
                console.print(f"{report_id}: {outcome}", highlight=False)
            if not loop:
                return
            time.sleep(interval)
    except KeyboardInterrupt:
        return
    finally:
        db.dispose()
