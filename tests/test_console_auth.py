"""Console sign-in: argon2id hashes, hardened session cookies, CSRF, lock-out, expiry and sign-out."""

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from childsafe import audit
from childsafe.config import make_settings
from childsafe.console import auth
from childsafe.console.models import ConsoleLoginAttempt, ConsoleSession, ConsoleUser
from childsafe.store import utcnow
from childsafe.vocabulary import Role
from conftest import TEST_ACTOR
from console_support import PASSWORD, browser, create_people, csrf_of, fast_hashing, post_form, sign_in

__all__ = ["fast_hashing"]
pytestmark = pytest.mark.usefixtures("fast_hashing")


def _actions(db, action: str) -> list[audit.AuditEntry]:  # type: ignore[no-untyped-def]
    with db.transaction() as session:
        return audit.entries(session, action=action, limit=1000)


def test_password_is_stored_as_argon2id(db, monkeypatch):
    monkeypatch.undo()  # the real parameters
    with db.transaction() as session:
        auth.create_user(session, username="Real.Person", display_name="Real Person", role=Role.MODERATOR,
                         password=PASSWORD, actor=TEST_ACTOR)
    with db.transaction() as session:
        user = session.scalar(select(ConsoleUser))
        assert user.username == "real.person"
        assert user.password_hash.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
        assert PASSWORD not in user.password_hash
        assert auth.sign_in(session, "REAL.person", PASSWORD, make_settings()).ok


@pytest.mark.parametrize(("changes", "field"), [({"username": "no spaces"}, "username"),
                                                ({"password": "short"}, "password"),
                                                ({"role": "service"}, "role"), ({"display_name": " "}, "display_name")])
def test_create_user_refuses_bad_input(db, changes, field):
    from childsafe.errors import InvalidInput

    data = {"username": "someone", "display_name": "Some One", "role": "moderator", "password": PASSWORD} | changes
    with pytest.raises(InvalidInput) as refused, db.transaction() as session:
        auth.create_user(session, actor=TEST_ACTOR, **data)
    assert refused.value.field == field


def test_sign_in_sets_a_hardened_session_cookie(client, db):
    create_people(db, {"mod": Role.MODERATOR})
    response = sign_in(client, "mod")
    assert response.status_code == 303
    assert response.headers["location"] == "/console/queues"
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("childsafe_console="))
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")}
    assert {"httponly", "path", "samesite"} <= attributes and "secure" not in attributes
    assert "samesite=lax" in cookie.lower() and "path=/console" in cookie.lower()
    token = cookie.split(";")[0].split("=", 1)[1]
    with db.transaction() as session:
        stored = session.scalars(select(ConsoleSession.token_sha256)).all()
    assert len(stored) == 1 and token not in stored  # only its digest is kept
    page = client.get("/console/queues")
    assert page.status_code == 200 and "Mod Example" in page.text
    assert [e.actor for e in _actions(db, "console.signed_in")] == ["user:mod (Mod Example)"]


def test_secure_cookie_when_configured(db):
    from childsafe.api import create_app

    settings = make_settings(database_url=db.url.replace("+psycopg", ""), task_queue="none",
                             console_secure_cookie=True)
    create_people(db, {"mod": Role.MODERATOR})
    with TestClient(create_app(settings, db=db), base_url="https://testserver") as client:
        response = sign_in(client, "mod")
    assert response.status_code == 303
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("childsafe_console="))
    assert "secure" in cookie.lower()


def test_wrong_password_and_unknown_name_look_the_same(client, db):
    create_people(db, {"mod": Role.MODERATOR})
    wrong = sign_in(client, "mod", "not the password")
    unknown = sign_in(client, "nobody", "not the password")
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert "The username or password is not right." in response.text
        assert "childsafe_console=" not in response.headers.get("set-cookie", "")
    assert client.get("/console/queues", follow_redirects=False).status_code == 303


