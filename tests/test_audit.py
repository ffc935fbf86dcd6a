"""The audit log: a hash chain the database will not let anyone edit, and that shows it when someone does."""

import itertools
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from childsafe import access, audit
from childsafe.audit.log import _digest
from childsafe.vocabulary import Role
from conftest import TEST_ACTOR, case_of, decide, report_body, submit

CLI = Path(sys.executable).parent / "childsafe"


def _activity(client, keys) -> None:  # type: ignore[no-untyped-def]
    """Reports, a claim, a comment, a decision and an appeal: a dozen or so entries."""
    first = submit(client, keys["service"], report_body())
    submit(client, keys["service"], report_body(subject__platform_id="post-2"))
    submit(client, keys["service"], report_body(subject__platform_id="post-2", reason="hate"))
    case_id = case_of(client, keys["moderator"], first["reference"])
    assert client.post(f"/v1/cases/{case_id}/comments", headers=keys["moderator"],
                       json={"body": "looked at it"}).status_code == 201
    decision = decide(client, keys["moderator"], case_id)
    appeal = client.post("/v1/appeals", headers=keys["service"], json={
        "decision_id": decision["id"], "appellant_role": "affected_user", "appellant_id": "acct-9",
        "appellant_age_band": "adult", "grounds": "It was a joke."})
    assert appeal.status_code == 201, appeal.text


def _verify(db, **kwargs) -> audit.VerifyResult:  # type: ignore[no-untyped-def]
    with db.transaction() as session:
        return audit.verify(session, **kwargs)


def _head(db) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    with db.transaction() as session:
        return audit.head(session)


def _tamper(db, backend: str, sql: str, **params: object) -> None:  # type: ignore[no-untyped-def]
    """What someone with DDL rights can do: switch the append-only triggers off, edit, switch them on.

    On PostgreSQL the three steps share one transaction, so the triggers are on again for later tests.
    """
    with db.engine.begin() as conn:
        if backend == "postgresql":
            conn.execute(text("ALTER TABLE audit_entry DISABLE TRIGGER USER"))
        else:
            conn.execute(text("DROP TRIGGER IF EXISTS audit_entry_no_update"))
            conn.execute(text("DROP TRIGGER IF EXISTS audit_entry_no_delete"))
        conn.execute(text(sql), params)
        if backend == "postgresql":
            conn.execute(text("ALTER TABLE audit_entry ENABLE TRIGGER USER"))


def _cli_verify(db_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHILDSAFE_")}
    env |= {"CHILDSAFE_DATABASE_URL": db_url, "COLUMNS": "200", "NO_COLOR": "1"}
    return subprocess.run([str(CLI), "audit", "verify", *args], env=env, capture_output=True, text=True,
                          timeout=60, check=False)


def _rows(db) -> list[dict[str, object]]:  # type: ignore[no-untyped-def]
    with db.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(text("SELECT * FROM audit_entry ORDER BY seq"))]


def test_chain_is_intact_after_activity(client, keys, db):
    _activity(client, keys)
    rows = _rows(db)
    assert len(rows) >= 10
    assert [r["seq"] for r in rows] == list(range(1, len(rows) + 1))
    assert rows[0]["prev_hash"] == "0" * 64
    assert all(b["prev_hash"] == a["hash"] for a, b in itertools.pairwise(rows))
    actions = {r["action"] for r in rows}
    assert {"key.created", "report.received", "case.opened", "case.claimed", "case.commented", "decision.made",
            "strike.issued", "appeal.submitted"} <= actions

    result = _verify(db)
    assert result.ok, result.problems
    assert (result.checked, result.head_seq, result.head_hash) == (len(rows), len(rows), rows[-1]["hash"])
    assert _head(db) == (len(rows), rows[-1]["hash"])
    assert _verify(db, expect_head=rows[-1]["hash"]).ok
    assert _verify(db, expect_head=rows[3]["hash"]).ok  # an older saved head is still in the chain
    assert _verify(db, batch=3).ok  # walking in small batches links across batch boundaries

    api = client.get("/v1/audit/verify", headers=keys["compliance"])
    assert api.status_code == 200
    assert api.json() == {"ok": True, "checked": len(rows), "head_seq": len(rows), "head_hash": rows[-1]["hash"],
                          "problems": []}
    assert client.get("/v1/audit/verify", params={"expect_head": rows[-1]["hash"]},
                      headers=keys["admin"]).json()["ok"] is True
    bad_head = client.get("/v1/audit/verify", params={"expect_head": "xyz"}, headers=keys["admin"])
    assert bad_head.status_code == 422
    assert bad_head.json()["errors"][0]["field"] == "query.expect_head"


