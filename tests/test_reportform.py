"""The child-friendly report form over HTTP (TestClient), on SQLite and PostgreSQL: what it files, what it refuses."""

import re
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from childsafe import reports
from childsafe.config import Settings, make_settings
from childsafe.reportform import helpline_for, read_context, sign_context
from childsafe.reportform.tokens import BadToken, form_key, issue_csrf
from childsafe.store import Database
from test_cli import run

SECRET = "test-report-form-secret"


@pytest.fixture
def settings(db_url: str) -> Settings:
    return make_settings(database_url=db_url, task_queue="none", report_form_secret=SECRET,
                         report_form_frame_ancestors="'self' https://app.example")


def _csrf(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def _hidden(html: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))


def _send(client: TestClient, query: str = "", headers: dict[str, str] | None = None, **answers: Any):
    """Open the form as a browser would, then send it back with its hidden fields and the given answers."""
    page = client.get(f"/report{query}")
    assert page.status_code == 200
    return client.post("/report", data=_hidden(page.text) | answers, headers=headers or {})


def _reference(html: str) -> str:
    return re.search(r'id="reference-number">([^<]+)<', html).group(1)


def _stored(db: Database, reference: str) -> reports.Report:
    with db.transaction() as session:
        report = session.scalar(select(reports.Report).where(reports.Report.reference == reference))
        session.expunge(report)
        return report


def test_a_childs_report_joins_the_same_intake_with_reason_and_age_band(client: TestClient, db: Database) -> None:
    sent = _send(client, "?country=GB&content_id=post-9&account_id=acct-3&age_band=10_12",
                 reason="threat_to_share_my_pictures", who="me", details="he says he will post my photo")
    assert sent.status_code == 201, sent.text
    report = _stored(db, _reference(sent.text))
    assert (report.reason_code, report.category, report.reporter_age_band) == (
        "threat_to_share_my_pictures", "sextortion", "10_12")
    assert (report.channel, report.reporter_role, report.subject_platform_id) == ("web", "victim", "post-9")
    assert report.free_text == "he says he will post my photo"
    assert "You are not in trouble." in sent.text and "0800 1111" in sent.text
    status = client.get(f"/v1/reports/status/{report.reference}")  # the API's status page knows it too
    assert status.status_code == 200 and status.json()["status"] == "received"


def test_unknown_age_is_treated_as_a_child(client: TestClient, db: Database) -> None:
    sent = _send(client, reason="bullying_me")
    report = _stored(db, _reference(sent.text))
    assert report.reporter_age_band == "unknown" and reports.is_child_reporter(report)
    assert "You are not in trouble." in sent.text


def test_the_form_asks_the_age_only_when_the_platform_did_not_say(client: TestClient) -> None:
    assert 'name="age"' in client.get("/report").text
    assert 'name="age"' not in client.get("/report?age_band=13_15").text
    sent = _send(client, reason="hate", age="16_17")
    assert sent.status_code == 201


def test_signed_identity_is_kept_unless_the_child_asks_for_anonymity(client: TestClient, db: Database) -> None:
    token = sign_context(SECRET, uid="user-77", age="13_15", country="DE", content_id="clip-1")
    named = _send(client, f"?ctx={token}", reason="bullying_me", wants_updates="yes")
    report = _stored(db, _reference(named.text))
    assert (report.anonymous, report.reporter_user_id, report.wants_updates) == (False, "user-77", True)
    assert report.reporter_age_band == "13_15" and "116 111" in named.text
    anonymous = _send(client, f"?ctx={token}", reason="bullying_me", anonymous="yes", wants_updates="yes")
    report = _stored(db, _reference(anonymous.text))
    assert (report.anonymous, report.reporter_user_id, report.wants_updates) == (True, None, False)