def test_lock_out_after_five_failures_is_audited_and_ends(client, db):
    create_people(db, {"mod": Role.MODERATOR})
    statuses = [sign_in(client, "mod", f"guess {i}").status_code for i in range(5)]
    assert statuses == [401, 401, 401, 401, 429]
    refused = sign_in(client, "mod")  # even the right password, while locked
    assert refused.status_code == 429 and "locked" in refused.text
    locked = _actions(db, "console.locked_out")
    assert len(locked) == 1 and locked[0].details == {"failures": 5, "minutes": 15}
    with db.transaction() as session:
        user = session.scalar(select(ConsoleUser).where(ConsoleUser.username == "mod"))
        assert user.locked_until is not None and user.locked_until > utcnow() + timedelta(minutes=14)
        # Fifteen minutes pass.
        for attempt in session.scalars(select(ConsoleLoginAttempt)):
            attempt.at -= timedelta(minutes=16)
    assert sign_in(client, "mod").status_code == 303


def test_unknown_names_are_locked_out_too(client, db):
    """Otherwise the lock-out itself would tell an attacker which names exist."""
    for i in range(5):
        sign_in(client, "ghost", f"guess {i}")
    assert sign_in(client, "ghost", "guess 6").status_code == 429
    entry = _actions(db, "console.locked_out")[0]
    assert entry.object_type == "console_username" and "ghost" not in entry.object_id


def test_successful_sign_in_resets_the_failure_count(client, db):
    create_people(db, {"mod": Role.MODERATOR})
    for i in range(4):
        sign_in(client, "mod", f"guess {i}")
    assert sign_in(client, "mod").status_code == 303
    assert [sign_in(client, "mod", f"again {i}").status_code for i in range(4)] == [401] * 4


def test_sign_in_form_needs_its_token(client, db):
    create_people(db, {"mod": Role.MODERATOR})
    client.get("/console/sign-in")
    forged = client.post("/console/sign-in", data={"username": "mod", "password": PASSWORD, "csrf_token": "x" * 43},
                         follow_redirects=False)
    assert forged.status_code == 403 and "expired" in forged.text
    assert "childsafe_console=" not in forged.headers.get("set-cookie", "")


def test_state_changing_forms_refuse_a_missing_or_foreign_token(app, client, db):
    create_people(db, {"mod": Role.MODERATOR, "mod2": Role.MODERATOR})
    mod, other = browser(app, "mod"), browser(app, "mod2")
    foreign = csrf_of(other.get("/console/queues").text)
    for data in ({}, {"csrf_token": foreign}, {"csrf_token": ""}):
        response = mod.post("/console/sign-out", data=data, follow_redirects=False)
        assert response.status_code == 403, data
        assert response.headers["content-type"].startswith("text/html")
        assert "This form has expired" in response.text
    assert mod.get("/console/queues").status_code == 200, "still signed in: nothing was changed"


def test_sign_out_ends_the_session_for_good(app, db):
    create_people(db, {"mod": Role.MODERATOR})
    mod = browser(app, "mod")
    token = mod.cookies.get("childsafe_console")
    response = post_form(mod, "/console/sign-out")
    assert response.status_code == 303 and response.headers["location"].startswith("/console/sign-in")
    assert "You are signed out." in mod.get(response.headers["location"]).text
    replay = TestClient(app, cookies={"childsafe_console": token})
    assert replay.get("/console/queues", follow_redirects=False).status_code == 303
    assert len(_actions(db, "console.signed_out")) == 1


