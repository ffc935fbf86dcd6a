"""Health, metrics, privacy-safe logs, and the request guards (size, media type, unknown fields)."""

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from childsafe import __version__, logs
from childsafe.api import create_app
from childsafe.config import make_settings
from conftest import case_of, report_body, submit

PROBLEM = "application/problem+json"
SECRETS = {
    "free_text": "marmalade-lighthouse-5823 he said he knows my school",
    "message": "periwinkle-ostrich-7741 don't tell your parents",
    "email": "ottoline.b@kids-mail.example",
    "name": "Ottoline Brackenridge",
}


def _metric(client: TestClient, name: str, **labels: str) -> float:
    response = client.get("/metrics")
    assert response.status_code == 200
    total = 0.0
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                total += sample.value
    return total


def _secret_report() -> dict[str, Any]:
    return report_body(
        reporter={"platform_user_id": "user-31", "name": SECRETS["name"], "email": SECRETS["email"],
                  "age_band": "13_15", "role": "victim"},
        free_text=SECRETS["free_text"],
        subject__messages=[{"sender_id": "acct-9", "text": SECRETS["message"], "reported": True}])


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "version": __version__}


def test_healthz_reports_an_unreachable_database(tmp_path):
    settings = make_settings(database_url=f"sqlite:///{tmp_path / 'missing' / 'dir' / 'x.db'}", task_queue="none")
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.headers["content-type"].startswith(PROBLEM)
    assert response.json()["detail"] == "the database is unreachable"


def test_metrics_count_requests_and_reports(client, keys):
    report_labels = {"channel": "in_app", "category": "cyberbullying"}
    post_labels = {"method": "POST", "route": "/v1/reports", "status": "201"}
    reports_before = _metric(client, "childsafe_reports_received_total", **report_labels)
    posts_before = _metric(client, "childsafe_http_requests_total", **post_labels)

    ack = submit(client, keys["service"], report_body(), key="obs-1")
    submit(client, keys["service"], report_body(), key="obs-1")  # a replay is not a new report
    submit(client, keys["service"], report_body(subject__platform_id="post-x", reason="hate"))

    assert _metric(client, "childsafe_reports_received_total", **report_labels) == reports_before + 1
    assert _metric(client, "childsafe_reports_received_total", channel="in_app", category="hate") >= 1
    # every request counts, the replay included (it answers with the original 201)
    assert _metric(client, "childsafe_http_requests_total", **post_labels) == posts_before + 3

    # Routes are labelled by template: a reference number never becomes a label value.
    template = {"method": "GET", "route": "/v1/reports/status/{reference}", "status": "200"}
    before = _metric(client, "childsafe_http_requests_total", **template)
    assert client.get(f"/v1/reports/status/{ack['reference']}").status_code == 200
    assert _metric(client, "childsafe_http_requests_total", **template) == before + 1
    assert client.get("/no/such/path").status_code == 404
    text = client.get("/metrics").text
    assert ack["reference"] not in text
    assert "/no/such/path" not in text
    assert 'route="unmatched"' in text
    assert "childsafe_http_request_duration_seconds_bucket" in text


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logs.JsonFormatter())
        self.lines: list[str] = []
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        self.lines.append(self.format(record))


@pytest.fixture
def captured() -> Iterator[_Capture]:
    root = logging.getLogger()
    handler, level = _Capture(), root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield handler
    root.removeHandler(handler)
    root.setLevel(level)


def test_logs_hold_no_report_content(client, keys, captured):
    ack = submit(client, keys["service"], _secret_report())
    case_id = case_of(client, keys["moderator"], ack["reference"])
    detail = client.get(f"/v1/cases/{case_id}", headers=keys["moderator"]).json()
    assert detail["reports"][0]["free_text"] == SECRETS["free_text"]  # stored and served, just never logged
    assert client.get(f"/v1/reports/status/{ack['reference']}").status_code == 200
    rejected = client.post("/v1/reports", headers=keys["service"], json=_secret_report() | {"extra": 1})
    assert rejected.status_code == 422
    for secret in SECRETS.values():
        assert secret not in rejected.text  # a refusal does not echo what it refused

    assert captured.lines
    everything = "\n".join(captured.lines) + "\n".join(str(vars(r)) for r in captured.records)
    for label, secret in SECRETS.items():
        assert secret not in everything, f"{label} reached the logs"
        assert secret.split()[0] not in everything, f"{label} reached the logs"
    ours = [line for line, record in zip(captured.lines, captured.records, strict=True)
            if record.name.startswith("childsafe")]
    assert not any(ack["reference"] in line for line in ours), "a reference number is a secret: not logged"

    entries = [json.loads(line) for line in ours]
    requests = [e for e in entries if e["logger"] == "childsafe.access" and e["event"] == "request"]
    assert {"method": "POST", "route": "/v1/reports", "status": 201} in [
        {k: e[k] for k in ("method", "route", "status")} for e in requests]
    assert {"method": "GET", "route": "/v1/reports/status/{reference}", "status": 200} in [
        {k: e[k] for k in ("method", "route", "status")} for e in requests]
    assert any(e["route"] == "/v1/reports" and e["status"] == 422 for e in requests)
    for entry in requests:
        assert set(entry) >= {"ts", "level", "logger", "event", "method", "route", "status", "ms"}
        assert isinstance(entry["ms"], float | int)


