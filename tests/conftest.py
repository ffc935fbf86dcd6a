"""Shared fixtures. Every database-backed test runs twice: on SQLite and on PostgreSQL.

PostgreSQL must be reachable at 127.0.0.1:5432 (database ``test``, trust auth); ``.ci/run`` starts
it. An unreachable server fails the run rather than skipping half of it.
"""

import os
import shutil
import uuid
from collections.abc import Iterator
from copy import deepcopy
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, make_url, text

from childsafe import access
from childsafe.api import create_app
from childsafe.audit import Actor
from childsafe.config import Settings, make_settings
from childsafe.models import metadata
from childsafe.store import Database
from childsafe.store.migrate import upgrade
from childsafe.vocabulary import Role

PG_URL = os.environ.get("CHILDSAFE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
TEST_ACTOR = Actor("test", Role.ADMIN.value, "test setup")

# Every capability's table, so a new capability's rows are cleared between tests without editing this list.
_TABLES = [table.name for table in metadata.sorted_tables]


def _worker_url(url: str) -> str:
    """Under pytest-xdist each worker gets its own PostgreSQL database beside the configured one."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    base = make_url(url)
    name = f"{base.database}_{worker}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first():
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(autouse=True)
def _fresh_process_registries() -> None:
    """Forget what earlier tests registered process-wide (the evidence vault per database URL, the TDB
    submission and CyberTipline outbox bindings), so no test passes or fails because of test order."""
    from childsafe.evidence import vault
    from childsafe.referrals.cybertip import service as cybertip_service
    from childsafe.transparency import submission

    with vault._lock:
        vault._vaults.clear()
    submission._configured.clear()
    cybertip_service._bound.clear()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_migrated() -> str:
    url = _worker_url(PG_URL)
    engine = Database(url).engine
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    upgrade(url)
    return url


def _fresh_postgres(url: str) -> str:
    engine = Database(url).engine
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {', '.join(_TABLES)} RESTART IDENTITY CASCADE"))
    engine.dispose()
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database of each kind."""
    if request.param == "sqlite":
        path = tmp_path / "childsafe.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    return _fresh_postgres(request.getfixturevalue("postgres_migrated"))


@pytest.fixture
def backend(db_url: str) -> str:
    return "postgresql" if db_url.startswith("postgresql") else "sqlite"


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database(db_url)
    yield database
    database.dispose()


@pytest.fixture
def settings(db_url: str) -> Settings:
    return make_settings(database_url=db_url, task_queue="none", platform_name="Example Platform")


@pytest.fixture
def app(settings: Settings, db: Database):  # type: ignore[no-untyped-def]
    return create_app(settings, db=db)


@pytest.fixture
def client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def keys(db: Database) -> dict[str, dict[str, str]]:
    """Authorization headers per role, plus a second moderator and a second specialist."""
    names = {role.value: role for role in Role}
    names |= {"moderator2": Role.MODERATOR, "child_safety_specialist2": Role.CHILD_SAFETY_SPECIALIST}
    headers = {}
    with db.transaction() as session:
        for name, role in names.items():
            token = access.create_key(session, role, name, TEST_ACTOR).token
            headers[name] = {"Authorization": f"Bearer {token}"}
    return headers


VALID_REPORT: dict[str, Any] = {
    "channel": "in_app",
    "reporter": {"platform_user_id": "user-1", "age_band": "10_12", "role": "victim"},
    "subject": {"type": "content", "platform_id": "post-1", "account_id": "acct-9", "content_type": "text",
                "url": "https://platform.example/p/1", "age_band": "adult"},
    "reason": "bullying_me",
    "free_text": "they keep calling me names",
    "wants_updates": True,
}


def report_body(**changes: Any) -> dict[str, Any]:
    """A valid report with top-level keys replaced; ``subject__x=1`` sets a nested key."""
    body = deepcopy(VALID_REPORT)
    for key, value in changes.items():
        if "__" in key:
            outer, inner = key.split("__", 1)
            body[outer][inner] = value
        else:
            body[key] = value
    return body


def submit(client: TestClient, headers: dict[str, str], body: dict[str, Any] | None = None,
           key: str | None = None) -> dict[str, Any]:
    extra = {"Idempotency-Key": key} if key else {}
    response = client.post("/v1/reports", json=body or report_body(), headers=headers | extra)
    assert response.status_code in (200, 201), response.text
    return response.json()


def case_of(client: TestClient, headers: dict[str, str], reference: str) -> str:
    """The case id behind a report reference, looked up as a reviewer would."""
    for status in ("open", "decided"):
        for case in client.get("/v1/cases", params={"status": status, "limit": 200}, headers=headers).json():
            detail = client.get(f"/v1/cases/{case['id']}", headers=headers).json()
            if any(r["reference"] == reference for r in detail["reports"]):
                return case["id"]
    raise AssertionError(f"no case holds report {reference}")


def decide(client: TestClient, headers: dict[str, str], case_id: str, **decision: Any) -> dict[str, Any]:
    claimed = client.post(f"/v1/cases/{case_id}/claim", headers=headers)
    assert claimed.status_code == 200, claimed.text
    body = {"action": "remove", "policy_ground": "Community Guidelines 3.1 (bullying)",
            "explanation": "Repeated insults aimed at another user."} | decision
    response = client.post(f"/v1/cases/{case_id}/decision", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def random_id() -> str:
    return uuid.uuid4().hex[:12]
