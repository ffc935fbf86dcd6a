"""The outbox and its runners: atomic with the change that causes the work, run once, retried with
backoff, delivered as signed webhooks, and driven in-process or by Dramatiq workers on Redis."""

import hashlib
import hmac
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy import update

from childsafe import access, audit, jobs, notify
from childsafe.audit.log import SYSTEM
from childsafe.jobs import outbox
from childsafe.notify import WebhookNotifier
from childsafe.store import Database, utcnow
from childsafe.vocabulary import Role
from conftest import TEST_ACTOR, case_of, decide, report_body, submit

COUNT = "test.jobs.count"  # kinds of this module only, so other test modules cannot overwrite them
FAIL = "test.jobs.fail"
RAN = "test.job_ran"
REDIS_URL = "redis://127.0.0.1:6379/9"  # a Redis database of its own: the test flushes it


def wait_for(condition: Callable[[], bool], timeout: float = 10.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.02)


class Calls:
    """What the test handlers were asked to do, in order (thread-safe)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.markers: list[str] = []

    def add(self, marker: str) -> None:
        with self.lock:
            self.markers.append(marker)

    def count(self, marker: str) -> int:
        with self.lock:
            return self.markers.count(marker)


@pytest.fixture
def calls() -> Iterator[Calls]:
    seen = Calls()

    def count(session: Any, payload: dict[str, Any]) -> None:
        seen.add(payload["marker"])
        time.sleep(payload.get("sleep", 0))
        audit.record(session, SYSTEM, RAN, "test", payload["marker"])  # the database effect

    def fail(session: Any, payload: dict[str, Any]) -> None:
        seen.add(payload["marker"])
        audit.record(session, SYSTEM, RAN, "test", payload["marker"])  # must be rolled back
        raise RuntimeError(f"boom {payload['marker']}")

    jobs.handler(COUNT)(count)
    jobs.handler(FAIL)(fail)
    yield seen
    outbox._HANDLERS.pop(COUNT, None)
    outbox._HANDLERS.pop(FAIL, None)


def enqueue(db: Database, marker: str, kind: str = COUNT, **payload: Any) -> uuid.UUID:
    with db.transaction() as session:
        jobs.enqueue(session, kind, {"marker": marker, **payload})
        [added] = [o for o in session.new if isinstance(o, jobs.Job)]
        session.flush()
        return added.id


def job(db: Database, job_id: uuid.UUID) -> jobs.Job:
    with db.transaction() as session:
        found = session.get(jobs.Job, job_id)
        assert found is not None
        return found


def effects(db: Database, marker: str) -> int:
    """Committed database effects of the handler for this marker."""
    with db.transaction() as session:
        return len(audit.entries(session, object_id=marker, action=RAN))


def make_due(db: Database, job_id: uuid.UUID) -> None:
    with db.transaction() as session:
        session.execute(update(jobs.Job).where(jobs.Job.id == job_id).values(available_at=utcnow() - timedelta(1)))


def test_a_job_exists_exactly_when_its_transaction_commits(db, calls):
    woken: list[int] = []
    wake = lambda: woken.append(1)  # noqa: E731
    outbox.on_enqueue(wake)
    try:
        with pytest.raises(RuntimeError, match="abort"), db.transaction() as session:
            access.create_key(session, Role.SERVICE, "rolled-back", TEST_ACTOR)
            jobs.enqueue(session, COUNT, {"marker": "rolled-back"})
            raise RuntimeError("abort")
        assert woken == []
        with db.transaction() as session:
            assert outbox.jobs_of_kind(session, COUNT) == []
            assert [k for k in access.list_keys(session) if k.name == "rolled-back"] == []
        assert jobs.run_due(db) == 0

        with db.transaction() as session:
            access.create_key(session, Role.SERVICE, "committed", TEST_ACTOR)
            jobs.enqueue(session, COUNT, {"marker": "committed"})
        assert woken == [1]
    finally:
        outbox.off_enqueue(wake)
    assert wake not in outbox._WAKE

    with db.transaction() as session:
        [pending] = outbox.jobs_of_kind(session, COUNT)
        assert (pending.payload, pending.status, pending.attempts) == ({"marker": "committed"}, "pending", 0)
        assert [k.name for k in access.list_keys(session) if k.name == "committed"] == ["committed"]
    assert jobs.run_due(db) == 1
    assert calls.markers == ["committed"] and effects(db, "committed") == 1
    assert job(db, pending.id).status == "done"
    assert jobs.run_due(db) == 0 and calls.markers == ["committed"]


def test_concurrent_runs_of_one_job_execute_it_once(db, calls):
    job_id = enqueue(db, "raced", sleep=0.3)  # the handler is slow, so the runs overlap
    threads, barrier, results = 4, threading.Barrier(4), []

    def run() -> None:
        barrier.wait(timeout=10)
        results.append(jobs.run_job(db, job_id))

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=30)
    assert sorted(results) == [False] * (threads - 1) + [True]
    assert calls.markers == ["raced"]
    assert effects(db, "raced") == 1
    done = job(db, job_id)
    assert (done.status, done.attempts, done.last_error) == ("done", 1, None)
    assert done.done_at is not None


def test_a_failing_job_is_retried_with_backoff_then_dead(db, calls, monkeypatch):
    monkeypatch.setattr(outbox, "MAX_ATTEMPTS", 3)
    job_id = enqueue(db, "flaky", kind=FAIL)

    before = utcnow()
    assert jobs.run_job(db, job_id) is False
    failed = job(db, job_id)
    assert (failed.status, failed.attempts, failed.last_error) == ("pending", 1, "RuntimeError: boom flaky")
    assert failed.claimed_until is None
    assert failed.available_at >= before + timedelta(seconds=2)  # 2 ** attempts
    assert effects(db, "flaky") == 0  # the failed attempt's database writes were rolled back

    assert jobs.run_job(db, job_id) is False and jobs.run_due(db) == 0  # not due yet: backing off
    assert calls.count("flaky") == 1 and job(db, job_id).attempts == 1

    make_due(db, job_id)
    before = utcnow()
    assert jobs.run_job(db, job_id) is False
    failed = job(db, job_id)
    assert (failed.status, failed.attempts) == ("pending", 2)
    assert failed.available_at >= before + timedelta(seconds=4)  # the delay grows

    make_due(db, job_id)
    assert jobs.run_due(db) == 0
    dead = job(db, job_id)
    assert (dead.status, dead.attempts, dead.last_error) == ("dead", 3, "RuntimeError: boom flaky")
    assert calls.count("flaky") == 3

    make_due(db, job_id)
    assert jobs.run_job(db, job_id) is False and jobs.run_due(db) == 0  # dead letters are never run again
    assert calls.count("flaky") == 3 and job(db, job_id).status == "dead"
    with db.transaction() as session:
        assert jobs.pending_count(session) == {"dead": 1}


class _Hook(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        server: Any = self.server
        server.received.append((self.path, dict(self.headers), body))
        self.send_response(server.answer)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        return None


@pytest.fixture
def webhook(monkeypatch) -> Iterator[Any]:
    """A local HTTP endpoint that records every POST; ``.answer`` is the status it replies with."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    server: Any = ThreadingHTTPServer(("127.0.0.1", 0), _Hook)
    server.received, server.answer = [], 200
    server.url = f"http://127.0.0.1:{server.server_port}/hooks/childsafe"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        notify.configure(None)
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