def test_an_unsigned_user_id_is_never_trusted(client: TestClient, db: Database) -> None:
    sent = _send(client, "?platform_user_id=someone-else&content_id=c-5", reason="hate")
    report = _stored(db, _reference(sent.text))
    assert (report.anonymous, report.reporter_user_id) == (True, None)
    forged = sign_context("not-the-secret", uid="user-1")
    sent = _send(client, f"?ctx={forged}&content_id=c-6", reason="hate")  # a broken link still lets a child report
    report = _stored(db, _reference(sent.text))
    assert (sent.status_code, report.anonymous, report.subject_platform_id) == (201, True, "c-6")


def test_sending_twice_files_one_report(client: TestClient, db: Database) -> None:
    page = client.get("/report?content_id=c-7")
    body = _hidden(page.text) | {"reason": "violent_or_scary"}
    first, second = client.post("/report", data=body), client.post("/report", data=body)
    assert _reference(first.text) == _reference(second.text)
    changed = client.post("/report", data=body | {"details": "now with words"})
    assert changed.status_code == 409 and "already sent" in changed.text and _csrf(changed.text) != body["csrf"]


def _nothing_filed(db: Database) -> bool:
    with db.transaction() as session:
        return session.scalar(select(reports.Report)) is None


def test_forged_submissions_are_refused(client: TestClient, db: Database) -> None:
    def attempt(case: str):
        body = _hidden(client.get("/report").text) | {"reason": "bullying_me", "details": "kept"}
        headers = {}
        if case == "missing":
            del body["csrf"]
        elif case == "forged":
            body["csrf"] = body["csrf"][:-4] + "AAAA"
        elif case == "expired":
            body["csrf"] = issue_csrf(form_key(SECRET), now=time.time() - 2 * 24 * 3600)
        elif case == "other_site":
            headers = {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}
        elif case == "other_origin_header":  # a browser that sends Origin but not Sec-Fetch-Site
            headers = {"Origin": "https://evil.example"}
        else:  # a valid token lifted from another child's form cannot carry this one's identity
            body["ctx"] = sign_context(SECRET, uid="victim-user")
        return body, client.post("/report", data=body, headers=headers)

    for case in ("missing", "forged", "expired", "other_site", "other_origin_header", "other_context"):
        body, refused = attempt(case)
        assert refused.status_code == 403, case
        if not case.startswith("other_"):  # a stale form comes back filled in, with a fresh token
            assert "kept" in refused.text and _csrf(refused.text) != body.get("csrf"), case
    assert _nothing_filed(db)


MISTAKES = [  # (answers, field, words the reporter reads)
    ({}, "reason", "Choose what happened."),
    ({"reason": "not_a_reason"}, "reason", "Choose one of the things on the list."),
    ({"reason": "hate", "details": "x" * 5001}, "details", "This is too long"),
    ({"reason": "hate", "about": "y" * 201}, "about", "This is too long"),
    ({"reason": "hate", "who": "the_moon"}, "who", "Choose one of the answers"),
    ({"reason": "hate", "age": "99"}, "age", "Choose one of the answers"),
    ({"reason": "hate", "details": "nul\x00byte"}, "details", "a character we cannot read"),
]


def test_mistakes_come_back_in_plain_words(client: TestClient, db: Database) -> None:
    for answers, field, message in MISTAKES:
        sent = _send(client, **answers)
        assert sent.status_code == 422, answers
        assert "<title>Error: " in sent.text and 'id="error-summary"' in sent.text
        assert message in sent.text, answers
        anchor = {"reason": "reason-sexual_image_of_child", "who": "who-me", "age": "age-6_9"}.get(field, field)
        assert f'href="#{anchor}"' in sent.text and f'id="{anchor}"' in sent.text
        assert 'aria-invalid="true"' in sent.text
    kept = _send(client, reason="hate", details="x" * 5001, about="my words")
    assert 'value="my words"' in kept.text and 'value="hate" checked' in kept.text  # nothing to type again
    assert _nothing_filed(db)


