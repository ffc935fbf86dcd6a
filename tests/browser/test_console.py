"""Reviewers in a real browser: sign in, take a case from the queue, reveal blurred media, decide, see the audit
entry; an appeal overturns a decision; every console page passes axe-core and is photographed for people to see."""

import io
import uuid

import httpx
from PIL import Image
from playwright.sync_api import Page, expect
from sqlalchemy import select

from browser.conftest import LiveServer, assert_accessible, screenshot, sign_in
from childsafe import evidence, reports
from childsafe.audit import Actor
from childsafe.vocabulary import Role

PLATFORM = Actor("platform-upload", Role.SERVICE.value, "the platform's upload pipeline")


def _api(server: LiveServer) -> httpx.Client:
    return httpx.Client(base_url=server.url, timeout=10)


def _report(server: LiveServer, reason: str, **subject: str) -> tuple[str, uuid.UUID]:
    """A platform's report over the API; returns (reference, case id)."""
    body = {"channel": "in_app", "reason": reason,
            "reporter": {"platform_user_id": f"u-{uuid.uuid4().hex[:6]}", "age_band": "13_15", "role": "victim"},
            "subject": {"type": "content", "platform_id": f"post-{uuid.uuid4().hex[:8]}", "account_id": "acct-e2e",
                        "content_type": "image", "age_band": "adult"} | subject,
            "free_text": "they posted this about me"}
    with _api(server) as api:
        made = api.post("/v1/reports", json=body, headers=server.keys["service"])
    assert made.status_code == 201, made.text
    reference = made.json()["reference"]
    with server.db.transaction() as session:
        case_id = session.scalar(select(reports.Report.case_id).where(reports.Report.reference == reference))
    return reference, case_id


def _png() -> bytes:
    """A benign, colourful test picture (never real material)."""
    image = Image.new("RGB", (240, 160), (230, 70, 40))
    for x in range(0, 240, 40):
        image.paste((30, 150, 230), (x, 0, x + 20, 160))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _is_greyscale(data: bytes) -> bool:
    colours = Image.open(io.BytesIO(data)).convert("RGB").getcolors(1 << 24)
    return all(r == g == b for _, (r, g, b) in colours)


def test_sign_in_page_is_accessible_and_refuses_a_wrong_password(page: Page) -> None:
    page.goto("/console/sign-in")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(page, "console sign-in")
    screenshot(page, "console-sign-in")
    page.get_by_label("Username").fill("mod")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_be_visible()
    assert "/sign-in" in page.url
    assert_accessible(page, "console sign-in with an error")


def test_specialist_takes_a_case_reveals_media_decides_and_sees_the_audit_entry(
        page: Page, live_server: LiveServer) -> None:
    reference, case_id = _report(live_server, "sexual_image_of_child")
    with live_server.db.transaction() as session:
        evidence.preserve_media(session, case_id=case_id, data=_png(), filename="upload.png",
                                content_type="image/png", actor=PLATFORM, source="report")

    sign_in(page, "spec")
    expect(page.get_by_role("heading", level=1, name="Queues")).to_be_visible()
    page.goto("/console/queues?queue=child_safety")
    assert_accessible(page, "queues")
    screenshot(page, "console-queue")
    page.locator(f"a[href='/console/cases/{case_id}']").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Case")
    expect(page.get_by_text(reference)).to_be_visible()

    # Media arrives blurred and greyscale; the browser fetches exactly what the reviewer sees.
    image = page.locator("#media img").first
    expect(image).to_be_visible()
    blurred = page.request.get(image.get_attribute("src"))
    assert blurred.ok and _is_greyscale(blurred.body())
    assert_accessible(page, "case")
    screenshot(page, "console-case")

    page.keyboard.press("c")  # the console's shortcut: focus "Claim case" ...
    expect(page.get_by_role("button", name="Claim case")).to_be_focused()
    page.keyboard.press("Enter")  # ... and press it
    expect(page.get_by_role("button", name="Release case")).to_be_visible()
    page.get_by_label("Reason for revealing item 1").fill("confirm the category before removal")
    page.get_by_role("button", name="Reveal item 1").click()
    expect(page.get_by_role("heading", level=1, name="Revealed evidence item")).to_be_visible()
    revealed = page.locator("img").first.get_attribute("src")
    assert revealed.startswith("data:image/png;base64,")
    assert_accessible(page, "revealed media")
    screenshot(page, "console-revealed")

    page.goto(f"/console/cases/{case_id}")
    page.keyboard.press("r")  # the shortcut for "Remove the content"
    expect(page.get_by_label("Remove the content")).to_be_checked()
    page.get_by_label("Policy ground (the rule or law relied on)").fill("Community Guidelines 1.1 (child safety)")
    page.get_by_label("Explanation (the facts, and why they meet the ground)").fill(
        "The image matches the description in the report.")
    page.get_by_role("button", name="Preview statement and notice").click()
    expect(page.locator("#preview")).to_contain_text("Statement of reasons")
    assert_accessible(page, "decision preview")
    screenshot(page, "console-decision-preview")
    page.get_by_role("button", name="Submit decision").click()
    expect(page.get_by_text("Decision recorded.")).to_be_visible()
    audit = page.locator("#audit")
    expect(audit).to_contain_text("decision.made")
    expect(audit).to_contain_text("evidence.revealed")
    assert_accessible(page, "decided case")
    screenshot(page, "console-case-decided")


