"""Helpers for console tests (server-side here; the browser tests can reuse them to set up people)."""

import re
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from httpx import Response

from childsafe.console import auth
from childsafe.store import Database
from childsafe.vocabulary import Role
from conftest import TEST_ACTOR

PASSWORD = "correct horse battery"
PEOPLE = {"mod": Role.MODERATOR, "mod2": Role.MODERATOR, "spec": Role.CHILD_SAFETY_SPECIALIST,
          "spec2": Role.CHILD_SAFETY_SPECIALIST, "comp": Role.COMPLIANCE, "admin": Role.ADMIN}
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2id with the cheapest parameters: same code paths, milliseconds instead of a tenth of a second."""
    monkeypatch.setattr(auth, "_HASHER", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))


def create_people(db: Database, people: dict[str, Role] | None = None) -> dict[str, Role]:
    people = people or PEOPLE
    with db.transaction() as session:
        for username, role in people.items():
            auth.create_user(session, username=username, display_name=f"{username.capitalize()} Example", role=role,
                             password=PASSWORD, actor=TEST_ACTOR)
    return people


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "the page has no form token"
    return found.group(1)


def sign_in(client: TestClient, username: str, password: str = PASSWORD, **extra: str) -> Response:
    form = client.get("/console/sign-in")
    assert form.status_code == 200, form.text
    return client.post("/console/sign-in", data={"username": username, "password": password,
                                                 "csrf_token": csrf_of(form.text)} | extra,
                       follow_redirects=False)


def browser(app: Any, username: str) -> TestClient:
    """A signed-in browser of its own (its own cookie jar)."""
    client = TestClient(app, raise_server_exceptions=False)
    response = sign_in(client, username)
    assert response.status_code == 303, response.text
    return client


def post_form(client: TestClient, path: str, data: dict[str, str] | None = None, *,
              token_from: str = "/console/queues") -> Response:
    """Post a form the way a browser does: with the token printed on the page the form lives on."""
    token = csrf_of(client.get(token_from).text)
    return client.post(path, data={"csrf_token": token} | (data or {}), follow_redirects=False)
