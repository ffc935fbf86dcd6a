"""Appeals (DSA Art. 20): six-month window, a different reviewer, overturns revert the action."""

from datetime import timedelta

from sqlalchemy import update

from conftest import decide, report_body, submit


def _decided(client, keys, action="remove", body=None):
    ack = submit(client, keys["service"], body or report_body())
    case_id = client.get("/v1/cases", headers=keys["moderator"]).json()[0]["id"]
    return ack, case_id, decide(client, keys["moderator"], case_id, action=action)


def _appeal(client, keys, **body):
    payload = {"appellant_role": "affected_user", "appellant_id": "acct-9", "grounds": "I was quoting a film."} | body
    return client.post("/v1/appeals", json=payload, headers=keys["service"])


def test_upheld_appeal_keeps_the_decision(client, keys):
    _, _, decision = _decided(client, keys)
    appeal = _appeal(client, keys, decision_id=decision["id"], appellant_age_band="adult").json()
    assert appeal["status"] == "open"
    assert [a["id"] for a in client.get("/v1/appeals", headers=keys["moderator2"]).json()] == [appeal["id"]]
    result = client.post(f"/v1/appeals/{appeal['id']}/decision", headers=keys["moderator2"],
                         json={"outcome": "upheld", "reason": "The quote was used to insult."}).json()
    assert result["outcome"] == "upheld" and "decision stands" in result["outcome_notice"]
    assert "out-of-court dispute settlement" in result["outcome_notice"]
    assert client.get(f"/v1/decisions/{decision['id']}", headers=keys["moderator"]).json()["status"] == "in_force"
    seen_by_platform = client.get(f"/v1/appeals/{appeal['id']}", headers=keys["service"]).json()
    assert seen_by_platform["outcome"] == "upheld" and "grounds" not in seen_by_platform


def test_overturn_reverts_action_and_strike(db, client, keys):
    from childsafe import jobs

    _, _, decision = _decided(client, keys)
    assert client.get("/v1/accounts/acct-9/strikes", headers=keys["moderator"]).json()["active"] == 1
    appeal = _appeal(client, keys, decision_id=decision["id"], appellant_age_band="13_15").json()
    result = client.post(f"/v1/appeals/{appeal['id']}/decision", headers=keys["moderator2"],
                         json={"outcome": "overturned", "reason": "Quoting, not insulting."}).json()
    assert "You were right to ask" in result["outcome_notice"], "child wording for a 13-15 appellant"
    assert client.get(f"/v1/decisions/{decision['id']}", headers=keys["moderator"]).json()["status"] == "reverted"
    assert client.get("/v1/accounts/acct-9/strikes", headers=keys["moderator"]).json()["active"] == 0
    with db.transaction() as session:
        kinds = [j.payload["type"] for j in jobs.outbox.jobs_of_kind(session, "notify.deliver")]
    assert {"enforcement.applied", "enforcement.reverted", "appeal.decided"} <= set(kinds)
    again = _appeal(client, keys, decision_id=decision["id"])
    assert again.status_code == 409, "a reverted decision cannot be appealed again"


def test_original_reviewer_may_not_decide_the_appeal(client, keys):
    _, _, decision = _decided(client, keys)
    appeal = _appeal(client, keys, decision_id=decision["id"]).json()
    response = client.post(f"/v1/appeals/{appeal['id']}/decision", headers=keys["moderator"],
                           json={"outcome": "overturned", "reason": "x"})
    assert response.status_code == 403 and "different reviewer" in response.json()["detail"]


def test_appeal_window_is_six_months(db, client, keys):
    from childsafe.decisions import Decision
    from childsafe.store import utcnow

    _, _, decision = _decided(client, keys)
    with db.transaction() as session:
        session.execute(update(Decision).values(decided_at=utcnow() - timedelta(days=182)))
    assert _appeal(client, keys, decision_id=decision["id"]).status_code == 201
    with db.transaction() as session:
        session.execute(update(Decision).values(decided_at=utcnow() - timedelta(days=184)))
    late = _appeal(client, keys, decision_id=decision["id"], appellant_id="someone-else")
    assert late.status_code == 409 and "window" in late.json()["detail"]


def test_one_open_appeal_per_appellant(client, keys):
    _, _, decision = _decided(client, keys)
    assert _appeal(client, keys, decision_id=decision["id"]).status_code == 201
    assert _appeal(client, keys, decision_id=decision["id"]).status_code == 409


def test_reporter_appeals_a_decision_not_to_act_and_the_case_reopens(client, keys):
    ack, case_id, decision = _decided(client, keys, action="no_violation")
    affected = _appeal(client, keys, decision_id=decision["id"])
    assert affected.status_code == 422, "nothing to appeal for the affected user"
    wrong_ref = _appeal(client, keys, decision_id=decision["id"], appellant_role="reporter",
                        report_reference="CS-0000-0000-0000")
    assert wrong_ref.status_code == 404
    appeal = _appeal(client, keys, decision_id=decision["id"], appellant_role="reporter",
                     report_reference=ack["reference"], appellant_id=None, appellant_age_band="10_12")
    assert appeal.status_code == 201, appeal.text
    client.post(f"/v1/appeals/{appeal.json()['id']}/decision", headers=keys["moderator2"],
                json={"outcome": "overturned", "reason": "The messages were bullying."})
    case = client.get(f"/v1/cases/{case_id}", headers=keys["moderator2"]).json()
    assert case["status"] == "open" and case["priority"] == 1
    assert [e["kind"] for e in case["history"]][-1] == "reopened"
    redo = decide(client, keys["moderator2"], case_id, action="remove")
    assert redo["status"] == "in_force"


def test_reporter_reference_must_belong_to_the_decision(client, keys):
    ack, _, _ = _decided(client, keys)
    other = report_body(subject={"type": "content", "platform_id": "other", "account_id": "a2"})
    _, _, decision2 = _decided(client, keys, body=other)
    response = _appeal(client, keys, decision_id=decision2["id"], appellant_role="reporter",
                       report_reference=ack["reference"])
    assert response.status_code == 403


def test_child_safety_appeals_are_for_specialists(client, keys):
    body = report_body(reason="adult_asking_sexual_things")
    submit(client, keys["service"], body)
    case_id = client.get("/v1/cases", headers=keys["child_safety_specialist"]).json()[0]["id"]
    decision = decide(client, keys["child_safety_specialist"], case_id, action="suspend_permanent",
                      ground="illegal_content", policy_ground="18 U.S.C. 2422(b)", explanation="Enticement of a minor.")
    appeal = _appeal(client, keys, decision_id=decision["id"]).json()
    assert client.get("/v1/appeals", headers=keys["moderator"]).json() == []
    assert client.get(f"/v1/appeals/{appeal['id']}", headers=keys["moderator"]).status_code == 403
    assert client.post(f"/v1/appeals/{appeal['id']}/decision", headers=keys["moderator2"],
                       json={"outcome": "overturned", "reason": "x"}).status_code == 403
    ok = client.post(f"/v1/appeals/{appeal['id']}/decision", headers=keys["child_safety_specialist2"],
                     json={"outcome": "upheld", "reason": "Evidence is clear."})
    assert ok.status_code == 200


def test_appeal_validation(client, keys):
    _, _, decision = _decided(client, keys)
    assert _appeal(client, keys, decision_id=decision["id"], appellant_id=None).status_code == 422
    assert _appeal(client, keys, decision_id=decision["id"], grounds="").status_code == 422
    assert _appeal(client, keys, decision_id="00000000-0000-0000-0000-000000000000").status_code == 404
