"""Who may call what: the role matrix for every route, and the data-level rules behind it.

The matrix is checked against the routes the app really serves, so a new endpoint without an
entry here fails the suite instead of shipping with whatever access it happened to get.
"""

from typing import Any

import pytest

from childsafe import access, banks
from childsafe.audit import Actor
from childsafe.referrals import requests as le_requests
from childsafe.vocabulary import Role
from conftest import TEST_ACTOR, case_of, decide, report_body, submit
from cybertip_support import cybertip_world
from test_evidence import evidence_world

SERVICE, MOD, CSS, COMPLIANCE, ADMIN = (Role.SERVICE, Role.MODERATOR, Role.CHILD_SAFETY_SPECIALIST,
                                        Role.COMPLIANCE, Role.ADMIN)
ALL = frozenset(Role)
REVIEWERS = frozenset({MOD, CSS})
PUBLIC = None  # no key needed

MATRIX: dict[tuple[str, str], frozenset[Role] | None] = {
    ("POST", "/v1/reports"): frozenset({SERVICE}),
    ("GET", "/v1/reports/status/{reference}"): PUBLIC,
    ("GET", "/v1/reports/{report_id}"): REVIEWERS,
    ("GET", "/v1/queues"): REVIEWERS,
    ("GET", "/v1/cases"): REVIEWERS,
    ("GET", "/v1/cases/{case_id}"): REVIEWERS,
    ("POST", "/v1/cases/{case_id}/claim"): REVIEWERS,
    ("POST", "/v1/cases/{case_id}/release"): REVIEWERS,
    ("POST", "/v1/cases/{case_id}/comments"): REVIEWERS,
    ("POST", "/v1/cases/{case_id}/decision"): REVIEWERS,
    ("GET", "/v1/decisions/{decision_id}"): REVIEWERS,
    ("GET", "/v1/decisions/{decision_id}/statement"): REVIEWERS | {COMPLIANCE},
    ("GET", "/v1/statements"): frozenset({COMPLIANCE}),
    ("GET", "/v1/decisions/{decision_id}/notice"): REVIEWERS | {SERVICE},
    ("GET", "/v1/accounts/{account_id}/strikes"): REVIEWERS,
    ("POST", "/v1/appeals"): frozenset({SERVICE}),
    ("GET", "/v1/appeals"): REVIEWERS,
    ("GET", "/v1/appeals/{appeal_id}"): REVIEWERS | {SERVICE},
    ("POST", "/v1/appeals/{appeal_id}/decision"): REVIEWERS,
    ("GET", "/v1/keys"): frozenset({ADMIN}),
    ("POST", "/v1/keys"): frozenset({ADMIN}),
    ("DELETE", "/v1/keys/{key_id}"): frozenset({ADMIN}),
    ("POST", "/v1/scan/media"): frozenset({SERVICE, CSS, ADMIN}),
    ("POST", "/v1/scan/text"): frozenset({SERVICE, MOD, CSS, ADMIN}),
    ("POST", "/v1/scan/conversation"): frozenset({SERVICE, MOD, CSS, ADMIN}),
    ("GET", "/v1/banks"): frozenset({CSS, ADMIN, COMPLIANCE}),
    ("POST", "/v1/banks"): frozenset({CSS, ADMIN}),
    ("GET", "/v1/banks/{name}"): frozenset({CSS, ADMIN, COMPLIANCE}),
    ("PATCH", "/v1/banks/{name}"): frozenset({CSS, ADMIN}),
    ("DELETE", "/v1/banks/{name}"): frozenset({CSS, ADMIN}),
    ("POST", "/v1/banks/{name}/hashes"): frozenset({CSS, ADMIN}),
    ("POST", "/v1/banks/{name}/retractions"): frozenset({CSS, ADMIN}),
    ("GET", "/v1/index"): frozenset({CSS, ADMIN, COMPLIANCE}),
    ("GET", "/v1/audit"): frozenset({ADMIN, COMPLIANCE}),
    ("POST", "/v1/cases/{case_id}/cybertip"): frozenset({CSS}),
    ("GET", "/v1/cybertip/reports"): frozenset({CSS}),
    ("GET", "/v1/cybertip/reports/{tip_id}"): frozenset({CSS}),
    ("POST", "/v1/cybertip/reports/{tip_id}/approve"): frozenset({CSS}),
    ("POST", "/v1/cybertip/reports/{tip_id}/submit"): frozenset({CSS}),
    ("POST", "/v1/cybertip/reports/{tip_id}/retract"): frozenset({CSS}),
    ("GET", "/v1/audit/verify"): frozenset({ADMIN, COMPLIANCE}),
    ("GET", "/v1/transparency/report"): frozenset({COMPLIANCE}),
    ("GET", "/v1/transparency/daily"): frozenset({COMPLIANCE}),
    ("POST", "/v1/transparency/statements/queue"): frozenset({COMPLIANCE}),
    ("GET", "/v1/transparency/statements"): frozenset({COMPLIANCE}),
    ("POST", "/v1/cases/{case_id}/referral-exports"): frozenset({CSS}),
    ("GET", "/v1/cases/{case_id}/referral-exports"): frozenset({CSS, COMPLIANCE}),
    ("POST", "/v1/le-requests"): frozenset({CSS, COMPLIANCE}),
    ("GET", "/v1/le-requests"): frozenset({CSS, COMPLIANCE}),
    ("GET", "/v1/le-requests/{request_id}"): frozenset({CSS, COMPLIANCE}),
    ("POST", "/v1/le-requests/{request_id}/transition"): frozenset({CSS, COMPLIANCE}),
    ("POST", "/v1/evidence/media"): frozenset({SERVICE, CSS}),
    ("POST", "/v1/cases/{case_id}/evidence"): frozenset({SERVICE, CSS}),
    ("GET", "/v1/cases/{case_id}/evidence"): REVIEWERS,
    ("GET", "/v1/evidence/{item_id}"): REVIEWERS,
    ("GET", "/v1/evidence/{item_id}/image"): REVIEWERS,
    ("POST", "/v1/evidence/{item_id}/read"): REVIEWERS,
    ("GET", "/v1/evidence/exposure"): REVIEWERS | {COMPLIANCE, ADMIN},
    ("GET", "/v1/cases/{case_id}/holds"): frozenset({CSS, COMPLIANCE}),
    ("POST", "/v1/cases/{case_id}/holds"): frozenset({CSS, COMPLIANCE}),
    ("POST", "/v1/holds/{hold_id}/extend"): frozenset({CSS, COMPLIANCE}),
    ("POST", "/v1/holds/{hold_id}/release"): frozenset({CSS, COMPLIANCE}),
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/metrics"): PUBLIC,
    ("GET", "/v1/report-reasons"): PUBLIC,
    ("GET", "/v1/taxonomy"): ALL,
    ("GET", "/openapi.json"): PUBLIC,
    ("GET", "/docs"): PUBLIC,
    ("GET", "/docs/oauth2-redirect"): PUBLIC,
    ("GET", "/redoc"): PUBLIC,
    ("GET", "/"): PUBLIC,  # redirects to the console's sign-in page
}
# Server-rendered pages sign people in with a session, not an API key: their own role matrix lives beside them.
PAGE_PREFIXES = ("/console",  # tests/test_console_roles.py
                 "/report")  # the public child-friendly report form (no key, a signed form token): test_reportform.py
