"""Decisions: DSA Art. 17 statements of reasons, TDB records, notices with a child variant, strikes."""

import re
from datetime import date, timedelta

import pytest

from conftest import decide, report_body, submit

TDB_REQUIRED = {"decision_ground", "content_type", "category", "content_date", "application_date", "decision_facts",
                "source_type", "automated_detection", "automated_decision", "puid"}


def _case(client, keys, body=None, reviewer="moderator"):
    submit(client, keys["service"], body or report_body())
    return client.get("/v1/cases", headers=keys[reviewer]).json()[0]["id"]


@pytest.mark.parametrize(("action", "field", "value"), [
    ("remove", "decision_visibility", ["DECISION_VISIBILITY_CONTENT_REMOVED"]),
    ("restrict_visibility", "decision_visibility", ["DECISION_VISIBILITY_CONTENT_DEMOTED"]),
    ("age_gate", "decision_visibility", ["DECISION_VISIBILITY_CONTENT_AGE_RESTRICTED"]),
    ("suspend_permanent", "decision_account", "DECISION_ACCOUNT_TERMINATED"),
])
def test_restricting_decisions_have_a_complete_statement(client, keys, action, field, value):
    decision = decide(client, keys["moderator"], _case(client, keys), action=action)
    statement = decision["statement"]
    assert set(statement) >= TDB_REQUIRED
    assert statement[field] == value
    assert statement["category"] == "STATEMENT_CATEGORY_CYBER_VIOLENCE"
    assert "KEYWORD_CYBER_BULLYING_INTIMIDATION" in statement["category_specification"]
    assert statement["decision_ground"] == "DECISION_GROUND_INCOMPATIBLE_CONTENT"
    assert statement["incompatible_content_ground"] == "Community Guidelines 3.1 (bullying)"
    assert statement["source_type"] == "SOURCE_TYPE_OTHER_NOTIFICATION"
    assert statement["automated_detection"] == "No"
    assert statement["automated_decision"] == "AUTOMATED_DECISION_NOT_AUTOMATED"
    assert statement["content_type"] == ["CONTENT_TYPE_TEXT"]
    assert re.fullmatch(r"[a-zA-Z0-9_-]{1,500}", statement["puid"])
    assert statement["application_date"] == date.today().isoformat()
    assert len(statement["territorial_scope"]) == 30


def test_temporary_suspension_carries_its_end_date(client, keys):
    end = (date.today() + timedelta(days=7)).isoformat()
    decision = decide(client, keys["moderator"], _case(client, keys), action="suspend_temporary", end_date=end)
    assert decision["statement"]["decision_account"] == "DECISION_ACCOUNT_SUSPENDED"
    assert decision["statement"]["end_date_account_restriction"] == end


def test_illegal_content_ground_and_trusted_flagger_source(client, keys):
    flagger = {"platform_user_id": "hotline-1", "name": "Hotline", "email": "t@hotline.example",
               "role": "trusted_flagger", "age_band": "adult"}
    case_id = _case(client, keys, report_body(reason="hate", channel="trusted_flagger", reporter=flagger, notice={
        "legal_basis": "illegal_content", "explanation": "Incitement", "good_faith": True, "jurisdiction": "DE"}))
    decision = decide(client, keys["moderator"], case_id, ground="illegal_content",
                      policy_ground="StGB s.130 (incitement to hatred)",
                      explanation="Calls for violence against a group.")
    statement = decision["statement"]
    assert statement["decision_ground"] == "DECISION_GROUND_ILLEGAL_CONTENT"
    assert statement["illegal_content_legal_ground"] == "StGB s.130 (incitement to hatred)"
    assert statement["source_type"] == "SOURCE_TRUSTED_FLAGGER"
    assert statement["category"] == "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH"


def test_statement_holds_no_personal_data(client, keys):
    body = report_body(reporter={"platform_user_id": "user-secret-77", "name": "Alice Example",
                                 "email": "alice@example.org", "age_band": "adult"},
                       free_text="my phone is 0123 456 789")
    decision = decide(client, keys["moderator"], _case(client, keys, body))
    text = str(decision["statement"])
    for private in ("user-secret-77", "Alice", "alice@example.org", "0123 456 789", "acct-9"):
        assert private not in text


def test_no_violation_and_warn_make_no_statement(client, keys):
    decision = decide(client, keys["moderator"], _case(client, keys), action="no_violation")
    assert decision["statement"] is None and decision["notice"] is None
    decision = decide(client, keys["moderator"], _case(client, keys), action="warn")
    assert decision["statement"] is None and decision["notice"]