def _decided_and_appealed(server: LiveServer) -> tuple[str, str]:
    """A bullying case decided by another moderator (over the API), then appealed by the affected user."""
    _, case_id = _report(server, "bullying_me", account_id="acct-appeal")
    headers = server.keys["moderator2"]
    with _api(server) as api:
        assert api.post(f"/v1/cases/{case_id}/claim", headers=headers).status_code == 200
        made = api.post(f"/v1/cases/{case_id}/decision", headers=headers, json={
            "action": "remove", "policy_ground": "Community Guidelines 3.1 (bullying)",
            "explanation": "Repeated insults aimed at another user."})
        assert made.status_code == 201, made.text
        appeal = api.post("/v1/appeals", headers=server.keys["service"], json={
            "decision_id": made.json()["id"], "appellant_role": "affected_user", "appellant_id": "acct-appeal",
            "appellant_age_band": "adult", "grounds": "It was a joke between friends."})
        assert appeal.status_code == 201, appeal.text
    return made.json()["id"], appeal.json()["id"]


def test_an_appeal_overturns_a_decision(page: Page, live_server: LiveServer) -> None:
    decision_id, appeal_id = _decided_and_appealed(live_server)
    sign_in(page, "mod")
    page.goto("/console/appeals")
    assert_accessible(page, "appeals queue")
    screenshot(page, "console-appeals")
    page.locator(f"a[href='/console/appeals/{appeal_id}']").first.click()
    expect(page.get_by_text("It was a joke between friends.")).to_be_visible()
    assert_accessible(page, "appeal")
    screenshot(page, "console-appeal")
    page.get_by_label("Overturn: reverse the decision (strike withdrawn, content restored)").check()
    page.get_by_label("Reason (sent to the person who appealed)").fill("Friendly banter, no target.")
    page.get_by_role("button", name="Decide appeal").click()
    expect(page.get_by_text("Overturned by")).to_be_visible()
    with _api(live_server) as api:
        decision = api.get(f"/v1/decisions/{decision_id}", headers=live_server.keys["moderator2"])
    assert decision.status_code == 200 and decision.json()["status"] == "reverted"

    page.goto("/console/accounts/acct-appeal")
    expect(page.get_by_text("withdrawn").first).to_be_visible()
    assert_accessible(page, "account")
    screenshot(page, "console-account")


def test_compliance_and_admin_pages_then_sign_out(page: Page, live_server: LiveServer) -> None:
    _report(live_server, "hate")  # something to count
    sign_in(page, "comp")
    for path, name in (("/console/compliance", "console-dashboard"), ("/console/audit", "console-audit"),
                       ("/console/audit/verify", "console-audit-verify")):
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert_accessible(page, name)
        screenshot(page, name)
    expect(page.get_by_role("heading", level=2, name="Intact")).to_be_visible()  # the audit chain verifies
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("status")).to_contain_text("You are signed out.")
    page.goto("/console/compliance")  # the session is gone for good
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to the safety console")

    sign_in(page, "admin")
    expect(page.get_by_role("heading", level=1)).to_have_text("Console users")
    assert_accessible(page, "console users")
    screenshot(page, "console-users")