@pytest.mark.parametrize("column", ["expires_at", "last_seen_at"])
def test_expired_or_idle_sessions_sign_out(app, db, column):
    create_people(db, {"mod": Role.MODERATOR})
    mod = browser(app, "mod")
    assert mod.get("/console/queues").status_code == 200
    with db.transaction() as session:
        session.execute(update(ConsoleSession).values({column: utcnow() - timedelta(minutes=61)}))
    response = mod.get("/console/queues", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/console/sign-in?next=/console/queues"


def test_disabling_a_user_ends_their_sessions(app, db):
    create_people(db, {"mod": Role.MODERATOR, "admin": Role.ADMIN})
    mod, admin = browser(app, "mod"), browser(app, "admin")
    assert "Disable mod" in admin.get("/console/users").text
    assert post_form(admin, "/console/users/mod/disable", token_from="/console/users").status_code == 303
    assert mod.get("/console/queues", follow_redirects=False).status_code == 303
    refused = sign_in(TestClient(app), "mod")
    assert refused.status_code == 401 and "disabled" in refused.text
    assert post_form(admin, "/console/users/admin/disable", token_from="/console/users").status_code == 409


def test_sign_in_returns_to_the_page_asked_for_but_never_off_site(app, db):
    create_people(db, {"mod": Role.MODERATOR})
    client = TestClient(app)
    first = client.get("/console/appeals?status=decided", follow_redirects=False)
    assert first.headers["location"] == "/console/sign-in?next=/console/appeals%3Fstatus%3Ddecided"
    form = client.get(first.headers["location"])
    assert 'name="next" value="/console/appeals?status=decided"' in form.text
    back = sign_in(client, "mod", next="/console/appeals?status=decided")
    assert back.headers["location"] == "/console/appeals?status=decided"
    for evil in ("https://evil.example/", "//evil.example/console/", "/console\\@evil"):
        away = sign_in(TestClient(app), "mod", next=evil)
        assert away.headers["location"] == "/console/queues", evil


def test_users_command_line(db, settings, monkeypatch):
    from typer.testing import CliRunner

    from childsafe.cli import console as users_cli
    from childsafe.cli.main import app as cli

    monkeypatch.setattr(users_cli, "settings", lambda: settings)
    runner = CliRunner()
    created = runner.invoke(cli, ["users", "create", "Ana.Lyst", "--role", "compliance", "--name", "Ana Lyst",
                                  "--password-stdin"], input=PASSWORD + "\n")
    assert created.exit_code == 0, created.output
    again = runner.invoke(cli, ["users", "create", "ana.lyst", "--role", "admin", "--name", "Other",
                                "--password-stdin"], input=PASSWORD + "\n")
    assert again.exit_code == 1 and "already exists" in again.output
    weak = runner.invoke(cli, ["users", "create", "weak", "--role", "moderator", "--name", "Weak", "--password-stdin"],
                         input="short\n")
    assert weak.exit_code == 1 and "at least 10 characters" in weak.output
    prompted = runner.invoke(cli, ["users", "create", "mo", "--role", "moderator", "--name", "Mo Derator"],
                             input=f"{PASSWORD}\n{PASSWORD}\n")
    assert prompted.exit_code == 0, prompted.output
    with db.transaction() as session:
        assert auth.sign_in(session, "ana.lyst", PASSWORD, settings).ok
    listed = runner.invoke(cli, ["users", "list"])
    assert "ana.lyst" in listed.output and "compliance" in listed.output and "active" in listed.output
    assert runner.invoke(cli, ["users", "disable", "mo"]).exit_code == 0
    assert "disabled" in runner.invoke(cli, ["users", "list"]).output
    assert runner.invoke(cli, ["users", "disable", "nobody"]).exit_code == 1
    assert runner.invoke(cli, ["users", "unlock", "ana.lyst"]).exit_code == 0
    assert [e.action for e in _actions(db, "console.user_disabled")] == ["console.user_disabled"]


def test_demo_console_users_can_sign_in_once_created(db, settings):
    from childsafe.demo import console_users

    created = console_users(db)
    assert set(created) == {"moderator", "child_safety_specialist", "compliance", "admin"}
    with db.transaction() as session:
        for role, (username, password) in created.items():
            assert auth.sign_in(session, username, password, settings).ok, role
    assert console_users(db) == {}, "a second run keeps the existing passwords"


def test_old_sign_in_attempts_are_pruned(client, db):
    create_people(db, {"mod": Role.MODERATOR})
    with db.transaction() as session:
        session.add(ConsoleLoginAttempt(username="mod", succeeded=False, outcome="bad_password",
                                        at=utcnow() - timedelta(days=31)))
        session.add(ConsoleLoginAttempt(username="mod", succeeded=False, outcome="bad_password",
                                        at=utcnow() - timedelta(days=29)))
    sign_in(client, "mod")
    with db.transaction() as session:
        kept = session.scalars(select(ConsoleLoginAttempt.outcome).order_by(ConsoleLoginAttempt.at)).all()
    assert kept == ["bad_password", "ok"]
