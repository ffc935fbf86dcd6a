"""The CyberTipline submission survives SIGKILL at every step.

A child process runs the submission against the fake ISPWS, which parks one request before
processing it; the test kills the child with SIGKILL while it waits, starts a new one, and moves
the parked point one step further each round (submit, each upload, each fileinfo, finish). NCMEC
must end up with exactly one report, opened once and finished once, and every file uploaded and
described once.
"""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from childsafe.referrals import cybertip
from cybertip_support import SPECIALIST, complete_case, cybertip_settings
from fakes.ncmec import FakeNcmec

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
        "CHILDSAFE_NCMEC_LEASE_SECONDS": "0.5",  # a killed worker's lease lapses before the next one starts
        "CHILDSAFE_NCMEC_RETRY_DELAY_SECONDS": "0.01",
    })
    return env


@pytest.mark.slow
def test_submission_survives_sigkill_at_every_step(db, settings, tmp_path, fake):
    settings = cybertip_settings(settings, tmp_path, fake.url)
    with db.transaction() as session:
        case_id = complete_case(session, images=2)
        report_id = cybertip.create_draft(session, case_id, SPECIALIST, settings).id
        cybertip.approve(session, report_id, SPECIALIST)
        cybertip.submit(session, report_id, SPECIALIST, settings)
    env = _environment(settings)
    for endpoint, processed in STEPS:
        parked = fake.park(endpoint, after=processed)
        child = subprocess.Popen([sys.executable, "-c", RUN_ONCE], env=env, cwd=ROOT,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 30
        while not parked.parked.wait(0.05):
            assert child.poll() is None, f"worker exited before {endpoint}: {child.communicate()[1].decode()[-2000:]}"
            assert time.monotonic() < deadline, f"worker never reached {endpoint}"
        child.send_signal(signal.SIGKILL)
        assert child.wait(10) == -signal.SIGKILL
        child.stdout.close()
        child.stderr.close()
        parked.release.set()
        with db.transaction() as session:
            assert session.get(cybertip.CybertipReport, report_id).status == "submitting"
    finished = subprocess.run([str(Path(sys.executable).parent / "childsafe"), "cybertip", "run"], env=env,
                              cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert finished.returncode == 0, finished.stderr[-2000:]
    assert f"{report_id}: submitted" in finished.stderr
    assert fake.calls == {"submit": 1, "upload": 2, "fileinfo": 2, "finish": 1}
    assert fake.requests["submit"] == 2 and fake.requests["finish"] == 2  # each step was really interrupted once
    [remote] = fake.reports.values()
    assert remote.finished and len(remote.files) == 2
    assert all(f["details"] is not None for f in remote.files.values())
    with db.transaction() as session:
        report = session.get(cybertip.CybertipReport, report_id)
        assert report.status == "submitted" and report.ncmec_report_id == str(remote.id)
        assert {row.ncmec_file_id for row in cybertip.files(session, report_id)} == set(remote.files)


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
