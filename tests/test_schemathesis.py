"""Property-based API testing with schemathesis: no request may produce a 5xx, and every 4xx is a problem.

schemathesis generates valid and invalid requests for every operation in ``/openapi.json`` (its
``examples``, ``coverage`` and ``fuzzing`` phases: boundary values, wrong types, missing fields,
undeclared methods, missing or broken credentials, ...) and sends them in-process to the app of the
conftest fixtures, on SQLite and on PostgreSQL (one pytest item per operation and backend, each with a
fresh database). Each request carries a key whose role may call the operation (see ``_role_for``), so
generated data gets past 401/403 into validation and the domain code; about half the examples have
their path parameters pointed at seeded rows (a decided case with statement, notice and open appeal,
open cases claimed by the calling specialist, a throwaway key), so handlers also run on rows that
exist instead of answering 404.

Every response must be below 500, and every 4xx must be ``application/problem+json`` whose body has
an integer ``status`` equal to the HTTP status and non-empty string ``title`` and ``detail`` (RFC 9457).

Bounded and reproducible: ``max_examples`` per operation, derandomized, no example database. Both
backends together take about 30 s here; ``CHILDSAFE_SCHEMATHESIS_EXAMPLES=400`` gives a deeper run.
"""

import os
import uuid
import zlib
from typing import Any

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck

from childsafe import access, evidence
from childsafe.api import create_app
from childsafe.audit import Actor
from childsafe.config import Settings, make_settings
from childsafe.vocabulary import Role
from conftest import case_of, decide, report_body, submit

MAX_EXAMPLES = int(os.environ.get("CHILDSAFE_SCHEMATHESIS_EXAMPLES", "50"))

CONFIG = schemathesis.Config.from_dict({
    "generation": {"mode": "all", "deterministic": True},
    "phases": {"stateful": {"enabled": False}},
})

# The OpenAPI document does not depend on the database, so the schema is built once at import; each
# test calls the app of its own (per-backend) fixture. ``schemathesis.pytest.from_fixture`` would let
# one test cover every operation, but it reads ``Node._nodeid``, which pytest 9.2 no longer has.
schema = schemathesis.openapi.from_dict(
    create_app(make_settings(database_url="sqlite://", task_queue="none")).openapi(), config=CONFIG)


def _role_for(method: str, path: str) -> str:
    """A role allowed to call the operation (the reviewer role that sees every case by default)."""
    if (method, path) in {("POST", "/v1/reports"), ("POST", "/v1/appeals")}:
        return Role.SERVICE.value
    if path.startswith(("/v1/keys", "/v1/audit")):
        return Role.ADMIN.value
    if path == "/v1/statements":
        return Role.COMPLIANCE.value
    return Role.CHILD_SAFETY_SPECIALIST.value


@pytest.fixture
def settings(db_url: str, tmp_path) -> Settings:
    """The conftest settings plus an evidence vault, so the fuzzer reaches past the vault's fail-closed 503."""
    key_file = tmp_path / "evidence-keys.json"
    evidence.init_key(key_file)
    return make_settings(database_url=db_url, task_queue="none", platform_name="Example Platform",
                         evidence_key_file=str(key_file), evidence_dir=str(tmp_path / "evidence"))


@pytest.fixture
def seeded(client, keys, db) -> dict[str, list[str]]:
    """Rows for path parameters: a decided case with statement, notice and an open appeal; open cases
    claimed by the specialist; a throwaway key to revoke."""
    decided = submit(client, keys["service"], report_body())
    decided_case = case_of(client, keys["moderator2"], decided["reference"])
    decision = decide(client, keys["moderator2"], decided_case)
    appeal = client.post("/v1/appeals", headers=keys["service"], json={
        "decision_id": decision["id"], "appellant_role": "affected_user", "appellant_id": "acct-9",
        "appellant_age_band": "adult", "grounds": "It was a joke between friends."})
    assert appeal.status_code == 201, appeal.text
    child = submit(client, keys["service"], report_body(reason="adult_asking_sexual_things",
                                                        subject__platform_id="post-2"))
    other = submit(client, keys["service"], report_body(reason="hate", subject__platform_id="post-3"))
    cases = [decided_case] + [case_of(client, keys["child_safety_specialist"], r["reference"]) for r in (child, other)]
    for case_id in cases[1:]:  # held by the fuzzing role, so decisions and releases can succeed
        claimed = client.post(f"/v1/cases/{case_id}/claim", headers=keys["child_safety_specialist"])
        assert claimed.status_code == 200, claimed.text
    with db.transaction() as session:
        throwaway = access.create_key(session, Role.MODERATOR, "throwaway", Actor("test", "admin")).id
    return {
        "report_id": [decided["id"], child["id"], other["id"]],
        "reference": [decided["reference"], child["reference"]],
        "case_id": cases,
        "decision_id": [decision["id"]],
        "appeal_id": [appeal.json()["id"]],
        "key_id": [str(throwaway)],
        "account_id": ["acct-9"],
    }


SEEDED_PARAMETERS = {"report_id", "reference", "case_id", "decision_id", "appeal_id", "key_id", "account_id"}


def _use_seeded_ids(case: schemathesis.Case, seeded: dict[str, list[str]]) -> None:
    """For about half the examples, point path parameters at existing rows (chosen from the generated
    values, so the choice does not depend on which tests ran before)."""
    digest = zlib.crc32(repr(sorted(case.path_parameters.items())).encode())
    if digest % 2:
        return
    for name in case.path_parameters:
        pool = seeded.get(name)
        if pool:
            case.path_parameters[name] = pool[(digest >> 1) % len(pool)]


