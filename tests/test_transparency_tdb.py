"""Statements of reasons to the DSA Transparency Database: payload shape, personal data removed,
batches of at most 100, exactly once through the outbox despite injected failures, puid uniqueness."""

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from childsafe import access, jobs
from childsafe.api import create_app
from childsafe.config import Settings, make_settings
from childsafe.decisions import Action, Decision, statement
from childsafe.store import Database
from childsafe.transparency import submission
from childsafe.transparency.models import StatementSubmission
from childsafe.transparency.redact import SCHEMA_FIELDS
from childsafe.transparency.tdb import TdbClient, TdbNotConfigured
from childsafe.vocabulary import RiskCategory, Role
from conftest import TEST_ACTOR, case_of, decide, report_body, submit
from fakes.dsa_tdb import FakeTdb, validate

BASE = datetime(2026, 5, 4, 9, tzinfo=UTC)


@pytest.fixture
def tdb() -> Iterator[FakeTdb]:
    with FakeTdb() as fake:
        yield fake


@pytest.fixture
def tdb_settings(settings: Settings, tdb: FakeTdb) -> Settings:
    return make_settings(database_url=settings.database_url, task_queue="none", platform_name=settings.platform_name,
                         tdb_url=tdb.url, tdb_token=tdb.token)


def add_decisions(db: Database, count: int, *, broken: set[int] = frozenset()) -> list[uuid.UUID]:
    """Restricting decisions with statements built by the decisions capability (times controlled)."""
    ids = []
    with db.transaction() as session:
        for i in range(count):
            decision_id = uuid.uuid4()
            at = BASE + timedelta(seconds=i)
            built = statement.build(
                decision_id=str(decision_id), platform="Example Platform", terms_url="https://example.org/terms",
                action=Action.REMOVE, category=RiskCategory.CYBERBULLYING, ground="terms",
                policy_ground="Community Guidelines 3.1", explanation=f"Insults number {i}.", decided_at=at,
                content_date=at, content_type="text", subject_type="content", territorial_scope=["DE", "FR"],
                end_date=None, source="SOURCE_TYPE_OTHER_NOTIFICATION", automated_detection=False,
                automated_decision=False)
            if i in broken:
                del built["category"]
            session.add(Decision(id=decision_id, case_id=uuid.uuid4(), action="remove", category="cyberbullying",
                                 ground="terms", decided_by="mod-1", decided_by_role="moderator", decided_at=at,
                                 affected_age_band="adult", statement=built))
            ids.append(decision_id)
    return ids


def queue_all(db: Database, settings: Settings) -> int:
    with db.transaction() as session:
        return submission.queue(session, settings)


def rows(db: Database) -> list[StatementSubmission]:
    with db.transaction() as session:
        return list(session.scalars(select(StatementSubmission).order_by(StatementSubmission.decided_at)))


def test_statement_from_a_real_decision_has_the_schema_shape_and_no_personal_data(
        client: TestClient, keys: dict[str, dict[str, str]], db: Database, tdb: FakeTdb,
        tdb_settings: Settings) -> None:
    body = report_body(subject__account_id="acct-jane-77", subject__platform_id="post-991")
    ref = submit(client, keys["service"], body)["reference"]
    case_id = case_of(client, keys["moderator"], ref)
    decide(client, keys["moderator"], case_id, explanation=(
        "User acct-jane-77 (jane.doe@example.com, phone +44 20 7946 0958) posted insults at @bully_kid99 "
        "from 203.0.113.7, see https://platform.example/u/jane"))
    assert queue_all(db, tdb_settings) == 1
    [row] = rows(db)
    payload = row.payload
    assert set(payload) <= SCHEMA_FIELDS
    assert validate(payload) == {}
    text = " ".join(str(v) for v in payload.values())
    for secret in ("acct-jane-77", "jane.doe", "example.com", "7946", "bully_kid99", "203.0.113.7", "platform.example",
                   "moderator", keys["moderator"]["Authorization"].split()[-1][:12]):
        assert secret not in text, secret
    assert "posted insults" in payload["decision_facts"]  # the facts stay readable
    with TdbClient(tdb_settings) as tdb_client:
        summary = submission.submit_pending(db, tdb_client)
    assert summary.submitted == 1 and tdb.stored[row.puid]["decision_facts"] == payload["decision_facts"]


