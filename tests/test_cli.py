"""The ``childsafe`` command line, run as the installed console script in a subprocess."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from childsafe import access, audit
from childsafe.cases.models import Case
from childsafe.reports.models import Report
from childsafe.store import Database
from childsafe.store.migrate import head_revision

CLI = Path(sys.executable).parent / "childsafe"
TOKEN = re.compile(r"\bcs_[A-Za-z0-9]{10}_[A-Za-z0-9]{32}\b")


def run(db_url: str | None, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CHILDSAFE_")}
    clean |= {"COLUMNS": "250", "NO_COLOR": "1", "TERM": "dumb"} | env
    if db_url is not None:
        clean["CHILDSAFE_DATABASE_URL"] = db_url
    return subprocess.run([str(CLI), *args], env=clean, capture_output=True, text=True, timeout=120, check=False)


def ok(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert result.returncode == 0, f"exit {result.returncode}\nstdout: {result.stdout}\nstderr: {result.stderr}"
    return result


def test_help_lists_the_commands():
    result = ok(run(None, "--help"))
    for command in ("serve", "migrate", "demo", "keys", "audit", "worker", "jobs", "version"):
        assert re.search(rf"^\W*{command}\b", result.stdout, re.MULTILINE), command
    assert "create" in ok(run(None, "keys", "--help")).stdout
    assert "verify" in ok(run(None, "audit", "--help")).stdout


def test_migrate_is_idempotent(db_url):
    # already migrated by the fixture
    assert f"database at revision {head_revision()}" in ok(run(db_url, "migrate")).stderr


def test_migrate_creates_the_schema(tmp_path):
    fresh = f"sqlite:///{tmp_path / 'fresh.db'}"
    result = ok(run(fresh, "migrate"))
    assert f"database at revision {head_revision()}" in result.stderr
    database = Database(fresh)
    try:
        with database.engine.connect() as conn:
            tables = {r[0] for r in conn.execute(text("SELECT name FROM sqlite_master WHERE type='table'"))}
            triggers = {r[0] for r in conn.execute(text("SELECT name FROM sqlite_master WHERE type='trigger'"))}
    finally:
        database.dispose()
    assert {"reports_report", "cases_case", "audit_entry", "access_api_key", "alembic_version"} <= tables
    assert {"audit_entry_no_update", "audit_entry_no_delete"} <= triggers
    ok(run(fresh, "migrate"))  # again: nothing to do, still fine


def test_keys_create_list_revoke(db_url, db, client):
    created = ok(run(db_url, "keys", "create", "--role", "moderator", "--name", "night shift"))
    token = created.stdout.strip()
    assert TOKEN.fullmatch(token), created.stdout  # stdout is the token alone, for scripts
    assert token not in created.stderr
    assert "moderator key" in created.stderr
    prefix = token.split("_")[1]

    with db.transaction() as session:
        key = access.authenticate(session, token)
        assert key is not None
        assert (key.role, key.name, key.prefix) == ("moderator", "night shift", prefix)
        assert key.created_by.startswith("cli:")
        key_id = str(key.id)
        assert access.authenticate(session, token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/v1/cases", headers=headers).status_code == 200

    listed = ok(run(db_url, "keys", "list")).stdout
    assert key_id in listed and prefix in listed and "night shift" in listed and "moderator" in listed
    assert token.split("_")[2] not in listed  # never the secret

    assert "revoked" in ok(run(db_url, "keys", "revoke", key_id)).stderr
    with db.transaction() as session:
        assert access.authenticate(session, token) is None
        entries = [e.action for e in audit.entries(session, object_id=key_id)]
    assert entries == ["key.created", "key.revoked"]
    client.app.state.key_cache.clear()  # the API caches keys for a few seconds
    assert client.get("/v1/cases", headers=headers).status_code == 401
    row = next(line for line in ok(run(db_url, "keys", "list")).stdout.splitlines() if key_id in line)
    assert re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d.*\d{4}-\d\d-\d\dT", row), row  # created and revoked

    missing = run(db_url, "keys", "revoke", "00000000-0000-0000-0000-000000000000")
    assert missing.returncode == 1 and "no key" in missing.stderr
    garbage = run(db_url, "keys", "revoke", "not-a-uuid")
    assert garbage.returncode == 2 and "is not a key id" in garbage.stderr
    bad_role = run(db_url, "keys", "create", "--role", "superuser", "--name", "x")
    assert bad_role.returncode == 2 and "superuser" in bad_role.stderr
    assert "Traceback" not in missing.stderr + garbage.stderr + bad_role.stderr


def test_demo_fills_the_database(db_url, db):
    result = ok(run(db_url, "demo", "--reports", "20"))
    tokens = dict(re.findall(r"(service|moderator|child_safety_specialist|compliance|admin)\W+(cs_\w+)",
                             result.stdout))
    assert set(tokens) == {"service", "moderator", "child_safety_specialist", "compliance", "admin"}
    with db.transaction() as session:
        for role, token in tokens.items():
            key = access.authenticate(session, token)
            assert key is not None and key.role == role
        assert session.scalar(select(func.count()).select_from(Report)) == 20
        statuses = dict(session.execute(select(Case.status, func.count()).group_by(Case.status)).all())
        assert statuses.get("open", 0) > 0 and statuses.get("decided", 0) > 0
        assert session.scalar(select(func.count()).select_from(Case).where(Case.child_safety.is_(True))) > 0
        result_ = audit.verify(session)
    assert result_.ok and result_.checked > 20, result_.problems
    verified = ok(run(db_url, "audit", "verify"))
    assert "audit log intact" in verified.stderr
    seq, digest = ok(run(db_url, "audit", "head")).stdout.split()
    assert (int(seq), digest) == (result_.head_seq, result_.head_hash)


@pytest.mark.parametrize("url", ["mysql://x", "not a url", "sqlite3:///x.db", "sqlite:////no/such/dir/x.db",
                                 "postgresql://postgres:hunter2-pw@127.0.0.1:1/nowhere"])
def test_bad_database_url_is_a_sentence_not_a_traceback(url):
    commands = (["migrate"], ["keys", "list"], ["audit", "verify"]) if url == "mysql://x" else (["keys", "list"],)
    for command in commands:
        result = run(url, *command)
        assert result.returncode not in (0, 1), (command, result.stderr)
        assert "Traceback" not in result.stderr + result.stdout, (command, result.stderr)
        assert len(result.stderr.splitlines()) < 10, result.stderr
        assert re.search(r"configuration error|database error", result.stderr), result.stderr
        assert "hunter2-pw" not in result.stderr + result.stdout
    if url == "mysql://x":
        assert "sqlite:// or postgresql://" in result.stderr


def test_missing_config_file_is_a_sentence(tmp_path):
    result = run(None, "keys", "list", CHILDSAFE_CONFIG=str(tmp_path / "nope.toml"))
    assert result.returncode == 2
    assert "configuration error" in result.stderr and "nope.toml" in result.stderr
    assert "Traceback" not in result.stderr
