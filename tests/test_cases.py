"""Cases and queues: one open case per subject, triage, SLAs, locks, comments and history."""

from datetime import datetime, timedelta

from conftest import decide, report_body, submit


def _cases(client, headers, **params):
    return client.get("/v1/cases", params=params, headers=headers).json()


def _due_in(case) -> timedelta:
    return datetime.fromisoformat(case["sla_due_at"]) - datetime.fromisoformat(case["created_at"])


def test_reports_on_the_same_subject_join_one_case(client, keys):
    for user in ("u1", "u2", "u3"):
        submit(client, keys["service"], report_body(reporter={"platform_user_id": user, "age_band": "13_15"}))
    submit(client, keys["service"], report_body(subject={"type": "content", "platform_id": "post-2"}))
    cases = _cases(client, keys["moderator"])
    assert sorted(c["signal_count"] for c in cases) == [1, 3]


def test_same_platform_id_of_another_type_is_another_subject(client, keys):
    submit(client, keys["service"], report_body(subject={"type": "content", "platform_id": "x-1"}))
    submit(client, keys["service"], report_body(subject={"type": "account", "platform_id": "x-1"}))
    assert len(_cases(client, keys["moderator"])) == 2


def test_triage_by_category(client, keys):
    submit(client, keys["service"], report_body(reason="bullying_me"))
    submit(client, keys["service"], report_body(reason="sexual_image_of_child", reporter={"anonymous": True},
                                                subject={"type": "content", "platform_id": "img-1"}))
    general = _cases(client, keys["moderator"])[0]
    assert (general["queue"], general["priority"]) == ("general", 2)
    assert _due_in(general) == timedelta(hours=24)
    child_safety = _cases(client, keys["child_safety_specialist"], queue="child_safety")[0]
    assert (child_safety["priority"], child_safety["child_safety"]) == (0, True)
    assert _due_in(child_safety) == timedelta(hours=1)
    ordered = _cases(client, keys["child_safety_specialist"])
    assert ordered[0]["id"] == child_safety["id"], "most urgent first"


def test_imminent_risk_goes_to_urgent_within_the_hour(client, keys):
    submit(client, keys["service"], report_body(reason="someone_in_danger_now"))
    case = _cases(client, keys["moderator"])[0]
    assert (case["queue"], case["priority"], case["imminent_risk"]) == ("urgent", 0, True)
    assert _due_in(case) == timedelta(hours=1)


def test_trusted_flaggers_jump_the_queue(client, keys):
    flagger = {"platform_user_id": "hotline-1", "name": "Hotline", "email": "t@hotline.example",
               "role": "trusted_flagger", "age_band": "adult"}
    submit(client, keys["service"], report_body(channel="trusted_flagger", reporter=flagger))
    case = _cases(client, keys["moderator"])[0]
    assert (case["queue"], case["priority"]) == ("trusted_flagger", 1)


def test_a_later_worse_report_escalates_an_existing_case(client, keys):
    submit(client, keys["service"], report_body(reason="bullying_me"))
    submit(client, keys["service"], report_body(reason="adult_asking_sexual_things"))
    assert _cases(client, keys["moderator"]) == [], "now a child-safety case, hidden from moderators"
    case = _cases(client, keys["child_safety_specialist"])[0]
    assert case["queue"] == "child_safety" and case["category"] == "grooming"
    assert set(case["categories"]) == {"cyberbullying", "grooming"}
    assert _due_in(case) == timedelta(hours=24)
    detail = client.get(f"/v1/cases/{case['id']}", headers=keys["child_safety_specialist"]).json()
    assert [e["kind"] for e in detail["history"]][:3] == ["opened", "signal_joined", "escalated"]


def test_sla_override_per_category(db_url, db, keys):
    from fastapi.testclient import TestClient

    from childsafe.api import create_app
    from childsafe.config import make_settings

    settings = make_settings(database_url=db_url, task_queue="none", sla_hours={"cyberbullying": 4})
    with TestClient(create_app(settings, db=db)) as client:
        submit(client, keys["service"])
        assert _due_in(_cases(client, keys["moderator"])[0]) == timedelta(hours=4)