def test_a_decision_reaches_the_tdb_by_itself_once_submission_is_configured(
        db: Database, tdb: FakeTdb, tdb_settings: Settings) -> None:
    with db.transaction() as session:
        headers = {role: {"Authorization": f"Bearer {access.create_key(session, role, role.value, TEST_ACTOR).token}"}
                   for role in (Role.SERVICE, Role.MODERATOR)}
    with TestClient(create_app(tdb_settings, db=db), raise_server_exceptions=False) as api:
        ref = submit(api, headers[Role.SERVICE])["reference"]
        case_id = case_of(api, headers[Role.MODERATOR], ref)
        decision = decide(api, headers[Role.MODERATOR], case_id)
    while jobs.run_due(db):  # the outbox as a runner would drive it: queue, then submit
        pass
    [row] = rows(db)
    assert str(row.decision_id) == decision["id"] and row.status == "submitted"
    assert row.puid in tdb.stored


def test_no_tdb_configured_queues_nothing(client: TestClient, keys: dict[str, dict[str, str]], db: Database) -> None:
    ref = submit(client, keys["service"])["reference"]
    decide(client, keys["moderator"], case_of(client, keys["moderator"], ref))
    jobs.run_due(db)
    assert rows(db) == []


def test_omit_mode_sends_facts_built_from_codes_only(db: Database, tdb_settings: Settings) -> None:
    add_decisions(db, 1)
    settings = tdb_settings.model_copy(update={"tdb_free_text": "omit"})
    queue_all(db, settings)
    [row] = rows(db)
    assert "Insults" not in row.payload["decision_facts"]
    assert "DECISION_VISIBILITY_CONTENT_REMOVED" in row.payload["decision_facts"]
    assert validate(row.payload) == {}


def test_250_statements_go_in_batches_of_100_100_50_and_receipts_are_recorded(
        db: Database, tdb: FakeTdb, tdb_settings: Settings) -> None:
    add_decisions(db, 250)
    assert queue_all(db, tdb_settings) == 250
    assert queue_all(db, tdb_settings) == 0  # queued once
    with TdbClient(tdb_settings) as tdb_client:
        summary = submission.submit_pending(db, tdb_client)
    assert tdb.batches == [100, 100, 50]
    assert summary.submitted == 250 and summary.batches == [100, 100, 50]
    stored = rows(db)
    assert all(r.status == "submitted" and r.tdb_uuid == tdb.stored[r.puid]["uuid"] for r in stored)
    assert {r.permalink for r in stored} == {s["permalink"] for s in tdb.stored.values()}


def test_exactly_once_through_the_outbox_after_failures_and_a_lost_answer(
        db: Database, tdb: FakeTdb, tdb_settings: Settings) -> None:
    add_decisions(db, 150)
    queue_all(db, tdb_settings)
    submission.configure(db, tdb_settings)
    # First call: 503, nothing stored. Second: stored, but the answer is lost (502).
    tdb.inject = ["fail", "lose_response"]
    assert jobs.run_due(db) == 0  # the job fails and is rescheduled with backoff
    with db.transaction() as session:
        [job] = [j for j in jobs.outbox.jobs_of_kind(session, submission.JOB)]
        assert job.status == "pending" and "503" in (job.last_error or "")
        job.available_at = BASE  # due again now
    assert jobs.run_due(db) == 0  # the lost answer: 100 stored in the TDB, not recorded here
    assert len(tdb.stored) == 100 and all(r.status == "pending" for r in rows(db))
    with db.transaction() as session:
        session.get(jobs.Job, job.id).available_at = BASE
    assert jobs.run_due(db) == 1
    stored = rows(db)
    assert all(r.status == "submitted" for r in stored)
    assert sum(r.reconciled for r in stored) == 100  # looked up by puid, never sent twice
    assert all(r.tdb_uuid == tdb.stored[r.puid]["uuid"] for r in stored)
    assert set(tdb.posts_per_puid.values()) == {1} and len(tdb.posts_per_puid) == 150


