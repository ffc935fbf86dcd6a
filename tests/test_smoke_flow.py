"""The main flow end to end over HTTP: report -> case -> decision -> notice -> appeal -> overturn."""

from conftest import case_of, decide, report_body, submit


def test_report_to_overturned_appeal(client, keys):
    ack = submit(client, keys["service"], report_body())
    assert ack["reference"].startswith("CS-")
    status = client.get(f"/v1/reports/status/{ack['reference']}").json()
    assert status["status"] == "received"

    case_id = case_of(client, keys["moderator"], ack["reference"])
    decision = decide(client, keys["moderator"], case_id)
    assert decision["statement"]["decision_visibility"] == ["DECISION_VISIBILITY_CONTENT_REMOVED"]

    status = client.get(f"/v1/reports/status/{ack['reference']}").json()
    assert status["status"] == "action_taken"

    appeal = client.post("/v1/appeals", headers=keys["service"], json={
        "decision_id": decision["id"], "appellant_role": "affected_user", "appellant_id": "acct-9",
        "appellant_age_band": "adult", "grounds": "It was a joke between friends."})
    assert appeal.status_code == 201, appeal.text
    same_reviewer = client.post(f"/v1/appeals/{appeal.json()['id']}/decision", headers=keys["moderator"],
                                json={"outcome": "overturned", "reason": "context shows banter"})
    assert same_reviewer.status_code == 403
    overturned = client.post(f"/v1/appeals/{appeal.json()['id']}/decision", headers=keys["moderator2"],
                             json={"outcome": "overturned", "reason": "context shows banter"})
    assert overturned.status_code == 200, overturned.text
    assert client.get(f"/v1/decisions/{decision['id']}", headers=keys["moderator"]).json()["status"] == "reverted"
