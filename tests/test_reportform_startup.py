"""The report form warns at start-up when its tokens are signed with a per-process key (no
report_form_secret): open forms then fail after a restart or on another replica."""

import logging

import pytest
from fastapi.testclient import TestClient

from childsafe.api import create_app
from childsafe.config import make_settings
from childsafe.store import Database

SECRET = "form-secret-that-must-never-be-logged"


def started_logs(db_url: str, db: Database, caplog: pytest.LogCaptureFixture,
                 **settings: str) -> list[logging.LogRecord]:
    caplog.clear()
    app = create_app(make_settings(database_url=db_url, task_queue="none", **settings), db=db)
    with caplog.at_level(logging.WARNING, logger="childsafe.reportform"), TestClient(app) as client:
        assert client.get("/report").status_code == 200  # the single-process demo keeps working
    return [r for r in caplog.records if r.name == "childsafe.reportform"]


def test_a_per_process_form_key_is_warned_about_at_start_up(db_url: str, db: Database,
                                                             caplog: pytest.LogCaptureFixture) -> None:
    [warning] = started_logs(db_url, db, caplog)
    assert warning.levelno == logging.WARNING
    assert "report_form_secret is not set" in warning.getMessage()
    assert "CHILDSAFE_REPORT_FORM_SECRET" in warning.getMessage()


def test_a_configured_form_secret_is_neither_warned_about_nor_logged(db_url: str, db: Database,
                                                                      caplog: pytest.LogCaptureFixture) -> None:
    assert started_logs(db_url, db, caplog, report_form_secret=SECRET) == []
    assert SECRET not in caplog.text
