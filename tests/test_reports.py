"""Report intake: children's reports, anonymity, DSA Art. 16 notices, idempotency, status by reference."""

import pytest

from conftest import report_body, submit


def test_child_report_gets_reference_and_child_friendly_answer(client, keys):
    response = client.post("/v1/reports", json=report_body(), headers=keys["service"])
    assert response.status_code == 201
    body = response.json()
    assert body["reference"].startswith("CS-") and len(body["reference"]) == 17
    assert "Thank you for telling us" in body["message"]  # reporter is 10-12: the child wording
    assert response.headers["Location"] == f"/v1/reports/status/{body['reference']}"


def test_adult_reporter_gets_adult_wording(client, keys):
    body = submit(client, keys["service"], report_body(reporter={"platform_user_id": "u2", "age_band": "adult"}))
    assert body["message"].startswith("We have received your report")


def test_unknown_reporter_age_is_treated_as_child(client, keys):
    body = submit(client, keys["service"], report_body(reporter={"platform_user_id": "u3"}))
    assert "Thank you for telling us" in body["message"]


def test_anonymous_csam_report_needs_no_identity_or_notice_fields(client, keys):
    body = report_body(reason="sexual_image_of_child", reporter={"anonymous": True},
                       notice={"legal_basis": "illegal_content"}, subject={"type": "content", "platform_id": "img-1"})
    assert client.post("/v1/reports", json=body, headers=keys["service"]).status_code == 201


def test_anonymous_reporter_cannot_carry_identity(client, keys):
    body = report_body(reporter={"anonymous": True, "email": "a@b.example"})
    response = client.post("/v1/reports", json=body, headers=keys["service"])
    assert response.status_code == 422
    assert "anonymous" in response.json()["detail"]


def test_illegal_content_notice_requires_art16_fields(client, keys):
    body = report_body(reason="hate", subject={"type": "content", "platform_id": "p-9"},
                       notice={"legal_basis": "illegal_content"}, reporter={"anonymous": True})
    response = client.post("/v1/reports", json=body, headers=keys["service"])
    assert response.status_code == 422
    detail = response.json()["detail"]
    for field in ("notice.explanation", "notice.exact_location", "notice.good_faith", "reporter"):
        assert field in detail
    complete = report_body(reason="hate", notice={"legal_basis": "illegal_content", "explanation": "Incites hatred.",
                                                  "good_faith": True, "jurisdiction": "FR"})
    assert client.post("/v1/reports", json=complete, headers=keys["service"]).status_code == 201


def test_terms_reports_need_no_notice_fields(client, keys):
    body = report_body(notice={"legal_basis": "terms"}, reporter={"anonymous": True})
    assert client.post("/v1/reports", json=body, headers=keys["service"]).status_code == 201


def test_trusted_flagger_must_identify(client, keys):
    body = report_body(channel="trusted_flagger", reporter={"anonymous": True})
    assert client.post("/v1/reports", json=body, headers=keys["service"]).status_code == 422


@pytest.mark.parametrize(("change", "field"), [
    ({"reason": "not_a_reason"}, "body"),
    ({"channel": "pigeon"}, "body.channel"),
    ({"subject": {"type": "planet", "platform_id": "x"}}, "body.subject.type"),
    ({"subject": {"type": "content", "platform_id": ""}}, "body.subject.platform_id"),
    ({"subject": {"type": "content", "platform_id": "x", "url": "javascript:alert(1)"}}, "body.subject.url"),
    ({"free_text": "x" * 5001}, "body.free_text"),
    ({"reporter": {"age_band": "ancient"}}, "body.reporter.age_band"),
    ({"surprise": True}, "body.surprise"),
])
def test_bad_fields_are_named(client, keys, change, field):
    response = client.post("/v1/reports", json=report_body(**change), headers=keys["service"])
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert any(e["field"] == field for e in response.json()["errors"]), response.json()


def test_too_many_surrounding_messages(client, keys):
    messages = [{"sender_id": "a", "text": "hi"}] * 51
    body = report_body(subject={"type": "message_thread", "platform_id": "t1", "messages": messages})
    assert client.post("/v1/reports", json=body, headers=keys["service"]).status_code == 422


def test_idempotent_retry_returns_the_same_report(client, keys):
    first = client.post("/v1/reports", json=report_body(), headers=keys["service"] | {"Idempotency-Key": "k-1"})
    again = client.post("/v1/reports", json=report_body(), headers=keys["service"] | {"Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 201
    assert first.json()["reference"] == again.json()["reference"]
    assert again.headers["Idempotent-Replayed"] == "true"
    other = client.post("/v1/reports", json=report_body(free_text="different"),
                        headers=keys["service"] | {"Idempotency-Key": "k-1"})
    assert other.status_code == 422
    assert other.json()["errors"][0]["field"] == "Idempotency-Key"
    cases = client.get("/v1/cases", headers=keys["moderator"]).json()
    assert [c["signal_count"] for c in cases] == [1]


def test_idempotency_keys_are_scoped_per_key_holder(db, client, keys):
    from childsafe import access
    from conftest import TEST_ACTOR

    with db.transaction() as session:
        other = {"Authorization": "Bearer " + access.create_key(session, "service", "other app", TEST_ACTOR).token}
    a = submit(client, keys["service"], key="same")
    b = submit(client, other, key="same")
    assert a["reference"] != b["reference"]


def test_status_by_reference_without_a_key(client, keys):
    ack = submit(client, keys["service"])
    response = client.get(f"/v1/reports/status/{ack['reference'].lower()}")
    assert response.status_code == 200 and response.json()["status"] == "received"
    client.post(f"/v1/cases/{client.get('/v1/cases', headers=keys['moderator']).json()[0]['id']}/claim",
                headers=keys["moderator"])
    assert client.get(f"/v1/reports/status/{ack['reference']}").json()["status"] == "in_review"
    assert client.get("/v1/reports/status/CS-0000-0000-0000").status_code == 404


def test_report_reasons_are_public(client):
    reasons = client.get("/v1/report-reasons").json()
    assert {"code", "child_label", "category", "pictogram"} <= set(reasons[0])
    assert any(r["code"] == "someone_in_danger_now" and r["imminent_risk"] for r in reasons)


def test_reviewer_reads_full_report_including_thread(client, keys):
    body = report_body(subject={"type": "message_thread", "platform_id": "t-7",
                                "messages": [{"sender_id": "adult-1", "text": "keep this between us"}]},
                       reason="adult_asking_sexual_things")
    ack = submit(client, keys["service"], body)
    cases = client.get("/v1/cases", headers=keys["child_safety_specialist"]).json()
    detail = client.get(f"/v1/cases/{cases[0]['id']}", headers=keys["child_safety_specialist"]).json()
    report = detail["reports"][0]
    assert report["reference"] == ack["reference"]
    single = client.get(f"/v1/reports/{report['id']}", headers=keys["child_safety_specialist"])
    assert single.json()["messages"][0]["text"] == "keep this between us"
    assert client.get(f"/v1/reports/{report['id']}", headers=keys["moderator"]).status_code == 403


def test_nul_characters_are_refused_the_same_on_both_backends(client, keys):
    for body in (report_body(free_text="a\x00b"), report_body(reporter={"platform_user_id": "u\x00"}),
                 report_body(subject={"type": "message_thread", "platform_id": "t",
                                      "messages": [{"sender_id": "s", "text": "x\x00"}]})):
        response = client.post("/v1/reports", json=body, headers=keys["service"])
        assert response.status_code == 422, response.text
        assert "NUL" in response.text
    assert client.get("/v1/cases", headers=keys["moderator"]).json() == []
