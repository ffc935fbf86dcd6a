"""Realistic demo data: the situations a safety team meets in a week, all benign and synthetic.

Nothing here is abuse material or describes it explicitly; "suspected CSAM" reports point at
made-up content ids only.
"""

import random
from datetime import UTC, date, datetime, timedelta

from rich.console import Console
from rich.progress import Progress
from sqlalchemy.orm import Session

from childsafe import access, appeals, banks, cases, decisions, reports
from childsafe.audit import Actor
from childsafe.config import Settings
from childsafe.store import Database
from childsafe.vocabulary import AgeBand, Role

SYSTEM = Actor("demo", Role.ADMIN.value, "demo data")

_SCENARIOS = [
    # (reason, channel, reporter role, reporter age, subject type, content type, free text)
    ("bullying_me", "in_app", "victim", "10_12", "content", "text", "they keep calling me names in the group chat"),
    ("bullying_me", "in_app", "bystander", "13_15", "content", "image", "someone made a mean meme about my friend"),
    ("adult_asking_sexual_things", "in_app", "self", "13_15", "message_thread", "text",
     "a grown-up keeps asking me to keep our chats secret and move to another app"),
    ("adult_asking_sexual_things", "web", "parent_guardian", "adult", "account", None,
     "this account sends my daughter gifts and asks where she goes to school"),
    ("sexual_image_of_child", "web", "bystander", "unknown", "content", "image", None),
    ("threat_to_share_my_pictures", "in_app", "victim", "16_17", "message_thread", "text",
     "he says he'll post my photo unless I pay"),
    ("self_harm", "in_app", "bystander", "13_15", "content", "text", "my friend posted that she wants to disappear"),
    ("someone_in_danger_now", "in_app", "bystander", "16_17", "live_stream", "video",
     "he says he's going to do it tonight"),
    ("hate", "api", "trusted_flagger", "adult", "content", "text", None),
    ("adult_content", "in_app", "bystander", "10_12", "content", "video", "there was a rude video in the game lobby"),
    ("scam_or_pressure_to_buy", "in_app", "self", "10_12", "account", None,
     "they said I'd win gems if I gave my password"),
    ("shared_private_info", "in_app", "victim", "13_15", "content", "text", "someone posted my address"),
    ("violent_or_scary", "in_app", "bystander", "6_9", "content", "video", "a scary fighting video"),
    ("cant_stop_playing", "in_app", "self", "10_12", "content", "app", None),
    ("something_else", "email", "bystander", "adult", "content", "text", "this seems off"),
]


