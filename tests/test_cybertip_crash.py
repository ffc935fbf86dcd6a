"""The CyberTipline submission survives SIGKILL at every step.

A child process runs the submission against the fake ISPWS, which holds one request; the test kills
the child with SIGKILL while it waits, lets the dead worker's lease lapse, starts a new one, and
moves the held point one step further each round (submit, each upload, each fileinfo, finish).

Two windows are killed in: before NCMEC processed the request (then NCMEC ends up with exactly one
report, opened once and finished once, every file uploaded and described once), and after NCMEC
processed it but before the worker committed the answer. In the second window finish is safe (NCMEC
answers a repeated finish with 5102 and the worker records the report as finished), but submit and
upload are not: ISPWS has no idempotency key and no way to look a report up, so the next worker opens
a second report (the first stays open and unfinished at NCMEC, unknown to us) and uploads the file
again (the extra copy is never described). The test asserts exactly that, so a change is noticed.
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import update

from childsafe.referrals import cybertip
from childsafe.store import utcnow
from cybertip_support import SPECIALIST, complete_case, cybertip_settings
from fakes.ncmec import FakeNcmec, Fault

ROOT = Path(__file__).resolve().parent.parent
# Each remote step of a two-file report, in the order the worker takes them: (endpoint, processed before).
STEPS = [("submit", 0), ("upload", 0), ("upload", 1), ("fileinfo", 0), ("fileinfo", 1), ("finish", 0)]
RUN_ONCE = ("from childsafe.config import get_settings; from childsafe.referrals import cybertip; "
            "from childsafe.store import Database; s = get_settings(); "
            "print(cybertip.run_pending(Database(s.database_url), s))")


@pytest.fixture
def fake() -> Iterator[FakeNcmec]:
    server = FakeNcmec().start()
    yield server
    server.stop()


def _environment(settings) -> dict[str, str]:  # type: ignore[no-untyped-def]
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHILDSAFE_")}
    env.update({
        "CHILDSAFE_DATABASE_URL": settings.database_url, "CHILDSAFE_NCMEC_URL": settings.ncmec_url,
        "CHILDSAFE_NCMEC_USERNAME": settings.ncmec_username, "CHILDSAFE_NCMEC_PASSWORD": settings.ncmec_password,
        "CHILDSAFE_EVIDENCE_KEY_FILE": settings.evidence_key_file, "CHILDSAFE_EVIDENCE_DIR": settings.evidence_dir,
        # long enough that a slow child never loses its lease mid-run; the test lapses a killed one's itself
        "CHILDSAFE_NCMEC_LEASE_SECONDS": "120",
        "CHILDSAFE_NCMEC_RETRY_DELAY_SECONDS": "0.01",
    })
    return env


def _submitting(db, settings) -> uuid.UUID:  # type: ignore[no-untyped-def]
    with db.transaction() as session:
        case_id = complete_case(session, images=2)
        report_id = cybertip.create_draft(session, case_id, SPECIALIST, settings).id
        cybertip.approve(session, report_id, SPECIALIST)
        cybertip.submit(session, report_id, SPECIALIST, settings)
    return report_id


def _kill_while_held(db, env: dict[str, str], report_id: uuid.UUID, held: Fault, step: str) -> None:  # type: ignore[no-untyped-def]
    """Run one worker until the fake holds its request, SIGKILL it, and lapse its lease (as time would)."""
    child = subprocess.Popen([sys.executable, "-c", RUN_ONCE], env=env, cwd=ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        if not held.parked.wait(60):
            child.kill()
            raise AssertionError(f"worker never reached {step}: {child.communicate()[1].decode()[-2000:]}")
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(10)
        child.stdout.close()
        child.stderr.close()
    assert child.returncode == -signal.SIGKILL, f"the worker ended by itself before {step}"
    held.release.set()
    with db.transaction() as session:
        row = session.get(cybertip.CybertipReport, report_id)
        assert row.status == "submitting" and row.lease_until is not None  # it died holding the lease
        session.execute(update(cybertip.CybertipReport).where(cybertip.CybertipReport.id == report_id)
                        .values(lease_until=utcnow()))


def _finish_with_cli(env: dict[str, str], report_id: uuid.UUID) -> None:
    time.sleep(0.01)  # the lapsed lease lies strictly in the past
    finished = subprocess.run([str(Path(sys.executable).parent / "childsafe"), "cybertip", "run"], env=env,
                              cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert finished.returncode == 0, finished.stderr[-2000:]
    assert f"{report_id}: submitted" in finished.stderr


@pytest.mark.slow
def test_submission_survives_sigkill_at_every_step(db, settings, tmp_path, fake):
    settings = cybertip_settings(settings, tmp_path, fake.url)
    report_id = _submitting(db, settings)
    env = _environment(settings)
    for endpoint, processed in STEPS:
        _kill_while_held(db, env, report_id, fake.park(endpoint, after=processed), endpoint)
    _finish_with_cli(env, report_id)
    assert fake.calls == {"submit": 1, "upload": 2, "fileinfo": 2, "finish": 1}
    assert fake.requests["submit"] == 2 and fake.requests["finish"] == 2  # each step was really interrupted once
    [remote] = fake.reports.values()
    assert remote.finished and len(remote.files) == 2
    assert all(f["details"] is not None for f in remote.files.values())
    with db.transaction() as session:
        report = session.get(cybertip.CybertipReport, report_id)
        assert report.status == "submitted" and report.ncmec_report_id == str(remote.id)
        assert {row.ncmec_file_id for row in cybertip.files(session, report_id)} == set(remote.files)


@pytest.mark.slow
def test_sigkill_after_ncmec_processed_a_step_but_before_the_commit(db, settings, tmp_path, fake):
    settings = cybertip_settings(settings, tmp_path, fake.url)
    report_id = _submitting(db, settings)
    env = _environment(settings)
    for endpoint in ("submit", "upload", "finish"):
        _kill_while_held(db, env, report_id, fake.hold_answer(endpoint, after=0), endpoint)
    _finish_with_cli(env, report_id)
    # finish: processed once; the next worker's finish was answered 5102 and recorded as done
    assert fake.calls["finish"] == 1 and fake.requests["finish"] == 2
    # submit and upload: no idempotency key at NCMEC, so the lost answers were sent again
    assert fake.calls == {"submit": 2, "upload": 3, "fileinfo": 2, "finish": 1}
    orphan, remote = sorted(fake.reports.values(), key=lambda r: r.id)
    assert not orphan.finished and not orphan.retracted and orphan.files == {}  # left open, unknown to us
    assert remote.finished and len(remote.files) == 3
    described = {file_id for file_id, f in remote.files.items() if f["details"] is not None}
    with db.transaction() as session:
        report = session.get(cybertip.CybertipReport, report_id)
        assert report.status == "submitted" and report.ncmec_report_id == str(remote.id)
        assert {row.ncmec_file_id for row in cybertip.files(session, report_id)} == described
    assert len(described) == 2  # the duplicate upload of the first file is never described


def test_cli_check_reports_the_connection_and_refused_credentials(fake):
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHILDSAFE_")} | {
        "CHILDSAFE_NCMEC_URL": fake.url, "CHILDSAFE_NCMEC_USERNAME": fake.username, "COLUMNS": "250"}
    cli = str(Path(sys.executable).parent / "childsafe")
    good = subprocess.run([cli, "cybertip", "check"], env=env | {"CHILDSAFE_NCMEC_PASSWORD": fake.password},
                          capture_output=True, text=True, timeout=60)
    assert good.returncode == 0 and "responseCode 0" in good.stderr, good.stderr
    bad = subprocess.run([cli, "cybertip", "check"], env=env | {"CHILDSAFE_NCMEC_PASSWORD": "wrong"},
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1 and "HTTP 401" in bad.stderr and "2000" in bad.stderr, bad.stderr
    assert fake.requests["status"] == 2