def test_a_puid_already_in_the_tdb_is_recorded_not_resent(db: Database, tdb: FakeTdb,
                                                          tdb_settings: Settings) -> None:
    add_decisions(db, 3)
    queue_all(db, tdb_settings)
    first = rows(db)[0]
    with TdbClient(tdb_settings) as tdb_client:
        tdb_client.submit([first.payload])  # another process got there first
        summary = submission.submit_pending(db, tdb_client)
    assert (summary.submitted, summary.reconciled) == (2, 1)
    assert tdb.batches == [1, 3, 2]  # the batch with the duplicate was refused whole, then resent without it
    assert set(tdb.posts_per_puid.values()) == {1}


def test_an_invalid_statement_is_rejected_with_the_tdb_messages_and_the_rest_go(
        db: Database, tdb: FakeTdb, tdb_settings: Settings) -> None:
    add_decisions(db, 5, broken={2})
    queue_all(db, tdb_settings)
    with TdbClient(tdb_settings) as tdb_client:
        summary = submission.submit_pending(db, tdb_client)
    assert (summary.submitted, summary.rejected) == (4, 1)
    rejected = [r for r in rows(db) if r.status == "rejected"]
    assert len(rejected) == 1 and "category" in (rejected[0].last_error or "")


def test_a_wrong_token_leaves_everything_queued(db: Database, tdb: FakeTdb, tdb_settings: Settings) -> None:
    add_decisions(db, 2)
    queue_all(db, tdb_settings)
    wrong = tdb_settings.model_copy(update={"tdb_token": "nope"})
    with TdbClient(wrong) as tdb_client:
        summary = submission.submit_pending(db, tdb_client)
    assert summary.error and summary.submitted == 0 and not tdb.stored
    assert all(r.status == "pending" and r.claimed_until is None for r in rows(db))


def test_the_fake_enforces_the_protocol(tdb: FakeTdb) -> None:
    headers = {"Authorization": f"Bearer {tdb.token}", "Accept": "application/json"}
    assert httpx.post(f"{tdb.url}/api/v1/statements", json={"statements": []}, headers=headers).status_code == 422
    too_many = [{"puid": f"p{i}"} for i in range(101)]
    assert httpx.post(f"{tdb.url}/api/v1/statements", json={"statements": too_many},
                      headers=headers).status_code == 422
    assert httpx.post(f"{tdb.url}/api/v1/statements", json={"statements": [{}]}).status_code == 401
    bad = httpx.post(f"{tdb.url}/api/v1/statements", json={"statements": [{"puid": "a b", "category": "X"}]},
                     headers=headers).json()["errors"]
    assert {"statements.0.puid", "statements.0.category", "statements.0.decision_ground",
            "statements.0.content_type"} <= set(bad)


def test_the_sandbox_needs_an_address_and_production_is_explicit() -> None:
    with pytest.raises(TdbNotConfigured):
        TdbClient(make_settings(tdb_token="t"))
    client = TdbClient(make_settings(tdb_token="t", tdb_environment="production"))
    assert str(client._http.base_url).startswith("https://transparency.dsa.ec.europa.eu")
    client.close()


def test_queueing_pages_past_statements_already_queued(db: Database, tdb_settings: Settings) -> None:
    add_decisions(db, 520)  # within one look-back window: more than one page of already-queued decisions
    assert queue_all(db, tdb_settings) == 520
    later = add_decisions(db, 3)
    with db.transaction() as session:
        for decision_id in later:
            session.get(Decision, decision_id).decided_at = BASE + timedelta(seconds=600)
    assert queue_all(db, tdb_settings) == 3
    assert queue_all(db, tdb_settings) == 0
    assert len({r.decision_id for r in rows(db)}) == 523


def test_cli_submits_to_the_tdb(db: Database, db_url: str, tdb: FakeTdb, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from childsafe.cli.main import app
    from childsafe.config import get_settings

    add_decisions(db, 3)
    for name, value in {"DATABASE_URL": db_url, "TDB_URL": tdb.url, "TDB_TOKEN": tdb.token}.items():
        monkeypatch.setenv(f"CHILDSAFE_{name}", value)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["transparency", "submit"])
        listed = CliRunner().invoke(app, ["transparency", "statements", "--status", "submitted"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "submitted 3" in result.output and len(tdb.stored) == 3
    assert '"submitted": 3' in listed.output