def test_formatter_withholds_content_fields_and_traceback_text(captured):
    log = logging.getLogger("childsafe.test")
    log.info("intake", extra={"free_text": SECRETS["free_text"], "email": SECRETS["email"], "count": 3})
    try:
        raise ValueError(SECRETS["message"])
    except ValueError:
        log.exception("failed", extra={"body": SECRETS["message"]})
    first, second = (json.loads(line) for line in captured.lines[-2:])
    assert first["free_text"] == first["email"] == "[withheld]"
    assert first["count"] == 3
    assert second["exception"] == "ValueError"
    assert second["body"] == "[withheld]"
    assert SECRETS["message"] not in captured.lines[-1]


def test_configure_writes_json_lines_to_stderr(client, keys, capsys):
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    uvicorn_access = logging.getLogger("uvicorn.access")
    try:
        logs.configure("info")
        assert root.level == logging.INFO
        assert uvicorn_access.disabled
        capsys.readouterr()
        submit(client, keys["service"], _secret_report())
        err = capsys.readouterr().err
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        uvicorn_access.disabled = False
    lines = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    assert any(e.get("route") == "/v1/reports" and e.get("status") == 201 for e in lines), err
    for secret in SECRETS.values():
        assert secret not in err


def test_oversized_body_is_413(client, keys, settings):
    assert settings.max_body_bytes == 256 * 1024
    body = report_body(free_text="x" * (256 * 1024))
    response = client.post("/v1/reports", json=body, headers=keys["service"])
    assert response.status_code == 413
    assert response.headers["content-type"].startswith(PROBLEM)
    assert response.json()["detail"] == "the body must be at most 262144 bytes"
    # A body without Content-Length (chunked) is counted as it arrives.
    chunks = (b" " * 65536 for _ in range(5))
    chunked = client.post("/v1/reports", content=chunks,
                          headers=keys["service"] | {"Content-Type": "application/json"})
    assert chunked.status_code == 413, chunked.text
    assert chunked.headers["content-type"].startswith(PROBLEM)
    # just under the limit is parsed (and refused for its content, not its size)
    small = client.post("/v1/reports", json=report_body(free_text="x" * 6000), headers=keys["service"])
    assert small.status_code == 422
    assert small.json()["errors"][0]["field"] == "body.free_text"


def test_smaller_configured_limit(db, db_url, keys):
    settings = make_settings(database_url=db_url, task_queue="none", max_body_bytes=2048)
    with TestClient(create_app(settings, db=db), raise_server_exceptions=False) as client:
        assert client.post("/v1/reports", json=report_body(), headers=keys["service"]).status_code == 201
        big = client.post("/v1/reports", json=report_body(free_text="y" * 3000), headers=keys["service"])
    assert big.status_code == 413
    assert "2048" in big.json()["detail"]


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml",
                                          None])
def test_non_json_body_is_415(client, keys, content_type):
    headers = keys["service"] | ({"Content-Type": content_type} if content_type else {})
    response = client.post("/v1/reports", content=json.dumps(report_body()).encode(), headers=headers)
    assert response.status_code == 415
    assert response.headers["content-type"].startswith(PROBLEM)
    assert response.json()["title"] == "Unsupported media type"


def test_json_with_charset_is_accepted(client, keys):
    response = client.post("/v1/reports", content=json.dumps(report_body()).encode(),
                           headers=keys["service"] | {"Content-Type": "application/json; charset=utf-8"})
    assert response.status_code == 201, response.text


@pytest.mark.parametrize(("body", "field"), [
    (report_body() | {"surprise": 1}, "body.surprise"),
    (report_body(subject__colour="red"), "body.subject.colour"),
    (report_body(reporter={"age_band": "10_12", "nickname": "x"}), "body.reporter.nickname"),
])
def test_unknown_fields_are_422_naming_the_field(client, keys, body, field):
    response = client.post("/v1/reports", json=body, headers=keys["service"])
    assert response.status_code == 422
    assert response.headers["content-type"].startswith(PROBLEM)
    problem = response.json()
    assert field in [e["field"] for e in problem["errors"]]
    assert field in problem["detail"]
