"""Console pages, server-side: who sees what, claiming and deciding through forms, revealing media,
appeals, accounts, the compliance dashboard and friendly error pages."""

import base64
import io
import re
import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select

from childsafe import appeals, audit, cases, decisions, evidence
from childsafe.audit import Actor
from childsafe.console.models import ConsoleUser
from childsafe.vocabulary import Role
from conftest import case_of, report_body, submit
from console_support import browser, create_people, fast_hashing, post_form

__all__ = ["fast_hashing"]
pytestmark = pytest.mark.usefixtures("fast_hashing")
SERVICE = Actor("svc", Role.SERVICE.value, "platform backend")
DECISION = {"action": "remove", "category": "cyberbullying", "ground": "terms",
            "policy_ground": "Community Guidelines 3.1 (bullying and harassment)",
            "explanation": "Repeated insults aimed at another user."}


@pytest.fixture
def people(db):  # type: ignore[no-untyped-def]
    return create_people(db)


def _csam_case(client, keys) -> str:  # type: ignore[no-untyped-def]
    ack = submit(client, keys["service"], report_body(
        reason="sexual_image_of_child", reporter={"anonymous": True, "age_band": "unknown", "role": "bystander"},
        subject__platform_id="img-" + uuid.uuid4().hex[:8], subject__content_type="image", free_text=None))
    return case_of(client, keys["child_safety_specialist"], ack["reference"])


def _bullying_case(client, keys, **subject) -> str:  # type: ignore[no-untyped-def]
    changes = {f"subject__{k}": v for k, v in subject.items()}
    ack = submit(client, keys["service"], report_body(subject__platform_id="post-" + uuid.uuid4().hex[:8], **changes))
    return case_of(client, keys["moderator"], ack["reference"])


def _audit(db, **filters) -> list[audit.AuditEntry]:  # type: ignore[no-untyped-def]
    with db.transaction() as session:
        return audit.entries(session, limit=1000, **filters)


def test_each_role_lands_on_its_own_pages(app, db, people):
    homes = {"mod": "/console/queues", "spec": "/console/queues", "comp": "/console/compliance",
             "admin": "/console/users"}
    for username, home in homes.items():
        person = browser(app, username)
        assert person.get("/console", follow_redirects=False).headers["location"] == home
        assert person.get(home).status_code == 200
    compliance, moderator = browser(app, "comp"), browser(app, "mod")
    for path in ("/console/queues", "/console/appeals", "/console/accounts/acct-1"):
        refused = compliance.get(path)
        assert refused.status_code == 403 and "Not for your role" in refused.text, path
    for path in ("/console/compliance", "/console/audit", "/console/users"):
        assert moderator.get(path).status_code == 403, path
    assert compliance.get("/console/users").status_code == 403
    nav = moderator.get("/console/queues").text
    assert ">Queues</a>" in nav and ">Compliance</a>" not in nav


def test_child_safety_cases_do_not_exist_for_moderators(app, client, keys, db, people):
    case_id = _csam_case(client, keys)
    specialist, moderator = browser(app, "spec"), browser(app, "mod")
    assert case_id in specialist.get("/console/queues?queue=child_safety").text
    page = specialist.get(f"/console/cases/{case_id}")
    assert page.status_code == 200 and "specialists only" in page.text
    assert case_id not in moderator.get("/console/queues").text
    assert "Child safety" not in moderator.get("/console/queues").text
    hidden = moderator.get(f"/console/cases/{case_id}")
    assert hidden.status_code == 404 and "Case not found" in hidden.text
    assert moderator.get("/console/queues?queue=child_safety").status_code == 404
    refused = post_form(moderator, f"/console/cases/{case_id}/claim")
    assert refused.status_code == 404
    denied = _audit(db, object_id=case_id, action="case.access_denied")
    assert {e.actor for e in denied} == {"user:mod (Mod Example)"} and len(denied) == 2
    readers = [e.actor for e in _audit(db, object_id=case_id, action="case.read") if e.actor.startswith("user:")]
    assert readers == ["user:spec (Spec Example)"], "the specialist's read is audited"