@pytest.mark.parametrize(("decision", "message"), [
    ({"action": "remove", "explanation": "x"}, "policy_ground"),
    ({"action": "remove", "policy_ground": "x"}, "explanation"),
    ({"action": "suspend_temporary", "policy_ground": "x", "explanation": "y"}, "end_date"),
    ({"action": "suspend_temporary", "policy_ground": "x", "explanation": "y", "end_date": "2001-01-01"}, "future"),
    ({"action": "remove", "policy_ground": "x", "explanation": "y", "end_date": "2999-01-01"}, "temporary"),
    ({"action": "remove", "policy_ground": "x", "explanation": "y", "territorial_scope": ["US"]}, "outside the EEA"),
    ({"action": "delete_everything"}, "action"),
])
def test_incomplete_decisions_are_refused(client, keys, decision, message):
    case_id = _case(client, keys)
    client.post(f"/v1/cases/{case_id}/claim", headers=keys["moderator"])
    response = client.post(f"/v1/cases/{case_id}/decision", json=decision, headers=keys["moderator"])
    assert response.status_code == 422
    assert message in response.text


def test_notice_for_a_child_is_child_friendly(client, keys):
    body = report_body(subject={"type": "content", "platform_id": "kid-post", "account_id": "kid-1",
                                "content_type": "text", "age_band": "10_12"})
    decision = decide(client, keys["moderator"], _case(client, keys, body))
    notice = client.get(f"/v1/decisions/{decision['id']}/notice", headers=keys["service"]).json()
    assert notice["audience"] == "child"
    assert "grown-up you trust" in notice["notice"] and "helpline" in notice["notice"]
    assert "ask us to look again" in notice["notice"]
    assert "Rule relied on" in notice["notice_adult"], "the adult text is kept for parents and the record"
    assert max(len(s) for s in re.split(r"[.?!]", notice["notice"])) < 160, "short sentences"


def test_notice_for_an_adult_has_art17_content(client, keys):
    decision = decide(client, keys["moderator"], _case(client, keys))
    notice = client.get(f"/v1/decisions/{decision['id']}/notice", headers=keys["service"]).json()
    assert notice["audience"] == "adult" and notice["notice_child"] is None
    text = notice["notice"]
    for part in ("we removed your content", "terms of service", "Community Guidelines 3.1", "Repeated insults",
                 "trained member of our safety team", "appeal until", "out-of-court dispute settlement", "courts"):
        assert part in text


def test_unknown_age_gets_the_child_notice(client, keys):
    body = report_body(subject={"type": "content", "platform_id": "p-u", "account_id": "a-u", "age_band": "unknown"})
    decision = decide(client, keys["moderator"], _case(client, keys, body))
    assert decision["notice_child"] is not None


def test_reporter_is_told_the_outcome(client, keys):
    ack = submit(client, keys["service"])
    case_id = client.get("/v1/cases", headers=keys["moderator"]).json()[0]["id"]
    decide(client, keys["moderator"], case_id, action="no_violation")
    status = client.get(f"/v1/reports/status/{ack['reference']}").json()
    assert status["status"] == "no_violation" and "ask us to look again" in status["message"]


def test_strikes_accumulate_and_threshold_opens_an_account_case(client, keys):
    for n in range(3):
        body = report_body(subject={"type": "content", "platform_id": f"post-{n}", "account_id": "repeat-1",
                                    "age_band": "adult"})
        decide(client, keys["moderator"], _case(client, keys, body))
    strikes = client.get("/v1/accounts/repeat-1/strikes", headers=keys["moderator"]).json()
    assert strikes["active"] == 3 and strikes["threshold_reached"]
    account_cases = [c for c in client.get("/v1/cases", headers=keys["moderator"]).json()
                     if c["subject_type"] == "account"]
    assert len(account_cases) == 1 and account_cases[0]["subject_platform_id"] == "repeat-1"
    detail = client.get(f"/v1/cases/{account_cases[0]['id']}", headers=keys["moderator"]).json()
    assert detail["signals"][0]["kind"] == "strike_threshold"


def test_statements_export_for_compliance(client, keys):
    decide(client, keys["moderator"], _case(client, keys))
    decide(client, keys["moderator"], _case(client, keys), action="no_violation")
    statements = client.get("/v1/statements", headers=keys["compliance"]).json()
    assert len(statements) == 1 and statements[0]["puid"].startswith("example-platform-")
    naive = client.get("/v1/statements", params={"since": "2026-01-01T00:00:00"}, headers=keys["compliance"])
    assert naive.status_code == 422