def _header(response: Any, name: str) -> str:
    """One header from a schemathesis response (lowercase keys, list values) or an httpx one."""
    value = response.headers.get(name, "")
    return value[0] if isinstance(value, list) else value


def _assert_problem(response: Any, label: str) -> None:
    status = response.status_code
    assert status < 500, f"{label}: {status} {response.text[:500]}"
    if status < 400:
        return
    ctype = _header(response, "content-type").split(";")[0].strip()
    assert ctype == "application/problem+json", f"{label}: {status} with content-type {ctype!r}: {response.text[:300]}"
    body = response.json()
    assert isinstance(body, dict), f"{label}: problem body is not an object: {body!r}"
    assert body.get("status") == status, f"{label}: problem status {body.get('status')!r} != {status}"
    assert isinstance(body.get("title"), str) and body["title"], f"{label}: problem without title: {body!r}"
    assert isinstance(body.get("detail"), str) and body["detail"], f"{label}: problem without detail: {body!r}"


@schema.parametrize()
@hypothesis.settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_api_never_500_and_errors_are_problems(case: schemathesis.Case, app, keys,
                                               request: pytest.FixtureRequest) -> None:
    if any(name in SEEDED_PARAMETERS for name in case.path_parameters or {}):
        _use_seeded_ids(case, request.getfixturevalue("seeded"))
    headers = keys[_role_for(case.method.upper(), case.path)]
    response = case.call(headers=dict(headers), app=app)  # a copy: call() adds to the dict it is given
    _assert_problem(response, case.as_curl_command())


def test_unauthenticated_and_wrong_role_are_problems(client, keys) -> None:
    """The auth layer's 401/403 are problems too (the fuzzer always sends a valid key)."""
    for headers in ({}, {"Authorization": "Bearer cs_nope_nope"}, {"Authorization": "Basic abc"}):
        response = client.get("/v1/queues", headers=headers)
        assert response.status_code == 401
        _assert_problem(response, "GET /v1/queues")
    response = client.get("/v1/queues", headers=keys["service"])
    assert response.status_code == 403
    _assert_problem(response, "GET /v1/queues")
    response = client.post("/v1/reports", json=report_body(), headers=keys["moderator"])
    assert response.status_code == 403
    _assert_problem(response, "POST /v1/reports")
    response = client.get(f"/v1/cases/{uuid.uuid4()}", headers=keys["moderator"])
    assert response.status_code == 404
    _assert_problem(response, "GET /v1/cases/{id}")


# Regressions for the 500s the fuzzer found; pinned here so they do not depend on its luck.

@pytest.mark.parametrize(("method", "path", "role", "body"), [
    ("GET", "/v1/audit?object_id=%00", "admin", None),
    ("GET", "/v1/cases?assignee=%00", "child_safety_specialist", None),
    ("GET", "/v1/accounts/%00/strikes", "child_safety_specialist", None),
    ("POST", "/v1/reports", "service", report_body(free_text="a\x00b")),
    ("POST", "/v1/reports", "service", report_body(subject__url="https://platform.example/\x00")),  # jsonb
])
def test_nul_characters_are_refused_not_500(client, keys, backend, method, path, role, body) -> None:
    response = client.request(method, path, json=body, headers=keys[role])
    _assert_problem(response, f"{method} {path}")
    # Bodies are refused on both backends (validation); a NUL in a query only PostgreSQL refuses.
    if body is not None or backend == "postgresql":
        assert response.status_code == 422, response.text
        assert "NUL" in response.json()["detail"]


@pytest.mark.parametrize("query", ["after=9223372036854775808", "after=99999999999999999999999"])
def test_audit_after_beyond_bigint_is_422(client, keys, query) -> None:
    response = client.get(f"/v1/audit?{query}", headers=keys["admin"])
    assert response.status_code == 422, response.text
    _assert_problem(response, query)


@pytest.mark.parametrize("created_at", ["2024-01-01T00:00:00", "0001-01-01T00:00:00+05:00",
                                        "9999-12-31T23:59:59-05:00"])
def test_report_subject_created_at_naive_or_out_of_range_is_422(client, keys, created_at) -> None:
    response = client.post("/v1/reports", json=report_body(subject__created_at=created_at), headers=keys["service"])
    assert response.status_code == 422, response.text
    _assert_problem(response, created_at)
    assert response.json()["errors"][0]["field"] == "body.subject.created_at"


def test_report_subject_created_at_with_offset_is_stored_as_utc(client, keys) -> None:
    ack = submit(client, keys["service"], report_body(subject__created_at="2024-01-01T02:00:00+02:00"))
    case = client.get(f"/v1/cases/{case_of(client, keys['moderator'], ack['reference'])}", headers=keys["moderator"])
    assert case.json()["reports"][0]["subject"]["created_at"] in ("2024-01-01T00:00:00Z", "2024-01-01T00:00:00+00:00")


@pytest.mark.parametrize("since", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"])
def test_statements_since_out_of_range_is_422(client, keys, since) -> None:
    response = client.get("/v1/statements", params={"since": since}, headers=keys["compliance"])
    assert response.status_code == 422, response.text
    _assert_problem(response, since)