def test_queue_shows_priority_sla_and_filters(app, client, keys, people):
    bullying = _bullying_case(client, keys)
    moderator = browser(app, "mod")
    page = moderator.get("/console/queues")
    row = page.text[page.text.index(bullying) - 400:page.text.index(bullying) + 2500]
    assert "P2 normal" in page.text and "Cyberbullying" in row and re.search(r"in 2[34] h", row)
    assert bullying in moderator.get("/console/queues?queue=general&category=cyberbullying").text
    assert bullying not in moderator.get("/console/queues?category=hate").text
    assert bullying not in moderator.get("/console/queues?status=decided").text
    bad = moderator.get("/console/queues?queue=nonsense")
    assert bad.status_code == 422 and "not a known queue" in bad.text


def test_claim_preview_and_decide_through_forms(app, client, keys, db, people):
    case_id = _bullying_case(client, keys, age_band="13_15")
    mod, mod2 = browser(app, "mod"), browser(app, "mod2")
    page = mod.get(f"/console/cases/{case_id}")
    assert "Nobody is reviewing this case." in page.text and "Claim case" in page.text
    claimed = post_form(mod, f"/console/cases/{case_id}/claim", token_from=f"/console/cases/{case_id}")
    assert claimed.status_code == 303
    mine = mod.get(claimed.headers["location"]).text
    assert "You hold this case now." in mine and "You hold this case until" in mine
    theirs = mod2.get(f"/console/cases/{case_id}").text
    assert "Held by <strong>user:mod (Mod Example)</strong>" in theirs
    assert post_form(mod2, f"/console/cases/{case_id}/claim").status_code == 409

    shown = post_form(mod, f"/console/cases/{case_id}/decision/preview", DECISION)
    assert shown.status_code == 200
    assert "Statement of reasons" in shown.text and "STATEMENT_CATEGORY_CYBER_VIOLENCE" in shown.text
    assert "Repeated insults aimed at another user." in shown.text and "Child-friendly version" in shown.text
    previewed = post_form(mod, f"/console/cases/{case_id}/decision", DECISION | {"intent": "preview"})
    assert previewed.status_code == 200 and "Child-friendly version" in previewed.text
    with db.transaction() as session:
        assert decisions.list_decisions(session, case_id=uuid.UUID(case_id)) == [], "a preview decides nothing"

    done = post_form(mod, f"/console/cases/{case_id}/decision", DECISION | {"intent": "decide"})
    assert done.status_code == 303, done.text
    with db.transaction() as session:
        [decision] = decisions.list_decisions(session, case_id=uuid.UUID(case_id))
        assert (decision.action, decision.decided_by, decision.status) == ("remove", "user:mod (Mod Example)",
                                                                            "in_force")
        assert decision.statement["decision_visibility"] == ["DECISION_VISIBILITY_CONTENT_REMOVED"]
        assert decision.notice_child is not None
    made = _audit(db, object_id=str(decision.id), action="decision.made")
    assert [e.actor for e in made] == ["user:mod (Mod Example)"]
    after = mod.get(done.headers["location"]).text
    assert "Decision recorded." in after and "decision.made" in after and "Closed: this case was decided." in after


def test_decision_mistakes_come_back_beside_the_form(app, client, keys, db, people):
    case_id = _bullying_case(client, keys)
    mod = browser(app, "mod")
    early = post_form(mod, f"/console/cases/{case_id}/decision", DECISION)
    assert early.status_code == 409 and "claim the case before deciding" in early.text
    post_form(mod, f"/console/cases/{case_id}/claim")
    missing = post_form(mod, f"/console/cases/{case_id}/decision", DECISION | {"policy_ground": ""})
    assert missing.status_code == 422 and "policy_ground is required" in missing.text
    assert "Repeated insults aimed at another user." in missing.text, "what was typed is kept"
    nonsense = post_form(mod, f"/console/cases/{case_id}/decision", DECISION | {"action": "obliterate"})
    assert nonsense.status_code == 422 and "The decision was not recorded" in nonsense.text
    with db.transaction() as session:
        assert decisions.list_decisions(session, case_id=uuid.UUID(case_id)) == []