PUBLIC_ROUTES = {key for key, roles in MATRIX.items() if roles is PUBLIC}
PROTECTED = sorted(key for key, roles in MATRIX.items() if roles is not PUBLIC)
# Endpoints that take a JSON body: an allowed role sends {} and must get 422 (no writes in the matrix).
BODY = {("POST", "/v1/reports"), ("POST", "/v1/cases/{case_id}/comments"), ("POST", "/v1/cases/{case_id}/decision"),
        ("POST", "/v1/appeals"), ("POST", "/v1/appeals/{appeal_id}/decision"), ("POST", "/v1/keys"),
        ("POST", "/v1/scan/media"), ("POST", "/v1/banks"), ("POST", "/v1/banks/{name}/hashes"),
        ("POST", "/v1/scan/text"), ("POST", "/v1/scan/conversation"),
        ("POST", "/v1/cases/{case_id}/referral-exports"), ("POST", "/v1/le-requests"),
        ("POST", "/v1/le-requests/{request_id}/transition"), ("POST", "/v1/cases/{case_id}/evidence"),
        ("POST", "/v1/evidence/{item_id}/read"), ("POST", "/v1/holds/{hold_id}/extend"),
        ("POST", "/v1/holds/{hold_id}/release")}
# Deleting routes act on a spare object, so the other routes still find theirs.
SPARE = {("DELETE", "/v1/banks/{name}"): {"name": "spare-bank"}}
PROBLEM = "application/problem+json"


