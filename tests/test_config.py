"""Settings: environment variables, a TOML file, their precedence, refusals, and what the settings change."""

import os
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from pydantic_settings import SettingsError

from childsafe.api import create_app
from childsafe.config import Settings, get_settings, make_settings
from conftest import case_of, decide, report_body, submit


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in list(os.environ):
        if name.startswith("CHILDSAFE_"):
            monkeypatch.delenv(name)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _toml(tmp_path, body: str) -> str:  # type: ignore[no-untyped-def]
    path = tmp_path / "childsafe.toml"
    path.write_text(body)
    return str(path)


def test_defaults():
    settings = Settings()
    assert settings.database_url == "sqlite:///childsafe.db"
    assert (settings.strike_threshold, settings.lock_minutes, settings.appeal_window_days) == (3, 30, 183)
    assert settings.max_body_bytes == 256 * 1024
    assert settings.sla_hours == {}
    assert settings.task_queue == "inprocess"


def test_environment_variables(monkeypatch):
    monkeypatch.setenv("CHILDSAFE_STRIKE_THRESHOLD", "2")
    monkeypatch.setenv("CHILDSAFE_LOCK_MINUTES", "45")
    monkeypatch.setenv("CHILDSAFE_SLA_HOURS", '{"cyberbullying": 6, "hate": 0.5}')
    monkeypatch.setenv("CHILDSAFE_TASK_QUEUE", "none")
    monkeypatch.setenv("CHILDSAFE_PLATFORM_NAME", "Kite Chat")
    monkeypatch.setenv("CHILDSAFE_DATABASE_URL", "postgresql://u@db.internal/prod")
    settings = get_settings()
    assert settings.strike_threshold == 2
    assert settings.lock_minutes == 45
    assert settings.sla_hours == {"cyberbullying": 6.0, "hate": 0.5}
    assert settings.task_queue == "none"
    assert settings.platform_name == "Kite Chat"
    assert settings.database_url == "postgresql://u@db.internal/prod"
    monkeypatch.setenv("CHILDSAFE_STRIKE_THRESHOLD", "5")
    assert get_settings().strike_threshold == 2  # cached for the process ...
    get_settings.cache_clear()
    assert get_settings().strike_threshold == 5  # ... until the cache is cleared


def test_toml_file(monkeypatch, tmp_path):
    monkeypatch.setenv("CHILDSAFE_CONFIG", _toml(tmp_path, """
strike_threshold = 4
platform_name = "Toml Platform"
max_body_bytes = 4096

[sla_hours]
cyberbullying = 2.5
"""))
    settings = Settings()
    assert settings.strike_threshold == 4
    assert settings.platform_name == "Toml Platform"
    assert settings.max_body_bytes == 4096
    assert settings.sla_hours == {"cyberbullying": 2.5}
    assert settings.lock_minutes == 30  # untouched keys keep their defaults


def test_environment_wins_over_toml_and_explicit_values_win_over_both(monkeypatch, tmp_path):
    monkeypatch.setenv("CHILDSAFE_CONFIG", _toml(tmp_path, 'strike_threshold = 4\nplatform_name = "From Toml"\n'))
    monkeypatch.setenv("CHILDSAFE_STRIKE_THRESHOLD", "7")
    settings = Settings()
    assert settings.strike_threshold == 7
    assert settings.platform_name == "From Toml"
    explicit = make_settings(strike_threshold=9)
    assert (explicit.strike_threshold, explicit.platform_name) == (9, "From Toml")


def test_unknown_toml_key_is_refused(monkeypatch, tmp_path):
    monkeypatch.setenv("CHILDSAFE_CONFIG", _toml(tmp_path, "strike_threshold = 4\nstrike_treshold = 5\n"))
    with pytest.raises(ValidationError, match="strike_treshold") as caught:
        Settings()
    assert caught.value.errors()[0]["type"] == "extra_forbidden"


def test_unknown_explicit_setting_is_refused():
    with pytest.raises(ValidationError, match=r"extra_forbidden|Extra inputs"):
        make_settings(no_such_setting=1)


def test_missing_toml_file_is_a_clear_error(monkeypatch, tmp_path):
    missing = tmp_path / "nowhere" / "childsafe.toml"
    monkeypatch.setenv("CHILDSAFE_CONFIG", str(missing))
    with pytest.raises(FileNotFoundError, match="CHILDSAFE_CONFIG") as caught:
        Settings()
    assert str(missing) in str(caught.value)
    monkeypatch.setenv("CHILDSAFE_CONFIG", str(tmp_path))  # a directory is not a file either
    with pytest.raises(FileNotFoundError):
        Settings()


def test_malformed_toml_is_refused(monkeypatch, tmp_path):
    monkeypatch.setenv("CHILDSAFE_CONFIG", _toml(tmp_path, "strike_threshold = \n"))
    with pytest.raises(Exception, match=r"(?i)toml|invalid|expected"):
        Settings()