def test_escalation_hands_the_case_to_specialists(app, client, keys, people):
    case_id = _bullying_case(client, keys)
    mod = browser(app, "mod")
    post_form(mod, f"/console/cases/{case_id}/claim")
    escalated = post_form(mod, f"/console/cases/{case_id}/decision",
                          {"action": "escalate", "note": "looks like grooming"})
    assert escalated.status_code == 303 and escalated.headers["location"].startswith("/console/queues")
    assert mod.get(f"/console/cases/{case_id}").status_code == 404
    assert browser(app, "spec").get(f"/console/cases/{case_id}").status_code == 200


def test_comments_and_release(app, client, keys, db, people):
    case_id = _bullying_case(client, keys)
    mod = browser(app, "mod")
    added = post_form(mod, f"/console/cases/{case_id}/comments", {"body": "Checked the account history."})
    assert added.status_code == 303
    assert "Checked the account history." in mod.get(f"/console/cases/{case_id}").text
    assert post_form(mod, f"/console/cases/{case_id}/comments", {"body": "   "}).status_code == 422
    post_form(mod, f"/console/cases/{case_id}/claim")
    assert post_form(mod, f"/console/cases/{case_id}/release").status_code == 303
    with db.transaction() as session:
        assert cases.get(session, uuid.UUID(case_id), SERVICE.__class__("t", Role.MODERATOR.value)).assignee is None


def _png(seed: int) -> bytes:
    image = Image.new("RGB", (96, 96), (200, 40 + seed, 60))
    for x in range(0, 96, 12):
        for y in range(0, 96, 12):
            if (x + y) // 12 % 2:
                image.paste((20, 160, 220), (x, y, x + 12, y + 12))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def test_media_is_blurred_until_a_logged_reveal(app, client, keys, db, people, db_url, tmp_path: Path):
    key_file = tmp_path / "keys.json"
    evidence.init_key(key_file)
    evidence.configure(app.state.settings.model_copy(update={"evidence_key_file": str(key_file),
                                                             "evidence_dir": str(tmp_path / "vault")}))
    case_id = _csam_case(client, keys)
    with db.transaction() as session:
        item = evidence.preserve_media(session, case_id=uuid.UUID(case_id), data=_png(1), filename="upload.png",
                                       content_type="image/png", actor=SERVICE, source="report")
    spec, mod = browser(app, "spec"), browser(app, "mod")
    page = spec.get(f"/console/cases/{case_id}").text
    src = f"/console/cases/{case_id}/evidence/{item.id}/blurred.png"
    assert src in page and "Reveal item 1" in page and "Reason for revealing item 1" in page
    blurred = spec.get(src)
    assert blurred.status_code == 200 and blurred.headers["content-type"] == "image/png"
    assert "no-store" in blurred.headers["cache-control"]
    pixels = Image.open(io.BytesIO(blurred.content)).convert("RGB").get_flattened_data()
    assert all(r == g == b for r, g, b in pixels), "greyscale"
    assert mod.get(src).status_code == 404

    reveal = f"/console/cases/{case_id}/evidence/{item.id}/reveal"
    assert post_form(spec, reveal, {"reason": "  "}).status_code == 422
    assert not _audit(db, object_id=str(item.id), action="evidence.revealed")
    shown = post_form(spec, reveal, {"reason": "confirm the category before removal"})
    assert shown.status_code == 200 and "Revealed evidence item" in shown.text
    data = re.search(r'src="data:image/png;base64,([^"]+)"', shown.text).group(1)
    colours = Image.open(io.BytesIO(base64.b64decode(data))).convert("RGB").getcolors(10_000)
    assert any(r != g for _, (r, g, b) in colours), "the revealed image keeps its colours"
    [entry] = _audit(db, object_id=str(item.id), action="evidence.revealed")
    assert (entry.actor, entry.reason) == ("user:spec (Spec Example)", "confirm the category before removal")
    assert post_form(mod, reveal, {"reason": "curious"}).status_code == 404
    elsewhere = _bullying_case(client, keys)  # an item is reachable only through its own case
    assert spec.get(f"/console/cases/{elsewhere}/evidence/{item.id}/blurred.png").status_code == 404