def populate(db: Database, settings: Settings, *, count: int = 60, seed: int = 7,
             console: Console | None = None) -> dict[str, str]:
    rng = random.Random(seed)
    with db.transaction() as session:
        tokens = {role.value: access.create_key(session, role, f"demo {role.value}", SYSTEM).token for role in Role}
        keys = {k.role: k.actor() for k in access.list_keys(session) if k.name.startswith("demo ")}
    service, moderator = keys[Role.SERVICE.value], keys[Role.MODERATOR.value]
    specialist = keys[Role.CHILD_SAFETY_SPECIALIST.value]
    decided: list[tuple[str, object]] = []
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("demo reports", total=count)
        for i in range(count):
            scenario = _SCENARIOS[i % len(_SCENARIOS)]
            subject_no = rng.randint(1, max(3, count // 2))  # some subjects get several reports
            with db.transaction() as session:
                reports.submit(session, _report(scenario, subject_no, rng), service, idempotency_key=f"demo-{i}")
            progress.advance(task)
    # Decide about a third of the open cases so queues, statements and appeals have content.
    with db.transaction() as session:
        open_cases = cases.list_cases(session, specialist, limit=500)
    for case in open_cases[: len(open_cases) // 3]:
        reviewer = specialist if case.child_safety else moderator
        with db.transaction() as session:
            cases.claim(session, case.id, reviewer, lock_minutes=settings.lock_minutes)
            decision = decisions.decide(session, case.id, _decision_for(case.category, rng), reviewer, settings)
            decided.append((decision.action, decision.id))
    appealable = [d for action, d in decided if action in ("remove", "suspend_temporary", "restrict_visibility")]
    for decision_id in appealable[:3]:
        with db.transaction() as session:
            appeal = appeals.AppealIn(decision_id=decision_id, appellant_role="affected_user",
                                      appellant_id="user-appellant", grounds="It was a joke between friends.",
                                      appellant_age_band=AgeBand.AGE_13_15)
            appeals.submit(session, appeal, service, settings)
    with db.transaction() as session:
        cases.comment(session, open_cases[-1].id, specialist if open_cases[-1].child_safety else moderator,
                      "Checked the account history: first report against it.")
        _demo_banks(session, specialist, rng)
    return tokens


def console_users(db: Database) -> dict[str, tuple[str, str]]:
    """One console user per role with a fresh random password, so `make run` has a usable console.
    Users that exist already (the demo ran before) keep their password and are left out."""
    import secrets

    from childsafe.console import auth
    from childsafe.errors import Conflict

    created = {}
    for username, role in (("moderator", Role.MODERATOR), ("specialist", Role.CHILD_SAFETY_SPECIALIST),
                           ("compliance", Role.COMPLIANCE), ("admin", Role.ADMIN)):
        password = "demo-" + secrets.token_urlsafe(12)
        try:
            with db.transaction() as session:
                auth.create_user(session, username=username, display_name=f"Demo {role.value.replace('_', ' ')}",
                                 role=role, password=password, actor=SYSTEM)
        except Conflict:
            continue
        created[role.value] = (username, password)
    return created


def _demo_banks(session: Session, actor: Actor, rng: random.Random) -> None:
    """A match bank of synthetic PDQ hashes and an empty allow bank: nothing in them depicts anything."""
    banks.create_bank(session, actor, name="demo-known", source="file",
                      description="Synthetic hashes for trying the API; replace with a real list under agreement")
    banks.create_bank(session, actor, name="demo-false-positives", kind="allow", threshold=16,
                      description="Known false positives: a hit here suppresses match-bank hits")
    entries = [banks.Entry(0, "pdq", f"{rng.getrandbits(256):064x}", f"demo-{i}") for i in range(1000)]
    banks.add_hashes(session, actor, "demo-known", entries, reason="demo data")


def _reporter(reason: str, role: str, age: str, rng: random.Random) -> dict[str, object]:
    if role == "trusted_flagger":
        return {"platform_user_id": "flagger-hotline-1", "name": "Example Hotline",
                "email": "reports@hotline.example", "role": "trusted_flagger", "age_band": "adult"}
    if reason == "sexual_image_of_child":
        return {"anonymous": True, "age_band": age, "role": role}
    return {"platform_user_id": f"user-{rng.randint(1000, 9999)}", "age_band": age, "role": role}


def _report(scenario: tuple[str, str, str, str, str, str | None, str | None], subject_no: int,
            rng: random.Random) -> reports.ReportIn:
    reason, channel, role, age, subject_type, content_type, text = scenario
    url = f"https://platform.example/{subject_type}/{subject_no}"
    subject: dict[str, object] = {
        "type": subject_type, "platform_id": f"{subject_type}-{subject_no}", "account_id": f"account-{subject_no % 17}",
        "url": url, "age_band": rng.choice(["adult", "unknown", "13_15", "16_17"]),
        "created_at": (datetime.now(UTC) - timedelta(hours=rng.randint(1, 200))).isoformat(),
    }
    if content_type:
        subject["content_type"] = content_type
    body: dict[str, object] = {"channel": "trusted_flagger" if role == "trusted_flagger" else channel,
                               "reporter": _reporter(reason, role, age, rng), "subject": subject, "reason": reason,
                               "free_text": text, "wants_updates": rng.random() < 0.5}
    if role == "trusted_flagger":
        body["notice"] = {"legal_basis": "illegal_content", "good_faith": True, "jurisdiction": "DE",
                          "explanation": "Incites hatred against a protected group (StGB s.130).",
                          "exact_location": url}
    return reports.ReportIn.model_validate(body)


def _decision_for(category: str, rng: random.Random) -> decisions.DecisionIn:
    if category in ("csam", "grooming", "sextortion", "sexting"):
        return decisions.DecisionIn(action="suspend_permanent", ground="illegal_content",
                                    policy_ground="Directive 2011/93/EU; 18 U.S.C. 2258A",
                                    explanation="Account used to contact minors for sexual purposes.")
    action = rng.choice(["remove", "no_violation", "restrict_visibility", "warn", "suspend_temporary"])
    end = date.today() + timedelta(days=7) if action == "suspend_temporary" else None
    return decisions.DecisionIn(action=action, policy_ground="Community Guidelines section 3 (respect)",
                                explanation="The post targets another user with repeated insults.", end_date=end)