def _served_routes(routes: list[Any], prefix: str = "") -> set[tuple[str, str]]:
    """Every (method, path) the app answers, including routes left out of the OpenAPI schema."""
    found: set[tuple[str, str]] = set()
    for route in routes:
        if hasattr(route, "original_router"):  # FastAPI >= 0.16x keeps included routers as branches
            found |= _served_routes(route.original_router.routes, prefix + route.include_context.prefix)
        elif hasattr(route, "routes") and not hasattr(route, "methods"):  # a mounted sub-application
            found |= _served_routes(route.routes, prefix + route.path)
        else:
            found |= {(m, prefix + route.path) for m in (route.methods or ()) if m != "HEAD"}
    return found


def test_matrix_covers_every_route(app):
    documented = {(method.upper(), path) for path, ops in app.openapi()["paths"].items() for method in ops}
    served = {route for route in _served_routes(app.routes) if not route[1].startswith(PAGE_PREFIXES)}
    assert documented <= served, "the walk over app.routes must see everything the schema documents"
    assert served - set(MATRIX) == set(), "routes without a role-matrix entry"
    assert set(MATRIX) - served == set(), "matrix entries for routes that no longer exist"


@pytest.fixture
def world(client, keys, db, tmp_path) -> dict[str, str]:
    """Real objects behind every path parameter, so allowed roles reach the handler's own logic."""
    ack = submit(client, keys["service"], report_body())
    case_id = case_of(client, keys["moderator"], ack["reference"])
    decision = decide(client, keys["moderator2"], case_id)  # keys["moderator"] may then decide its appeal
    appeal = client.post("/v1/appeals", headers=keys["service"], json={
        "decision_id": decision["id"], "appellant_role": "affected_user", "appellant_id": "acct-9",
        "appellant_age_band": "adult", "grounds": "It was a joke."})
    assert appeal.status_code == 201, appeal.text
    with db.transaction() as session:
        spare = access.create_key(session, Role.SERVICE, "spare", TEST_ACTOR)
        for name in ("world-bank", "spare-bank"):
            banks.create_bank(session, TEST_ACTOR, name=name)
        le_request = le_requests.register(session, le_requests.RequestIn(
            authority="Police", country="DE", kind="other", legal_basis="StPO 100g", requested="subscriber data"),
            Actor("test-compliance", Role.COMPLIANCE.value))
    vault_world = evidence_world(client.app, db, case_id, tmp_path)
    with db.transaction() as session:  # a draft seals its content: after the vault is configured
        tip = cybertip_world(session, client.app.state.settings)
    return {"reference": ack["reference"], "report_id": ack["id"], "case_id": case_id,
            "decision_id": decision["id"], "appeal_id": appeal.json()["id"], "account_id": "acct-9",
            "key_id": str(spare.id), "name": "world-bank", "tip_id": str(tip),
            "request_id": str(le_request.id)} | vault_world


def _call(client, method: str, template: str, world: dict[str, str], headers: dict[str, str]):  # type: ignore[no-untyped-def]
    url = template.format(**(world | SPARE.get((method, template), {})))
    body = {"json": {}} if (method, template) in BODY else {}
    return client.request(method, url, headers=headers, **body)


def _assert_problem(response, status: int) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    problem = response.json()
    assert problem["status"] == status
    return problem


def test_role_matrix(client, keys, world, db):
    with db.transaction() as session:
        revoked = access.create_key(session, Role.ADMIN, "soon revoked", TEST_ACTOR)
    revoked_headers = {"Authorization": f"Bearer {revoked.token}"}
    assert client.get("/v1/keys", headers=revoked_headers).status_code == 200  # works (and is cached) ...
    assert client.delete(f"/v1/keys/{revoked.id}", headers=keys["admin"]).status_code == 200
    refused_credentials = {
        "none": {},
        "revoked": revoked_headers,  # ... and stops at once when revoked through the API
        "malformed": {"Authorization": "Bearer not-a-key"},
        "unknown key": {"Authorization": "Bearer cs_AAAAAAAAAA_" + "B" * 32},
        "wrong secret": {"Authorization": f"Bearer {keys['admin']['Authorization'].split()[1][:-1]}x"},
        "basic scheme": {"Authorization": "Basic YWRtaW46YWRtaW4="},
    }
    for method, template in PROTECTED:
        allowed = MATRIX[(method, template)]
        assert allowed
        for label, headers in refused_credentials.items():
            problem = _assert_problem(_call(client, method, template, world, headers), 401)
            assert problem["title"] == "Unauthorized", (method, template, label)
        for role in Role:
            response = _call(client, method, template, world, keys[role.value])
            where = (method, template, role.value, response.status_code, response.text[:300])
            if role in allowed:
                assert response.status_code not in (401, 403), where
                assert response.status_code < 500, where
                if method == "GET":
                    assert response.status_code == 200, where
                elif (method, template) in BODY:
                    assert response.status_code == 422, where
            else:
                problem = _assert_problem(response, 403)
                assert f"the {role.value} role may not do this" in problem["detail"], where