def test_odd_input_never_breaks_the_form(client: TestClient) -> None:
    for query in ("?country=ZZZ", "?age_band=ancient", "?content_id=" + "x" * 500, "?ctx=v1.%00.%00", "?lang=xx",
                  "?country=%F0%9F%98%80"):
        assert client.get(f"/report{query}").status_code == 200, query
    assert _send(client, "?content_id=%20", reason="hate", about="http://?").status_code == 201
    assert client.post("/report", content=b"\xff\xfe", headers={"Content-Type": "application/x-www-form-urlencoded"}
                       ).status_code == 403
    assert client.post("/report", json={"reason": "hate"}).status_code == 403  # no token, no report
    for content_type in ("multipart/form-data; boundary=x", "multipart/form-data"):  # broken bodies: 4xx, never 500
        assert 400 <= client.post("/report", content=b"--x\r\ngarbage",
                                  headers={"Content-Type": content_type}).status_code < 500


def test_status_page(client: TestClient) -> None:
    reference = _reference(_send(client, reason="cant_stop_playing").text)
    page = client.get(f"/report/status?reference={reference.lower()}&country=IE")
    assert page.status_code == 200 and "Waiting to be looked at" in page.text and "1800 66 66 66" in page.text
    assert client.get("/report/status").status_code == 200
    assert client.get("/report/status?reference=CS-0000-0000-0000").status_code == 404
    assert client.get("/report/status?reference=%3Cscript%3E").status_code == 422


def test_the_page_is_safe_to_embed(client: TestClient) -> None:
    page = client.get("/report")
    csp = page.headers["content-security-policy"]
    assert "frame-ancestors 'self' https://app.example" in csp and "script-src 'self'" in csp
    assert page.headers["cache-control"] == "no-store" and page.headers["x-content-type-options"] == "nosniff"
    assert "https://" not in re.sub(r'href="https://[^"]+"', "", page.text)  # nothing loaded from elsewhere
    assert client.get("/report/static/form.css").headers["content-type"].startswith("text/css")
    assert client.get("/report/static/..%2Fform.py").status_code == 404


def test_helpline_by_country_with_fallback() -> None:
    assert helpline_for("gb").number == "0800 1111"
    assert helpline_for("GB").tel == "08001111"
    assert helpline_for("AU").name == "Kids Helpline"
    for unknown in (None, "", "XX", "G1", "GBR"):
        fallback = helpline_for(unknown)
        assert fallback.country is None and fallback.number is None
        assert fallback.web == "https://childhelplineinternational.org/helplines/"


def test_context_tokens() -> None:
    token = sign_context(SECRET, uid="u-1", age="6_9", country="FR")
    context = read_context(token, SECRET)
    assert (context.uid, context.age, context.country) == ("u-1", "6_9", "FR")
    with pytest.raises(BadToken, match="expired"):
        read_context(sign_context(SECRET, uid="u", ttl_seconds=-1), SECRET)
    with pytest.raises(BadToken, match="signature"):
        read_context(token.replace("v1.", "v1.e").rsplit(".", 1)[0] + "." + token.rsplit(".", 1)[1], SECRET)
    with pytest.raises(BadToken):
        read_context(token, None)
    with pytest.raises(ValueError, match="unknown context fields"):
        sign_context(SECRET, user="u")


def test_report_link_command_signs_what_names_the_user() -> None:
    signed = run(None, "report-link", "--base-url", "https://safety.example/", "--uid", "u-9", "--age-band",
                 "10_12", "--country", "ie", "--content-id", "post-3", CHILDSAFE_REPORT_FORM_SECRET=SECRET)
    assert signed.returncode == 0, signed.stderr
    url = signed.stdout.strip()
    assert url.startswith("https://safety.example/report?ctx=v1.")
    context = read_context(url.split("ctx=", 1)[1], SECRET)
    assert (context.uid, context.age, context.country, context.content_id) == ("u-9", "10_12", "IE", "post-3")
    refused = run(None, "report-link", "--uid", "u-9")  # no secret: an unsigned user id would be ignored anyway
    assert refused.returncode == 2 and "CHILDSAFE_REPORT_FORM_SECRET" in refused.stderr
    plain = run(None, "report-link", "--country", "gb", "--content-id", "p 1")
    assert plain.stdout.strip() == "http://127.0.0.1:8000/report?country=GB&content_id=p+1"