@pytest.mark.parametrize(("name", "value", "field"), [
    ("CHILDSAFE_STRIKE_THRESHOLD", "0", "strike_threshold"),
    ("CHILDSAFE_STRIKE_THRESHOLD", "three", "strike_threshold"),
    ("CHILDSAFE_LOCK_MINUTES", "0", "lock_minutes"),
    ("CHILDSAFE_LOCK_MINUTES", "1441", "lock_minutes"),
    ("CHILDSAFE_APPEAL_WINDOW_DAYS", "0", "appeal_window_days"),
    ("CHILDSAFE_MAX_BODY_BYTES", "100", "max_body_bytes"),
    ("CHILDSAFE_TASK_QUEUE", "celery", "task_queue"),
    ("CHILDSAFE_DATABASE_URL", "mysql://x", "database_url"),
    ("CHILDSAFE_SLA_HOURS", '{"cyberbulying": 4}', "sla_hours"),  # misspelt category
    ("CHILDSAFE_SLA_HOURS", '{"cyberbullying": -4}', "sla_hours"),  # would make every case overdue at once
])
def test_invalid_values_are_refused(monkeypatch, name, value, field):
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError) as caught:
        Settings()
    assert caught.value.errors()[0]["loc"][0] == field


def test_unparsable_json_setting_names_the_field(monkeypatch):
    monkeypatch.setenv("CHILDSAFE_SLA_HOURS", "not json")
    with pytest.raises(SettingsError, match="sla_hours"):
        Settings()


@pytest.fixture
def strict_client(db, db_url) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    settings = make_settings(database_url=db_url, task_queue="none", strike_threshold=2,
                             sla_hours={"cyberbullying": 2})
    with TestClient(create_app(settings, db=db), raise_server_exceptions=False) as client:
        yield client


def _account_cases(client, headers, account: str) -> list[dict]:  # type: ignore[no-untyped-def]
    return [c for c in client.get("/v1/cases", params={"limit": 200}, headers=headers).json()
            if c["subject_type"] == "account" and c["subject_platform_id"] == account]


def test_strike_threshold_opens_an_account_case(strict_client, client, keys):
    mod = keys["moderator"]
    for n, post in enumerate(("post-1", "post-2"), start=1):
        ack = submit(strict_client, keys["service"], report_body(subject__platform_id=post))
        decide(strict_client, mod, case_of(strict_client, mod, ack["reference"]))
        strikes = strict_client.get("/v1/accounts/acct-9/strikes", headers=mod).json()
        assert (strikes["active"], strikes["threshold"]) == (n, 2)
        assert strikes["threshold_reached"] is (n == 2)
        assert len(_account_cases(strict_client, mod, "acct-9")) == (n == 2)

    (account_case,) = _account_cases(strict_client, mod, "acct-9")
    detail = strict_client.get(f"/v1/cases/{account_case['id']}", headers=mod).json()
    assert [s["kind"] for s in detail["signals"]] == ["strike_threshold"]
    assert detail["signals"][0]["details"] == {"active_strikes": 2}

    # The same account seen by a service on the default threshold of 3: not reached yet.
    default = client.get("/v1/accounts/acct-9/strikes", headers=mod).json()
    assert (default["active"], default["threshold"], default["threshold_reached"]) == (2, 3, False)


def test_default_threshold_needs_three_removals(client, keys):
    mod = keys["moderator"]
    for post in ("post-1", "post-2"):
        ack = submit(client, keys["service"], report_body(subject__platform_id=post))
        decide(client, mod, case_of(client, mod, ack["reference"]))
    assert _account_cases(client, mod, "acct-9") == []


def _due_in(case: dict) -> timedelta:  # type: ignore[type-arg]
    return datetime.fromisoformat(case["sla_due_at"]) - datetime.fromisoformat(case["created_at"])


def test_sla_hours_override_sets_the_due_time(strict_client, client, keys):
    mod = keys["moderator"]
    overridden = submit(strict_client, keys["service"], report_body(subject__platform_id="post-a"))
    default = submit(client, keys["service"], report_body(subject__platform_id="post-b"))
    hate = submit(strict_client, keys["service"], report_body(subject__platform_id="post-c", reason="hate"))
    cases = {c["id"]: c for c in client.get("/v1/cases", params={"limit": 200}, headers=mod).json()}

    def due(ref: str) -> timedelta:
        return _due_in(cases[case_of(client, mod, ref)])

    tolerance = timedelta(seconds=2)
    assert abs(due(overridden["reference"]) - timedelta(hours=2)) < tolerance
    assert abs(due(default["reference"]) - timedelta(hours=24)) < tolerance
    assert abs(due(hate["reference"]) - timedelta(hours=24)) < tolerance  # other categories keep theirs
