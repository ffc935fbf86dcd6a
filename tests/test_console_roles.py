"""Who may use which console page: every console route has an entry here, checked against the
routes the app serves, and every entry is exercised signed out, with each role, and without a form token."""

import uuid

import pytest
from fastapi.testclient import TestClient

from childsafe.vocabulary import Role
from conftest import case_of, decide, report_body, submit
from console_support import browser, create_people, csrf_of, fast_hashing
from test_roles import _served_routes

__all__ = ["fast_hashing"]
pytestmark = pytest.mark.usefixtures("fast_hashing")
MOD, CSS, COMPLIANCE, ADMIN = Role.MODERATOR, Role.CHILD_SAFETY_SPECIALIST, Role.COMPLIANCE, Role.ADMIN
REVIEWERS = frozenset({MOD, CSS})
EVERYONE = frozenset({MOD, CSS, COMPLIANCE, ADMIN})
OPEN = None  # no sign-in needed

CONSOLE: dict[tuple[str, str], frozenset[Role] | None] = {
    ("GET", "/console/sign-in"): OPEN,
    ("POST", "/console/sign-in"): OPEN,
    ("POST", "/console/sign-out"): EVERYONE,
    ("GET", "/console"): EVERYONE,
    ("GET", "/console/queues"): REVIEWERS,
    ("POST", "/console/queues/next"): REVIEWERS,
    ("GET", "/console/cases/{case_id}"): REVIEWERS,
    ("POST", "/console/cases/{case_id}/claim"): REVIEWERS,
    ("POST", "/console/cases/{case_id}/release"): REVIEWERS,
    ("POST", "/console/cases/{case_id}/comments"): REVIEWERS,
    ("POST", "/console/cases/{case_id}/decision"): REVIEWERS,
    ("POST", "/console/cases/{case_id}/decision/preview"): REVIEWERS,
    ("GET", "/console/cases/{case_id}/evidence/{item_id}/blurred.png"): REVIEWERS,
    ("POST", "/console/cases/{case_id}/evidence/{item_id}/reveal"): REVIEWERS,
    ("GET", "/console/appeals"): REVIEWERS,
    ("GET", "/console/appeals/{appeal_id}"): REVIEWERS,
    ("POST", "/console/appeals/{appeal_id}/decision"): REVIEWERS,
    ("GET", "/console/accounts"): REVIEWERS,
    ("GET", "/console/accounts/{account_id:path}"): REVIEWERS,
    ("GET", "/console/compliance"): frozenset({COMPLIANCE, ADMIN}),
    ("GET", "/console/audit"): frozenset({COMPLIANCE, ADMIN}),
    ("GET", "/console/audit/verify"): frozenset({COMPLIANCE, ADMIN}),
    ("GET", "/console/users"): frozenset({ADMIN}),
    ("POST", "/console/users/{username}/disable"): frozenset({ADMIN}),
    ("POST", "/console/users/{username}/unlock"): frozenset({ADMIN}),
}
SESSION_ROUTES = {("GET", "/console/sign-in"), ("POST", "/console/sign-in"), ("POST", "/console/sign-out")}
PEOPLE = {"mod": MOD, "spec": CSS, "comp": COMPLIANCE, "admin": ADMIN, "spare": MOD}


def test_every_console_route_has_an_entry(app):
    served = {route for route in _served_routes(app.routes) if route[1].startswith("/console")}
    assert served == set(CONSOLE)


@pytest.fixture
def world(client, keys) -> dict[str, str]:  # type: ignore[no-untyped-def]
    ack = submit(client, keys["service"], report_body())
    case_id = case_of(client, keys["moderator"], ack["reference"])
    decision = decide(client, keys["moderator2"], case_id)
    appeal = client.post("/v1/appeals", headers=keys["service"], json={
        "decision_id": decision["id"], "appellant_role": "affected_user", "appellant_id": "acct-9",
        "appellant_age_band": "adult", "grounds": "It was a joke."})
    other = case_of(client, keys["moderator"], submit(client, keys["service"], report_body(
        subject__platform_id="post-2"))["reference"])
    return {"case_id": other, "appeal_id": appeal.json()["id"], "item_id": str(uuid.uuid4()),
            "account_id": "acct-9", "username": "spare"}


def test_console_role_matrix(app, db, world):
    create_people(db, PEOPLE)
    anonymous = TestClient(app, raise_server_exceptions=False)
    people = {role: browser(app, name) for name, role in PEOPLE.items() if name != "spare"}
    tokens = {role: csrf_of(person.get("/console").text) for role, person in people.items()}
    for (method, template), allowed in sorted(CONSOLE.items()):
        if (method, template) in SESSION_ROUTES:
            continue
        url = template.replace("{account_id:path}", world["account_id"]).format(**world)
        signed_out = anonymous.request(method, url, follow_redirects=False)
        assert signed_out.status_code == 303, (method, template)
        assert signed_out.headers["location"].startswith("/console/sign-in")
        for role, person in people.items():
            where = (method, template, role.value)
            if method == "POST":
                forged = person.post(url, data={}, follow_redirects=False)
                assert forged.status_code == 403, where
                response = person.post(url, data={"csrf_token": tokens[role]}, follow_redirects=False)
            else:
                response = person.get(url, follow_redirects=False)
            assert response.status_code < 500, where
            if role in allowed:  # type: ignore[operator]
                assert response.status_code != 403, (*where, response.text[-600:])
            else:
                assert response.status_code == 403 and "Not for your role" in response.text, where
                if method == "POST":
                    assert "This form has expired" not in forged.text, "the role is checked before anything else"