def test_reading_the_log_is_itself_audited(client, keys, db):
    before = len(_rows(db))
    listed = client.get("/v1/audit", headers=keys["compliance"]).json()
    assert len(listed) == before
    assert [e["seq"] for e in listed] == list(range(1, before + 1))
    after = _rows(db)
    assert after[-1]["action"] == "audit.read"
    assert after[-1]["actor_role"] == "compliance"
    assert _verify(db).ok


@pytest.mark.parametrize("statement", [
    "UPDATE audit_entry SET reason = 'edited' WHERE seq = 2",
    "UPDATE audit_entry SET hash = prev_hash WHERE seq = 1",
    "DELETE FROM audit_entry WHERE seq = 2",
    "DELETE FROM audit_entry",
])
def test_database_refuses_update_and_delete(client, keys, db, statement):
    _activity(client, keys)
    rows = _rows(db)
    with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
        conn.execute(text(statement))
    assert _rows(db) == rows
    assert _verify(db).ok


def test_changed_middle_entry_is_named(client, keys, db, db_url, backend):
    _activity(client, keys)
    assert _cli_verify(db_url).returncode == 0
    head_seq, _ = _head(db)
    mid = head_seq // 2
    _tamper(db, backend, "UPDATE audit_entry SET actor = 'someone else' WHERE seq = :s", s=mid)

    result = _verify(db)
    assert not result.ok
    assert result.problems == [f"entry {mid}: content does not match its hash (changed after writing)"]
    assert result.checked == head_seq

    api = client.get("/v1/audit/verify", headers=keys["admin"]).json()
    assert api["ok"] is False
    assert api["problems"] == result.problems

    cli = _cli_verify(db_url)
    assert cli.returncode == 1, cli.stdout + cli.stderr
    assert "TAMPERED" in cli.stderr
    assert f"entry {mid}:" in cli.stderr
    assert "Traceback" not in cli.stderr


def test_changed_entry_with_recomputed_hash_breaks_the_next_link(client, keys, db, backend):
    _activity(client, keys)
    head_seq, _ = _head(db)
    mid = head_seq // 2
    with db.transaction() as session:
        row = session.get(audit.AuditEntry, mid)
        assert row is not None
        forged = _digest(row.prev_hash, mid, row.at, row.actor, row.actor_role, row.action, row.object_type,
                         "forged-object", row.reason, row.details)
    _tamper(db, backend, "UPDATE audit_entry SET object_id = 'forged-object', hash = :h WHERE seq = :s",
            h=forged, s=mid)
    result = _verify(db)
    assert result.problems == [f"entry {mid + 1}: link to the previous entry is broken"]


def test_changed_details_are_detected(client, keys, db, backend):
    _activity(client, keys)
    row = next(r for r in _rows(db) if r["action"] == "decision.made")
    details = "'{\"action\": \"no_violation\"}'" + ("::jsonb" if backend == "postgresql" else "")
    _tamper(db, backend, f"UPDATE audit_entry SET details = {details} WHERE seq = :s", s=row["seq"])
    assert _verify(db).problems == [f"entry {row['seq']}: content does not match its hash (changed after writing)"]


def test_deleted_middle_entry_is_detected(client, keys, db, db_url, backend):
    _activity(client, keys)
    head_seq, _ = _head(db)
    mid = head_seq // 2
    _tamper(db, backend, "DELETE FROM audit_entry WHERE seq = :s", s=mid)
    result = _verify(db)
    assert not result.ok
    assert f"entry {mid}..{mid} missing (sequence jumps to {mid + 1})" in result.problems
    assert f"entry {mid + 1}: link to the previous entry is broken" in result.problems
    assert result.checked == head_seq - 1
    assert _cli_verify(db_url).returncode == 1


def test_truncated_tail_needs_the_saved_head(client, keys, db, db_url, backend):
    _activity(client, keys)
    head_seq, saved_head = _head(db)
    assert _cli_verify(db_url, "--expect-head", saved_head).returncode == 0
    _tamper(db, backend, "DELETE FROM audit_entry WHERE seq > :s", s=head_seq - 3)

    # Without a head kept elsewhere, a clean cut at the end is indistinguishable from a shorter log ...
    assert _verify(db).ok
    # ... which is why operators save `childsafe audit head` output and pass it back.
    result = _verify(db, expect_head=saved_head)
    assert not result.ok
    assert result.problems == ["the expected head entry is gone: the log was truncated"]
    assert result.head_seq == head_seq - 3

    api = client.get("/v1/audit/verify", params={"expect_head": saved_head}, headers=keys["compliance"]).json()
    assert api["ok"] is False and "truncated" in api["problems"][0]
    cli = _cli_verify(db_url, "--expect-head", saved_head)
    assert cli.returncode == 1
    assert "truncated" in cli.stderr

    # New entries written after the cut do not bring the old head back.
    with db.transaction() as session:
        access.create_key(session, Role.SERVICE, "after the cut", TEST_ACTOR)
    assert _verify(db).ok
    assert not _verify(db, expect_head=saved_head).ok