def test_lock_prevents_two_reviewers(client, keys):
    submit(client, keys["service"])
    case_id = _cases(client, keys["moderator"])[0]["id"]
    first = client.post(f"/v1/cases/{case_id}/claim", headers=keys["moderator"])
    assert first.status_code == 200 and first.json()["assignee"].startswith("key:")
    second = client.post(f"/v1/cases/{case_id}/claim", headers=keys["moderator2"])
    assert second.status_code == 409 and "being reviewed by" in second.json()["detail"]
    blocked = client.post(f"/v1/cases/{case_id}/decision", headers=keys["moderator2"],
                          json={"action": "no_violation"})
    assert blocked.status_code == 409
    assert client.post(f"/v1/cases/{case_id}/release", headers=keys["moderator2"]).status_code == 409
    assert client.post(f"/v1/cases/{case_id}/release", headers=keys["moderator"]).status_code == 200
    assert client.post(f"/v1/cases/{case_id}/claim", headers=keys["moderator2"]).status_code == 200


def test_expired_lock_can_be_taken_over(db, client, keys):
    from sqlalchemy import update

    from childsafe.cases import Case
    from childsafe.store import utcnow

    submit(client, keys["service"])
    case_id = _cases(client, keys["moderator"])[0]["id"]
    client.post(f"/v1/cases/{case_id}/claim", headers=keys["moderator"])
    with db.transaction() as session:
        session.execute(update(Case).values(lock_expires_at=utcnow() - timedelta(seconds=1)))
    assert client.post(f"/v1/cases/{case_id}/claim", headers=keys["moderator2"]).status_code == 200
    assert client.post(f"/v1/cases/{case_id}/decision", headers=keys["moderator"],
                       json={"action": "no_violation"}).status_code == 409


def test_comments_and_history(client, keys):
    submit(client, keys["service"])
    case_id = _cases(client, keys["moderator"])[0]["id"]
    response = client.post(f"/v1/cases/{case_id}/comments", headers=keys["moderator"],
                           json={"body": "Second report from this class this week."})
    assert response.status_code == 201
    decide(client, keys["moderator2"], case_id, action="warn")
    detail = client.get(f"/v1/cases/{case_id}", headers=keys["moderator"]).json()
    assert detail["comments"][0]["body"].startswith("Second report")
    assert [e["kind"] for e in detail["history"]] == ["opened", "claimed", "decided"]
    assert detail["status"] == "decided" and detail["decisions"][0]["action"] == "warn"
    assert client.post(f"/v1/cases/{case_id}/claim", headers=keys["moderator"]).status_code == 409


def test_a_new_report_after_a_decision_opens_a_new_case(client, keys):
    submit(client, keys["service"])
    case_id = _cases(client, keys["moderator"])[0]["id"]
    decide(client, keys["moderator"], case_id, action="no_violation")
    submit(client, keys["service"])
    open_cases = _cases(client, keys["moderator"])
    assert len(open_cases) == 1 and open_cases[0]["id"] != case_id


def test_filters_and_queue_counts(client, keys):
    submit(client, keys["service"], report_body(reason="hate", subject={"type": "content", "platform_id": "h1"}))
    submit(client, keys["service"], report_body(reason="bullying_me"))
    submit(client, keys["service"], report_body(reason="someone_in_danger_now",
                                                subject={"type": "content", "platform_id": "d1"}))
    assert [c["category"] for c in _cases(client, keys["moderator"], category="hate")] == ["hate"]
    assert [c["queue"] for c in _cases(client, keys["moderator"], queue="urgent")] == ["urgent"]
    assert len(_cases(client, keys["moderator"], priority=2)) == 2
    queues = {q["queue"]: q for q in client.get("/v1/queues", headers=keys["moderator"]).json()}
    assert queues["general"]["open"] == 2 and queues["urgent"]["open"] == 1
    assert queues["general"]["overdue"] == 0


def test_escalation_hands_the_case_to_specialists(client, keys):
    submit(client, keys["service"])
    case_id = _cases(client, keys["moderator"])[0]["id"]
    decision = decide(client, keys["moderator"], case_id, action="escalate", note="Might be an adult posing as a kid")
    assert decision["status"] == "escalated" and decision["statement"] is None
    assert client.get(f"/v1/cases/{case_id}", headers=keys["moderator"]).status_code == 403
    case = client.get(f"/v1/cases/{case_id}", headers=keys["child_safety_specialist"]).json()
    assert (case["queue"], case["status"], case["assignee"]) == ("child_safety", "open", None)
    again = client.post(f"/v1/cases/{case_id}/claim", headers=keys["child_safety_specialist"])
    assert again.status_code == 200
    refused = client.post(f"/v1/cases/{case_id}/decision", headers=keys["child_safety_specialist"],
                          json={"action": "escalate"})
    assert refused.status_code == 409
