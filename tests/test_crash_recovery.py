"""Crash recovery: an acknowledged report survives SIGKILL, and client retries never duplicate one.

The real server (``childsafe serve``, one uvicorn process) runs as a subprocess on SQLite (a fresh
file) and on PostgreSQL (a fresh database of its own, never the shared ``test`` one). Client threads
stream report submissions, each with a unique Idempotency-Key, and record every acknowledgement
(a 201 carrying a reference). After ``ACKS_BEFORE_KILL`` acknowledgements the server is killed with
SIGKILL while requests are in flight. It is restarted, and every submission that was sent but not
acknowledged is sent again with the same key and body, as a client would. Then, reading the
database directly:

* every acknowledged key has exactly one row, holding the reference the client was given;
* every retried key has exactly one row, holding the reference the retry was given;
* there are as many rows as distinct keys (no duplicates, nothing from nowhere);
* the audit log's hash chain is intact (a transaction cut short must not leave half an entry).
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from childsafe import audit
from childsafe.reports.models import Report
from childsafe.store import Database
from conftest import PG_URL, report_body

pytestmark = pytest.mark.slow

ACKS_BEFORE_KILL = 150
CLIENT_THREADS = 8
_BESIDE_PYTHON = Path(sys.executable).with_name("childsafe")  # the venv's entry point
CHILDSAFE = str(_BESIDE_PYTHON) if _BESIDE_PYTHON.exists() else (shutil.which("childsafe") or "childsafe")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _env(url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHILDSAFE_")}
    return env | {"CHILDSAFE_DATABASE_URL": url, "CHILDSAFE_LOG_LEVEL": "WARNING"}


@pytest.fixture(params=["sqlite", "postgresql"])
def crash_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'crash.db'}"
        return
    name = f"crash_test_{os.getpid()}"  # own database: the suite's `test` schema stays untouched
    admin = Database(PG_URL)
    admin.engine = admin.engine.execution_options(isolation_level="AUTOCOMMIT")

    def drop() -> None:
        with admin.engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    drop()
    with admin.engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        drop()
        admin.dispose()


class Server:
    """``childsafe serve`` as a subprocess that can be killed and started again."""

    def __init__(self, url: str, logdir: Path) -> None:
        self.url, self.logdir, self.starts = url, logdir, 0
        self.proc: subprocess.Popen[bytes] | None = None
        self.base = ""

    def start(self) -> None:
        self.starts += 1
        port = _free_port()
        self.base = f"http://127.0.0.1:{port}"
        log = (self.logdir / f"server-{self.starts}.log").open("wb")
        self.proc = subprocess.Popen([CHILDSAFE, "serve", "--port", str(port)], env=_env(self.url),
                                     stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, f"server exited with {self.proc.returncode}:\n{self.log_tail()}"
            try:
                if httpx.get(f"{self.base}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"server did not become healthy:\n{self.log_tail()}")

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()

    def log_tail(self) -> str:
        path = self.logdir / f"server-{self.starts}.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""


def _body(i: int) -> dict[str, Any]:
    # 25 subjects, so submissions also join (and race on) existing cases, not only open new ones.
    reasons = ("bullying_me", "hate", "adult_asking_sexual_things", "self_harm", "something_else")
    return report_body(subject__platform_id=f"post-{i % 25}", reason=reasons[i % len(reasons)],
                       free_text=f"submission {i}")


def test_acknowledged_reports_survive_sigkill_and_retries_do_not_duplicate(crash_db_url: str,
                                                                            tmp_path: Path) -> None:
    migrated = subprocess.run([CHILDSAFE, "migrate"], env=_env(crash_db_url), capture_output=True, timeout=60)
    assert migrated.returncode == 0, migrated.stderr.decode()
    created = subprocess.run([CHILDSAFE, "keys", "create", "--role", "service", "--name", "crash"],
                             env=_env(crash_db_url), capture_output=True, timeout=60)
    assert created.returncode == 0, created.stderr.decode()
    token = created.stdout.decode().strip().splitlines()[-1]
    headers = {"Authorization": f"Bearer {token}"}

    server = Server(crash_db_url, tmp_path)
    server.start()
    lock = threading.Lock()
    acked: dict[str, str] = {}  # Idempotency-Key -> reference
    sent: dict[str, dict[str, Any]] = {}  # every key that went out -> its body
    killed = threading.Event()
    counter = iter(range(10**9))

    def stream() -> None:
        with httpx.Client(base_url=server.base, headers=headers, timeout=10) as client:
            while not killed.is_set():
                with lock:
                    i = next(counter)
                key, body = f"crash-{i:06d}", _body(i)
                with lock:
                    sent[key] = body
                try:
                    response = client.post("/v1/reports", json=body, headers={"Idempotency-Key": key})
                except httpx.HTTPError:
                    continue  # the server died under this request: not acknowledged
                if response.status_code == 201 and response.json().get("reference"):
                    with lock:
                        acked[key] = response.json()["reference"]
                        if len(acked) >= ACKS_BEFORE_KILL and not killed.is_set():
                            server.kill()  # SIGKILL with the other threads' requests in flight
                            killed.set()

    threads = [threading.Thread(target=stream, daemon=True) for _ in range(CLIENT_THREADS)]
    try:
        for thread in threads:
            thread.start()
        assert killed.wait(60), f"only {len(acked)} acknowledgements before the timeout:\n{server.log_tail()}"
        for thread in threads:
            thread.join(30)
        assert server.proc is not None and server.proc.returncode == -signal.SIGKILL

        unacked = {key: body for key, body in sent.items() if key not in acked}
        assert unacked, "the kill should leave some submissions unacknowledged (in flight)"
        server.start()
        retried: dict[str, str] = {}
        replayed = 0  # committed before the kill, but the acknowledgement was lost
        with httpx.Client(base_url=server.base, headers=headers, timeout=10) as client:
            for key, body in sorted(unacked.items()):
                response = client.post("/v1/reports", json=body, headers={"Idempotency-Key": key})
                assert response.status_code == 201, f"{key}: {response.status_code} {response.text}"
                retried[key] = response.json()["reference"]
                replayed += response.headers.get("Idempotent-Replayed") == "true"
            # A retry of an acknowledged submission is answered with the same report.
            some_key = next(iter(acked))
            again = client.post("/v1/reports", json=sent[some_key], headers={"Idempotency-Key": some_key})
            assert again.status_code == 201 and again.headers.get("Idempotent-Replayed") == "true"
            assert again.json()["reference"] == acked[some_key]
    finally:
        server.stop()

    db = Database(crash_db_url)
    try:
        with db.transaction() as session:
            rows = session.execute(select(Report.idempotency_key, Report.reference)).all()
            total = session.scalar(select(func.count()).select_from(Report))
            chain = audit.verify(session)
    finally:
        db.dispose()
    stored: dict[str, list[str]] = {}
    for key, reference in rows:
        stored.setdefault(key, []).append(reference)

    duplicated = {key: refs for key, refs in stored.items() if len(refs) != 1}
    assert not duplicated, f"keys stored more than once: {duplicated}"
    lost = sorted(key for key in acked if key not in stored)
    assert not lost, f"acknowledged but not stored: {lost}"
    assert {key: stored[key][0] for key in acked} == acked, "an acknowledged reference changed"
    assert {key: stored[key][0] for key in retried} == retried, "a retry was answered with another reference"
    assert total == len(stored) == len(set(acked) | set(retried)) == len(sent)
    assert chain.ok, chain.problems
    assert len(acked) >= ACKS_BEFORE_KILL
    print(f"{len(acked)} acknowledged, {len(retried)} retried ({replayed} already stored), {total} rows")