def _appealed_decision(client, keys, db) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    case_id = _bullying_case(client, keys)
    headers = keys["moderator2"]
    assert client.post(f"/v1/cases/{case_id}/claim", headers=headers).status_code == 200
    made = client.post(f"/v1/cases/{case_id}/decision", headers=headers, json=DECISION)
    assert made.status_code == 201, made.text
    appeal = client.post("/v1/appeals", headers=keys["service"], json={
        "decision_id": made.json()["id"], "appellant_role": "affected_user", "appellant_id": "acct-9",
        "appellant_age_band": "adult", "grounds": "It was a joke between friends."})
    assert appeal.status_code == 201, appeal.text
    return made.json()["id"], appeal.json()["id"]


def test_appeal_overturn_through_the_form(app, client, keys, db, people):
    decision_id, appeal_id = _appealed_decision(client, keys, db)
    mod = browser(app, "mod")
    queue = mod.get("/console/appeals").text
    assert f"/console/appeals/{appeal_id}" in queue
    page = mod.get(f"/console/appeals/{appeal_id}").text
    assert "It was a joke between friends." in page and "Decide appeal" in page
    with db.transaction() as session:
        _strikes, active = decisions.strikes_for(session, "acct-9")
    assert active == 1
    assert "1</span> active" in mod.get("/console/accounts/acct-9").text
    missing = post_form(mod, f"/console/appeals/{appeal_id}/decision", {"outcome": "overturned"})
    assert missing.status_code == 422
    done = post_form(mod, f"/console/appeals/{appeal_id}/decision",
                     {"outcome": "overturned", "reason": "Friendly banter, no target."})
    assert done.status_code == 303
    after = mod.get(done.headers["location"]).text
    assert "Overturned by user:mod (Mod Example)" in after and "reversed our decision" in after
    with db.transaction() as session:
        assert decisions.get(session, uuid.UUID(decision_id)).status == "reverted"
        assert decisions.strikes_for(session, "acct-9")[1] == 0
        assert appeals.get(session, uuid.UUID(appeal_id), Actor("x", Role.MODERATOR.value)).outcome == "overturned"
    assert [e.actor for e in _audit(db, object_id=appeal_id, action="appeal.decided")] == ["user:mod (Mod Example)"]
    assert "withdrawn" in mod.get("/console/accounts/acct-9").text
    again = post_form(mod, f"/console/appeals/{appeal_id}/decision", {"outcome": "upheld", "reason": "x"})
    assert again.status_code == 409 and "already decided" in again.text


def test_the_original_reviewer_cannot_decide_the_appeal(app, client, keys, db, people):
    case_id = _bullying_case(client, keys)
    mod = browser(app, "mod")
    post_form(mod, f"/console/cases/{case_id}/claim")
    assert post_form(mod, f"/console/cases/{case_id}/decision", DECISION).status_code == 303
    with db.transaction() as session:
        [decision] = decisions.list_decisions(session, case_id=uuid.UUID(case_id))
        appeal = appeals.submit(session, appeals.AppealIn(decision_id=decision.id, appellant_role="affected_user",
                                                          appellant_id="acct-9", grounds="Please look again."),
                                SERVICE, app.state.settings)
    page = mod.get(f"/console/appeals/{appeal.id}").text
    assert "a different reviewer must decide this appeal" in page
    refused = post_form(mod, f"/console/appeals/{appeal.id}/decision", {"outcome": "overturned", "reason": "x"})
    assert refused.status_code == 403 and "different reviewer" in refused.text