def test_rolled_back_transaction_writes_no_entries(db):
    before = _rows(db)
    with pytest.raises(RuntimeError), db.transaction() as session:
        access.create_key(session, Role.ADMIN, "never", TEST_ACTOR)
        audit.record(session, TEST_ACTOR, "test.rolled_back", "test", "1")
        raise RuntimeError("abort")
    assert _rows(db) == before
    with db.transaction() as session:
        assert access.list_keys(session) == []

    # The next committed transaction continues the chain without a gap.
    with db.transaction() as session:
        audit.record(session, TEST_ACTOR, "test.committed", "test", "2")
    rows = _rows(db)
    assert [r["action"] for r in rows[len(before):]] == ["test.committed"]
    assert rows[-1]["seq"] == len(before) + 1
    assert _verify(db).ok


def test_failed_savepoint_drops_only_its_own_entries(db):
    """A rolled-back savepoint (used for races on opening a case) must not take the outer transaction's
    entries with it: the outer work commits, so its audit entries must too."""
    with db.transaction() as session:
        audit.record(session, TEST_ACTOR, "test.before", "test", "1")
        with pytest.raises(ValueError), session.begin_nested():
            audit.record(session, TEST_ACTOR, "test.inside_failed", "test", "2")
            raise ValueError
        with session.begin_nested():
            audit.record(session, TEST_ACTOR, "test.inside_ok", "test", "3")
        audit.record(session, TEST_ACTOR, "test.after", "test", "4")
    assert [r["action"] for r in _rows(db)] == ["test.before", "test.inside_ok", "test.after"]
    assert _verify(db).ok


def test_entries_hold_no_free_text(client, keys, db):
    secrets = {
        "free_text": "zebra-lantern-4471 he keeps messaging me",
        "message": "quartz-otter-9902 send me a picture",
        "name": "Philippa Quillfeather",
        "email": "philippa.q@mail.example",
        "comment": "walnut-comet-5518 checked the thread",
        "explanation": "saffron-harbor-3307 insults aimed at a user",
        "grounds": "violet-canyon-6620 it was a joke",
        "appeal_reason": "amber-falcon-1189 banter between friends",
    }
    ack = submit(client, keys["service"], report_body(
        reporter={"platform_user_id": "user-7", "name": secrets["name"], "email": secrets["email"],
                  "age_band": "13_15", "role": "victim"},
        free_text=secrets["free_text"],
        subject__messages=[{"sender_id": "acct-9", "text": secrets["message"], "reported": True}]))
    case_id = case_of(client, keys["moderator"], ack["reference"])
    assert client.get(f"/v1/reports/{ack['id']}", headers=keys["moderator"]).json()["free_text"] == \
        secrets["free_text"]
    assert client.post(f"/v1/cases/{case_id}/comments", headers=keys["moderator"],
                       json={"body": secrets["comment"]}).status_code == 201
    decision = decide(client, keys["moderator"], case_id, explanation=secrets["explanation"])
    appeal = client.post("/v1/appeals", headers=keys["service"], json={
        "decision_id": decision["id"], "appellant_role": "affected_user", "appellant_id": "acct-9",
        "appellant_age_band": "adult", "grounds": secrets["grounds"]})
    assert appeal.status_code == 201, appeal.text
    decided = client.post(f"/v1/appeals/{appeal.json()['id']}/decision", headers=keys["moderator2"],
                          json={"outcome": "overturned", "reason": secrets["appeal_reason"]})
    assert decided.status_code == 200, decided.text

    rows = _rows(db)
    assert {"report.received", "report.read", "case.commented", "decision.made", "appeal.submitted",
            "appeal.decided", "decision.reverted"} <= {r["action"] for r in rows}
    dump = repr(rows).lower()
    for label, secret in secrets.items():
        for word in (secret, secret.split()[0]):
            assert word.lower() not in dump, f"{label} leaked into the audit log"
    assert _verify(db).ok