SECRET = "whsec-test-3b9f"
PRIVATE = {"free_text": "my teacher said the secret word is xylophone-42",
           "reporter__name": "Jane Reporterson", "reporter__email": "jane.reporterson@example.org"}


def _decided_case(client, keys) -> tuple[dict[str, Any], dict[str, Any]]:
    ack = submit(client, keys["service"], report_body(**PRIVATE))
    decision = decide(client, keys["moderator"], case_of(client, keys["moderator"], ack["reference"]))
    return ack, decision


def _events(server: Any) -> dict[str, list[tuple[dict[str, str], bytes, dict[str, Any]]]]:
    by_type: dict[str, list[tuple[dict[str, str], bytes, dict[str, Any]]]] = {}
    for path, headers, body in server.received:
        assert path == "/hooks/childsafe"
        event = json.loads(body)
        by_type.setdefault(event["type"], []).append((headers, body, event))
    return by_type


def test_webhook_delivers_signed_events_without_report_text(client, keys, db, webhook):
    ack, decision = _decided_case(client, keys)
    notify.configure(WebhookNotifier(webhook.url, SECRET))  # after create_app, which configures from settings
    assert webhook.received == []  # nothing is sent before a runner runs the outbox

    assert jobs.run_due(db) == 2
    by_type = _events(webhook)
    assert sorted(by_type) == ["enforcement.applied", "report.outcome"]
    [(headers, body, event)] = by_type["enforcement.applied"]
    headers = {k.lower(): v for k, v in headers.items()}
    stamp = headers["childsafe-timestamp"]
    assert abs(int(stamp) - time.time()) < 60
    expected = hmac.new(SECRET.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["childsafe-signature"], f"sha256={expected}")
    wrong = hmac.new(b"another secret", stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    assert headers["childsafe-signature"] != f"sha256={wrong}"
    assert headers["content-type"] == "application/json"
    assert headers["childsafe-event-id"] == event["id"]
    assert uuid.UUID(event["id"])
    assert event["data"]["decision_id"] == decision["id"]
    assert event["data"]["action"] == "remove"
    assert (event["data"]["subject_type"], event["data"]["subject_id"]) == ("content", "post-1")
    [(_, _, outcome)] = by_type["report.outcome"]
    assert outcome["data"] == {"reference": ack["reference"], "outcome": "action_taken"}

    everything = b"".join(body for _, _, body in webhook.received).lower()
    for private in PRIVATE.values():
        assert private.lower().encode() not in everything
    assert b"xylophone" not in everything and b"jane" not in everything

    assert jobs.run_due(db) == 0 and len(webhook.received) == 2  # delivered once, not again
    with db.transaction() as session:
        assert {j.status for j in outbox.jobs_of_kind(session, "notify.deliver")} == {"done"}


def test_webhook_failure_leaves_the_event_pending_for_retry(client, keys, db, webhook):
    _, decision = _decided_case(client, keys)
    notify.configure(WebhookNotifier(webhook.url, SECRET))
    webhook.answer = 500

    before = utcnow()
    assert jobs.run_due(db) == 0
    assert len(webhook.received) == 2  # both were attempted
    first_ids = {t: [e["id"] for _, _, e in events] for t, events in _events(webhook).items()}
    with db.transaction() as session:
        pending = outbox.jobs_of_kind(session, "notify.deliver")
    assert len(pending) == 2
    for failed in pending:
        assert (failed.status, failed.attempts) == ("pending", 1)
        assert "500" in (failed.last_error or "")
        assert failed.available_at > before
    assert jobs.run_due(db) == 0 and len(webhook.received) == 2  # backing off

    webhook.answer = 204
    for failed in pending:
        make_due(db, failed.id)
    assert jobs.run_due(db) == 2
    retried = _events(webhook)
    # The retry carries the same event id, so the platform can drop a duplicate it already processed.
    assert [e["id"] for _, _, e in retried["enforcement.applied"]] == first_ids["enforcement.applied"] * 2
    assert retried["enforcement.applied"][-1][2]["data"]["decision_id"] == decision["id"]
    with db.transaction() as session:
        assert {(j.status, j.attempts) for j in outbox.jobs_of_kind(session, "notify.deliver")} == {("done", 2)}


def test_in_process_runner_runs_jobs_after_commit(db, calls):
    baseline = list(outbox._WAKE)
    runner = jobs.InProcessRunner(db, interval=60)  # so only the wake-up after commit can explain a quick run
    runner.start()
    try:
        job_id = enqueue(db, "background")
        wait_for(lambda: job(db, job_id).status == "done", timeout=10, what="the runner to run the job")
        assert calls.markers == ["background"] and effects(db, "background") == 1
    finally:
        runner.stop()
    assert runner._thread is not None and not runner._thread.is_alive()
    assert baseline == outbox._WAKE  # a stopped runner leaves no wake-up callback behind

    later = enqueue(db, "after-stop")
    time.sleep(0.2)
    assert job(db, later).status == "pending"  # nothing runs jobs once the runner is stopped


def test_dramatiq_on_redis_runs_each_job_once_despite_lost_and_duplicate_messages(db, calls):
    import redis
    from dramatiq import Worker

    from childsafe.jobs import dramatiq_queue

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.fail(f"Redis must be reachable at {REDIS_URL}")
    client.flushdb()
    actor = dramatiq_queue.setup(REDIS_URL, db)
    broker = actor.broker
    sent: list[str] = []

    def send(job_id: str) -> object:
        sent.append(job_id)
        return actor.send(job_id)

    relay = jobs.Relay(db, send, resend_after=timedelta(hours=1))

    # A message lost on the way: relayed, then purged from Redis before any worker saw it.
    lost = enqueue(db, "lost")
    assert relay.relay_once() == 1 and sent == [str(lost)]
    assert client.hlen("dramatiq:childsafe.msgs") == 1
    broker.flush_all()
    assert client.hlen("dramatiq:childsafe.msgs") == 0
    relayed_at = job(db, lost).relayed_at
    assert relayed_at is not None
    assert relay.relay_once() == 0  # not re-sent before resend_after

    worker = Worker(broker, worker_threads=2, worker_timeout=100)
    worker.start()
    try:
        batch = [enqueue(db, f"batch-{i}") for i in range(3)]
        assert relay.relay_once() == 3
        wait_for(lambda: all(job(db, i).status == "done" for i in batch), what="the batch to run")
        assert job(db, lost).status == "pending"  # its message is gone, so nothing ran it

        relay.resend_after = timedelta(milliseconds=50)
        wait_for(lambda: utcnow() - relayed_at > relay.resend_after, what="resend_after to pass")
        assert relay.relay_once() == 1 and sent.count(str(lost)) == 2  # re-sent, once
        wait_for(lambda: job(db, lost).status == "done", what="the re-sent job to run")

        # The same job id delivered twice (a relay retry racing a slow worker, say).
        relay.resend_after = timedelta(hours=1)
        duplicate = enqueue(db, "duplicate", sleep=0.2)
        assert relay.relay_once() == 1
        actor.send(str(duplicate))
        wait_for(lambda: job(db, duplicate).status == "done", what="the duplicated job to run")
        broker.join("childsafe", timeout=10_000)  # every message consumed (the duplicate too)...
        worker.join()  # ...and handled
        assert client.hlen("dramatiq:childsafe.msgs") == 0
    finally:
        worker.stop(timeout=10_000)
        broker.close()

    for marker in ["lost", "duplicate", "batch-0", "batch-1", "batch-2"]:
        assert calls.count(marker) == 1, marker
        assert effects(db, marker) == 1, marker
    for job_id in [lost, duplicate, *batch]:
        assert (job(db, job_id).status, job(db, job_id).attempts) == ("done", 1)
    assert relay.relay_once() == 0
    client.flushdb()


def test_external_handlers_hold_no_transaction_while_they_run(db):
    """A slow webhook must not block other writers (on SQLite the writer lock is the whole database)."""
    import threading

    from childsafe import access, audit

    kind = "test.jobs.external"
    finished: list[bool] = []

    def write_elsewhere() -> None:
        with db.transaction() as session:
            access.create_key(session, "service", "written while the webhook runs", audit.Actor("t", "admin"))
        finished.append(True)

    @outbox.external_handler(kind)
    def slow_remote_call(payload: dict) -> None:
        other = threading.Thread(target=write_elsewhere)
        other.start()
        other.join(timeout=5)

    try:
        with db.transaction() as session:
            outbox.enqueue(session, kind, {"n": 1})
        assert outbox.run_due(db) == 1
        assert finished == [True], "another writer was blocked while the external handler ran"
        with db.transaction() as session:
            assert [j.status for j in outbox.jobs_of_kind(session, kind)] == ["done"]
    finally:
        outbox._EXTERNAL.pop(kind, None)