def test_unauthenticated_gets_bearer_challenge(client):
    response = client.get("/v1/cases")
    _assert_problem(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"


def test_public_routes_need_no_key(client, keys, world):
    for method, template in sorted(PUBLIC_ROUTES):
        response = _call(client, method, template, world, {})
        assert response.status_code == 200, (method, template, response.text[:200])
    assert client.get("/v1/reports/status/CS-0000-0000-0000").status_code == 404  # the reference is the secret


def test_revoked_key_stops_working_through_library_revocation(client, keys, db, app):
    with db.transaction() as session:
        created = access.create_key(session, Role.MODERATOR, "temp", TEST_ACTOR)
    headers = {"Authorization": f"Bearer {created.token}"}
    assert client.get("/v1/cases", headers=headers).status_code == 200
    with db.transaction() as session:
        assert access.revoke_key(session, created.id, TEST_ACTOR) is not None
    app.state.key_cache.clear()  # another replica's revocation is seen within the cache lifetime
    _assert_problem(client.get("/v1/cases", headers=headers), 401)


def _csam_report(client, keys) -> tuple[dict[str, Any], str]:  # type: ignore[no-untyped-def]
    ack = submit(client, keys["service"], report_body(
        reason="sexual_image_of_child", reporter={"anonymous": True, "age_band": "unknown", "role": "bystander"},
        subject__platform_id="img-77", subject__content_type="image", free_text=None))
    case_id = case_of(client, keys["child_safety_specialist"], ack["reference"])
    return ack, case_id


def _audit(client, keys, **params: str) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    response = client.get("/v1/audit", params=params | {"limit": 1000}, headers=keys["compliance"])
    assert response.status_code == 200, response.text
    return response.json()


def test_child_safety_case_is_for_specialists_only(client, keys):
    ordinary = submit(client, keys["service"], report_body())
    ack, case_id = _csam_report(client, keys)
    mod, css = keys["moderator"], keys["child_safety_specialist"]

    specialist_case = client.get(f"/v1/cases/{case_id}", headers=css).json()
    assert specialist_case["child_safety"] is True
    assert specialist_case["queue"] == "child_safety"

    listed = {c["id"] for c in client.get("/v1/cases", headers=mod).json()}
    assert case_id not in listed
    assert case_of(client, mod, ordinary["reference"]) in listed  # moderators still see ordinary work
    assert case_id not in {c["id"] for c in client.get("/v1/cases", params={"queue": "child_safety"},
                                                       headers=mod).json()}
    assert case_id in {c["id"] for c in client.get("/v1/cases", headers=css).json()}

    mod_queues = {q["queue"]: q["open"] for q in client.get("/v1/queues", headers=mod).json()}
    css_queues = {q["queue"]: q["open"] for q in client.get("/v1/queues", headers=css).json()}
    assert "child_safety" not in mod_queues
    assert css_queues["child_safety"] == 1

    denied = _assert_problem(client.get(f"/v1/cases/{case_id}", headers=mod), 403)
    assert "child-safety specialists" in denied["detail"]
    _assert_problem(client.get(f"/v1/reports/{ack['id']}", headers=mod), 403)
    _assert_problem(client.post(f"/v1/cases/{case_id}/claim", headers=mod), 403)
    _assert_problem(client.post(f"/v1/cases/{case_id}/comments", headers=mod, json={"body": "x"}), 403)
    assert client.get(f"/v1/cases/{case_id}", headers=keys["moderator"]).json().get("reports") is None


def test_specialist_reads_are_audited_with_the_access_reason(client, keys):
    _, case_id = _csam_report(client, keys)
    css = keys["child_safety_specialist"]
    before = _audit(client, keys, action="case.read", object_id=case_id)

    why = "hash match follow-up, ticket 4711"
    read = client.get(f"/v1/cases/{case_id}", headers=css | {"X-Access-Reason": why})
    assert read.status_code == 200, read.text
    assert read.json()["reports"][0]["reason_code"] == "sexual_image_of_child"

    reads = _audit(client, keys, action="case.read", object_id=case_id)
    assert len(reads) == len(before) + 1
    assert reads[-1]["reason"] == why
    assert reads[-1]["actor_role"] == "child_safety_specialist"
    assert reads[-1]["object_type"] == "case"

    too_long = client.get(f"/v1/cases/{case_id}", headers=css | {"X-Access-Reason": "x" * 201})
    _assert_problem(too_long, 422)
    assert len(_audit(client, keys, action="case.read", object_id=case_id)) == len(reads)

    # the same rule seen from the admin side of the audit log
    admin_view = client.get("/v1/audit", params={"action": "case.read", "object_id": case_id},
                            headers=keys["admin"])
    assert admin_view.status_code == 200
    assert [e["reason"] for e in admin_view.json()][-1] == why


def test_refused_case_access_is_audited(client, keys):
    _, case_id = _csam_report(client, keys)
    assert _audit(client, keys, action="case.access_denied", object_id=case_id) == []

    why = "curious"
    _assert_problem(client.get(f"/v1/cases/{case_id}", headers=keys["moderator"] | {"X-Access-Reason": why}), 403)
    denied = _audit(client, keys, action="case.access_denied", object_id=case_id)
    assert len(denied) == 1
    assert denied[0]["actor_role"] == "moderator"
    assert denied[0]["reason"] == why
    _assert_problem(client.post(f"/v1/cases/{case_id}/claim", headers=keys["moderator"]), 403)
    assert len(_audit(client, keys, action="case.access_denied", object_id=case_id)) == 2
    # and the denied attempts left no read entry behind
    reads = _audit(client, keys, action="case.read", object_id=case_id)
    assert [e["actor_role"] for e in reads] == ["child_safety_specialist"]  # case_of() looked it up

    verify = client.get("/v1/audit/verify", headers=keys["compliance"]).json()
    assert verify["ok"] is True, verify


def test_compliance_reads_statements_not_cases(client, keys):
    ack = submit(client, keys["service"], report_body())
    case_id = case_of(client, keys["moderator"], ack["reference"])
    decision = decide(client, keys["moderator"], case_id)
    compliance = keys["compliance"]

    statements = client.get("/v1/statements", headers=compliance)
    assert statements.status_code == 200
    assert [s["puid"] for s in statements.json()] == [decision["statement"]["puid"]]
    statement = client.get(f"/v1/decisions/{decision['id']}/statement", headers=compliance)
    assert statement.status_code == 200
    assert statement.json() == decision["statement"]

    for url in (f"/v1/cases/{case_id}", "/v1/cases", f"/v1/reports/{ack['id']}", f"/v1/decisions/{decision['id']}",
                "/v1/queues"):
        problem = _assert_problem(client.get(url, headers=compliance), 403)
        assert "compliance" in problem["detail"]


def test_admin_manages_keys_but_reads_no_cases(client, keys):
    admin = keys["admin"]
    ack = submit(client, keys["service"], report_body())
    case_id = case_of(client, keys["moderator"], ack["reference"])

    created = client.post("/v1/keys", headers=admin, json={"role": "moderator", "name": "new reviewer"})
    assert created.status_code == 201, created.text
    token = created.json()["token"]
    listed = client.get("/v1/keys", headers=admin).json()
    assert created.json()["id"] in {k["id"] for k in listed}
    assert token not in str(listed)
    assert client.get(f"/v1/cases/{case_id}", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    revoked = client.delete(f"/v1/keys/{created.json()['id']}", headers=admin)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    _assert_problem(client.get(f"/v1/cases/{case_id}", headers={"Authorization": f"Bearer {token}"}), 401)

    for url in (f"/v1/cases/{case_id}", "/v1/cases", f"/v1/reports/{ack['id']}", "/v1/statements"):
        problem = _assert_problem(client.get(url, headers=admin), 403)
        assert "the admin role may not do this" in problem["detail"]
    bad_role = client.post("/v1/keys", headers=admin, json={"role": "superuser", "name": "x"})
    assert _assert_problem(bad_role, 422)["errors"][0]["field"] == "body.role"