def test_compliance_dashboard_draws_accessible_charts(app, client, keys, db, people):
    _appealed_decision(client, keys, db)
    comp = browser(app, "comp")
    page = comp.get("/console/compliance?days=7")
    assert page.status_code == 200
    assert page.text.count('<svg class="chart"') == 4 and page.text.count('role="img"') == 4
    for heading in ("Report volume", "Time to first action", "Appeal overturn rate", "Over-blocking"):
        assert f">{heading}</h2>" in page.text
    assert re.search(r'<title id="chart-volume-t">Reports received per day</title>', page.text)
    assert page.text.count('<rect class="bar"') == 1, "one day with reports"
    assert re.search(r"Reports received</span><span class=\"stat-value\">1<", page.text)
    assert comp.get("/console/compliance?days=12").status_code == 422


def test_audit_log_page_is_itself_audited(app, client, keys, db, people):
    case_id = _bullying_case(client, keys)
    comp = browser(app, "comp")
    page = comp.get(f"/console/audit?object_id={case_id}")
    assert page.status_code == 200 and "case.opened" in page.text
    assert [e.actor for e in _audit(db, action="audit.read")] == ["user:comp (Comp Example)"]
    assert "Intact" in comp.get("/console/audit/verify").text


def test_errors_are_friendly_pages_and_the_api_keeps_problem_json(app, client, keys, people):
    mod = browser(app, "mod")
    for path, status in (("/console/nowhere", 404), (f"/console/cases/{uuid.uuid4()}", 404),
                         ("/console/cases/not-a-case", 404), ("/console/appeals/12", 404),
                         ("/console/queues?offset=-1", 422), ("/console/appeals?status=maybe", 422)):
        response = mod.get(path)
        assert response.status_code == status, path
        assert response.headers["content-type"].startswith("text/html"), path
        assert '<html lang="en">' in response.text and "Back to the console" in response.text
    assert mod.put("/console/queues").status_code == 405
    case_id = _bullying_case(client, keys)
    for body in ("nul \x00 inside", "x" * 5001):  # PostgreSQL refuses NUL in text; everything has a length limit
        response = post_form(mod, f"/console/cases/{case_id}/comments", {"body": body})
        assert response.status_code in (303, 422), body[:20]
        assert response.status_code == 303 or "Please check what you entered" in response.text
    api = client.get("/v1/nowhere")
    assert api.status_code == 404 and api.headers["content-type"].startswith("application/problem+json")


def test_pages_send_security_headers_and_root_redirects(app, client, people):
    assert client.get("/", follow_redirects=False).headers["location"] == "/console"
    page = browser(app, "mod").get("/console/queues")
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY" and page.headers["cache-control"] == "no-store"
    assert client.get("/console/static/console.css").status_code == 200
    assert client.get("/console/static/console.js").status_code == 200


def test_admin_can_unlock_a_locked_out_user(app, client, db, people):
    from console_support import sign_in

    for i in range(5):
        sign_in(TestClient(app), "mod", f"guess {i}")
    admin = browser(app, "admin")
    assert "Unlock mod" in admin.get("/console/users").text
    assert post_form(admin, "/console/users/mod/unlock", token_from="/console/users").status_code == 303
    with db.transaction() as session:
        assert session.scalar(select(ConsoleUser.locked_until).where(ConsoleUser.username == "mod")) is None
    assert sign_in(TestClient(app), "mod").status_code == 303


def test_take_next_claims_the_most_urgent_free_case(app, client, keys, db, people):
    first, second = _bullying_case(client, keys), _bullying_case(client, keys)
    mod, mod2 = browser(app, "mod"), browser(app, "mod2")
    taken = post_form(mod, "/console/queues/next", {"queue": "general"})
    assert taken.headers["location"] == f"/console/cases/{first}?done=claimed"
    assert "You hold this case until" in mod.get(taken.headers["location"]).text
    other = post_form(mod2, "/console/queues/next", {"queue": "general"})
    assert other.headers["location"] == f"/console/cases/{second}?done=claimed", "a held case is skipped"
    empty = post_form(browser(app, "spec"), "/console/queues/next", {"queue": "general"})
    assert empty.headers["location"] == "/console/queues?queue=general&done=queue_empty"
    assert post_form(mod, "/console/queues/next", {"queue": "child_safety"}).status_code == 404
    assert [e.actor for e in _audit(db, object_id=second, action="case.claimed")] == ["user:mod2 (Mod2 Example)"]
