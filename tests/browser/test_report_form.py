"""A child reports something in a real browser, with the keyboard alone, and gets a reference number."""

import re
from urllib.parse import quote, urlencode

from playwright.sync_api import Page, expect
from sqlalchemy import select

from browser.conftest import FORM_SECRET, LiveServer, assert_accessible, screenshot
from childsafe import reports
from childsafe.reportform import sign_context

REFERENCE = re.compile(r"^CS-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$")


def _report(server: LiveServer, reference: str) -> reports.Report:
    with server.db.transaction() as session:
        report = session.scalar(select(reports.Report).where(reports.Report.reference == reference))
        session.expunge(report)
        return report


def _tab_to(page: Page, selector: str, limit: int = 40) -> None:
    """Press Tab until the element matching ``selector`` has focus, as a keyboard user would."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_child_reports_with_keyboard_only_and_gets_a_reference(page: Page, live_server: LiveServer) -> None:
    query = urlencode({"country": "GB", "content_id": "post-kbd-1", "account_id": "acct-kbd"})
    page.goto(f"/report?{query}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Tell us what happened")
    expect(page.get_by_text("You are not in trouble.")).to_be_visible()
    expect(page.get_by_role("link", name="Call 0800 1111")).to_be_visible()  # Childline, for a child in GB
    assert_accessible(page, "report form")
    screenshot(page, "report-form")

    # Send with nothing chosen: the error summary takes focus and links to the question.
    _tab_to(page, "button.send")
    page.keyboard.press("Enter")
    expect(page).to_have_title(re.compile("^Error: "))
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Choose what happened.")
    assert_accessible(page, "report form with errors")
    screenshot(page, "report-form-errors")
    page.keyboard.press("Tab")  # onto the summary's link
    page.keyboard.press("Enter")
    expect(page.locator("#reason-sexual_image_of_child")).to_be_focused()

    # Choose "someone is being mean to me" with the arrow keys inside the radio group.
    target = page.locator("#reason-bullying_me")
    for _ in range(10):
        if target.is_checked():
            break
        page.keyboard.press("ArrowDown")
    expect(target).to_be_checked()
    _tab_to(page, "#who-me")
    page.keyboard.press("Space")
    expect(page.locator("#who-me")).to_be_checked()
    _tab_to(page, "#details")
    page.keyboard.type("They keep calling me names in the comments.")
    _tab_to(page, "input[name=age]")
    for _ in range(6):
        if page.locator("#age-10_12").is_checked():
            break
        page.keyboard.press("ArrowRight")
    expect(page.locator("#age-10_12")).to_be_checked()
    _tab_to(page, "button.send")
    page.keyboard.press("Enter")

    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text("Thank you for telling us")
    expect(heading).to_be_focused()
    reference = page.locator("#reference-number").inner_text().strip()
    assert REFERENCE.match(reference), reference
    expect(page.get_by_text("You are not in trouble.")).to_be_visible()
    assert_accessible(page, "report confirmation")
    screenshot(page, "report-done")

    stored = _report(live_server, reference)
    assert (stored.reason_code, stored.reporter_age_band, stored.reporter_role) == ("bullying_me", "10_12", "victim")
    assert (stored.channel, stored.anonymous, stored.reporter_user_id) == ("web", True, None)
    assert stored.subject_platform_id == "post-kbd-1"
    assert stored.free_text == "They keep calling me names in the comments."

    # The status page answers with the reference alone, in child-friendly words.
    page.get_by_role("link", name="See what happens to my report").click()
    expect(page.locator("#status-title")).to_have_text("Waiting to be looked at")
    expect(page.get_by_role("link", name="Call 0800 1111")).to_be_visible()  # the country came along
    expect(page.get_by_text("Thank you for telling us. Your report is safe with us")).to_be_visible()
    assert_accessible(page, "report status")
    screenshot(page, "report-status")


def test_signed_in_child_can_stay_anonymous_and_the_helpline_follows_the_country(
        page: Page, live_server: LiveServer) -> None:
    token = sign_context(FORM_SECRET, uid="user-sam", age="13_15", country="DE", content_id="video-77")
    page.goto(f"/report?{urlencode({'ctx': token})}")
    expect(page.get_by_role("link", name="Call 116 111")).to_be_visible()  # Nummer gegen Kummer
    expect(page.locator("input[name=age]")).to_have_count(0)  # the platform already said how old
    page.get_by_label("Someone asked me for pictures of my body").check()
    page.get_by_label("Send it without my name").check()
    screenshot(page, "report-form-signed-in")
    page.get_by_role("button", name="Send my report").click()
    reference = page.locator("#reference-number").inner_text().strip()
    stored = _report(live_server, reference)
    assert (stored.anonymous, stored.reporter_user_id, stored.reporter_age_band) == (True, None, "13_15")
    assert (stored.reason_code, stored.subject_platform_id) == ("asked_for_nude_pictures", "video-77")


def test_form_fits_a_phone_screen(browser, live_server: LiveServer) -> None:
    phone = browser.new_context(base_url=live_server.url, viewport={"width": 375, "height": 740},
                                device_scale_factor=2, is_mobile=True, has_touch=True)
    try:
        tab = phone.new_page()
        tab.goto("/report?country=AU")
        width = tab.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"the form scrolls sideways on a phone ({width}px)"
        box = tab.locator("label[for=reason-bullying_me]").bounding_box()
        assert box and box["height"] >= 44, box  # a target a child's finger can hit
        screenshot(tab, "report-form-phone")
    finally:
        phone.close()


def test_a_platform_embeds_the_form_and_other_sites_cannot(context, live_server: LiveServer) -> None:
    """Inside the allowed platform's iframe the form works without any cookie; another site's frame stays empty."""
    src = quote(f"{live_server.url}/report?country=CA&content_id=embed-1", safe="")
    tab = context.new_page()  # not the checked `page`: the refused frame logs a CSP error on purpose
    try:
        tab.goto(f"{live_server.platform}/embed?src={src}")
        frame = tab.frame_locator("iframe")
        frame.get_by_label("Someone is tricking me or pushing me to pay").check()
        frame.get_by_role("button", name="Send my report").click()
        reference = frame.locator("#reference-number").inner_text().strip()
        assert REFERENCE.match(reference)
        assert _report(live_server, reference).subject_platform_id == "embed-1"
        assert context.cookies() == []  # nothing in the flow needed a (third-party) cookie
        screenshot(tab, "report-form-embedded")

        tab.goto(f"{live_server.stranger}/embed?src={src}")
        tab.wait_for_load_state()
        embedded = next(f for f in tab.frames if f is not tab.main_frame)
        assert embedded.locator("form.report-form").count() == 0  # refused by frame-ancestors
    finally:
        tab.close()
