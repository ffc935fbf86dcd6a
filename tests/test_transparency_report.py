"""Daily console figures and the DSA transparency report, checked against hand-computed values on a
small synthetic dataset written straight into the capabilities' tables (times must be controlled)."""

import csv
import io
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape

from childsafe.appeals import Appeal
from childsafe.audit import Actor
from childsafe.cases import Case
from childsafe.decisions import Decision
from childsafe.errors import InvalidInput
from childsafe.referrals import requests as le_requests
from childsafe.reports import Report
from childsafe.store import Database
from childsafe.transparency import DayFigures, daily, report
from childsafe.vocabulary import Role

D1, D2 = date(2026, 3, 2), date(2026, 3, 3)
COMPLIANCE_ACTOR = Actor("officer-1", Role.COMPLIANCE.value)


def at(day: date, hour: float) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(hours=hour)


class Seed:
    """Builds rows with chosen times; every other column gets a plausible value."""

    def __init__(self, session: Any) -> None:
        self.session = session

    def case(self, created: datetime, first_action: datetime | None, *, category: str = "cyberbullying",
             reports: bool = True, automated: bool = False) -> Case:
        case = Case(subject_key=uuid.uuid4().hex, subject_type="content", subject_platform_id=uuid.uuid4().hex,
                    category=category, queue="general", priority=3, sla_due_at=created + timedelta(days=1),
                    status="decided" if first_action else "open", has_reports=reports,
                    has_automated_signal=automated, created_at=created, updated_at=created,
                    first_action_at=first_action, child_safety=category in ("csam", "grooming"))
        self.session.add(case)
        self.session.flush()
        return case

    def report(self, case: Case, received: datetime, outcome_at: datetime | None = None, *,
               channel: str = "in_app", role: str = "victim") -> Report:
        report = Report(reference=uuid.uuid4().hex[:20], request_sha256="0" * 64, received_at=received,
                        submitted_by="svc", channel=channel, anonymous=False, reporter_user_id="reporter-secret",
                        reporter_age_band="10_12", reporter_role=role, subject_type="content",
                        subject_platform_id=case.subject_platform_id, subject={}, reason_code="bullying_me",
                        category=case.category, case_id=case.id, outcome="action_taken" if outcome_at else None,
                        outcome_at=outcome_at, notice=None)
        self.session.add(report)
        return report

    def decision(self, case: Case, decided: datetime, action: str = "remove", *, reverted: bool = False,
                 source: str = "SOURCE_TYPE_OTHER_NOTIFICATION", automated_detection: bool = False) -> Decision:
        restricting = action in ("remove", "restrict_visibility", "age_gate", "suspend_temporary",
                                 "suspend_permanent")
        statement = {"source_type": source, "automated_detection": "Yes" if automated_detection else "No"}
        decision = Decision(case_id=case.id, action=action, category=case.category, ground="terms",
                            decided_by="mod-1", decided_by_role="moderator", decided_at=decided,
                            affected_age_band="adult", statement=statement if restricting else None,
                            status="reverted" if reverted else "in_force",
                            reverted_at=decided + timedelta(days=3) if reverted else None)
        self.session.add(decision)
        self.session.flush()
        return decision

    def appeal(self, decision: Decision, submitted: datetime, decided: datetime | None = None,
               outcome: str | None = None, *, role: str = "affected_user") -> Appeal:
        appeal = Appeal(decision_id=decision.id, case_id=decision.case_id, child_safety=False, appellant_role=role,
                        appellant_key="k", appellant_age_band="adult", grounds="g", submitted_at=submitted,
                        submitted_by="svc", status="decided" if decided else "open", outcome=outcome,
                        decided_at=decided, decided_by="mod-2" if decided else None)
        self.session.add(appeal)
        return appeal


def seed_days(db: Database) -> None:
    """Two days of activity and one day outside the period (D2 + 1), which must never be counted."""
    with db.transaction() as session:
        s = Seed(session)
        # D1: three cases first acted on after 1, 3 and 8 hours (median 3); four reports received.
        c1 = s.case(at(D1, 0), at(D1, 1))
        c2 = s.case(at(D1, 1), at(D1, 4), category="hate")
        c3 = s.case(at(D1, 2), at(D1, 10))
        for case in (c1, c1, c2, c3):
            s.report(case, at(D1, 0.5), at(D1, 12))
        r1 = s.decision(c1, at(D1, 1), reverted=True)  # restricting, later reverted on appeal
        r2 = s.decision(c2, at(D1, 4))  # restricting
        s.decision(c3, at(D1, 10), "no_violation")
        s.decision(c3, at(D1, 9), "escalate")  # not a decision on the content: not counted
        # D2: two cases acted on after 2 and 5 hours (median 3.5); one report.
        c4 = s.case(at(D1, 23), at(D2, 1))
        c5 = s.case(at(D2, 2), at(D2, 7), category="hate")
        s.report(c5, at(D2, 2))
        r3 = s.decision(c4, at(D2, 1), "suspend_temporary", reverted=True)
        s.decision(c5, at(D2, 7), "warn")
        # Appeals decided: D1 one upheld; D2 two overturned (r1, r3) and one upheld (r2).
        s.appeal(r2, at(D1, 5), at(D1, 20), "upheld")
        s.appeal(r1, at(D1, 2), at(D2, 2), "overturned")
        s.appeal(r3, at(D2, 2), at(D2, 6), "overturned")
        s.appeal(r2, at(D2, 3), at(D2, 9), "upheld", role="reporter")
        # Outside the period.
        c6 = s.case(at(D2 + timedelta(days=1), 0), at(D2 + timedelta(days=1), 1))
        s.report(c6, at(D2 + timedelta(days=1), 0))
        s.appeal(s.decision(c6, at(D2 + timedelta(days=1), 1)), at(D2 + timedelta(days=1), 2),
                 at(D2 + timedelta(days=1), 3), "overturned")


def test_daily_figures_match_hand_computed_values(db: Database) -> None:
    seed_days(db)
    with db.transaction() as session:
        days = daily(session, D1 - timedelta(days=1), D2)
    assert [d.day for d in days] == [D1 - timedelta(days=1), D1, D2]
    assert days[0] == DayFigures(D1 - timedelta(days=1), 0, 0, 0, None, 0, 0, None, None)
    first, second = days[1], days[2]
    assert (first.reports, first.decisions, first.restricting_decisions) == (4, 3, 2)
    assert first.median_hours_to_first_action == pytest.approx(3.0, abs=1e-4)
    assert (first.appeals_decided, first.appeals_overturned, first.overturn_rate) == (1, 0, 0.0)
    assert first.overblocking_rate == pytest.approx(0.5, abs=1e-4)  # r1 of {r1, r2} reversed later
    assert (second.reports, second.decisions, second.restricting_decisions) == (1, 2, 1)
    assert second.median_hours_to_first_action == pytest.approx(3.5, abs=1e-4)  # mean of the middle two (2, 5)
    assert (second.appeals_decided, second.appeals_overturned) == (3, 2)
    assert second.overturn_rate == pytest.approx(2 / 3, abs=1e-4)
    assert second.overblocking_rate == pytest.approx(1.0, abs=1e-4)


def test_daily_refuses_a_backwards_period(db: Database) -> None:
    with db.transaction() as session, pytest.raises(InvalidInput):
        daily(session, D2, D1)


def seed_own_initiative(db: Database) -> None:
    """A hash match on D2 (automated, no report) acted on after 2 hours by removing the content."""
    with db.transaction() as session:
        s = Seed(session)
        c7 = s.case(at(D2, 10), at(D2, 12), category="csam", reports=False, automated=True)
        decision = s.decision(c7, at(D2, 12), source="SOURCE_VOLUNTARY", automated_detection=True)
        decision.ground = "illegal_content"


@pytest.fixture
def seeded(db: Database) -> Database:
    seed_days(db)
    seed_own_initiative(db)
    with db.transaction() as session:
        le_requests.register(session, le_requests.RequestIn(
            received_at=at(D1, 3), authority="Bundeskriminalamt", country="DE", kind="order_to_provide_information",
            legal_basis="StPO 100g", requested="subscriber data for one account"), COMPLIANCE_ACTOR)
    return db


def build(db: Database) -> report.TransparencyReport:
    with db.transaction() as session:
        return report.build(session, D1, D2, platform="Example Platform")


def test_report_figures_match_hand_computed_values(seeded: Database) -> None:
    built = build(seeded)
    f = built.figure
    # A. orders
    assert f("A", "orders_received", route="DE", detail="order_to_provide_information") == 1
    # B. notices: five received (4 on D1, 1 on D2), four decided 11.5 h after receipt; one pending.
    assert f("B", "notices_received", category="") == 5
    assert f("B", "notices_actioned", category="") == 4
    assert f("B", "median_hours_to_outcome", category="") == pytest.approx(11.5, abs=0.01)
    assert f("B", "notices_received", category="cyberbullying", route="other") == 3
    assert f("B", "notices_pending", category="hate", route="other") == 1
    # C. own initiative: the hash match, and the removal it led to.
    assert f("C", "own_initiative_cases", category="") == 1
    assert f("C", "own_initiative_cases", category="csam", route="own_initiative_automated") == 1
    assert f("C", "own_initiative_measures", category="csam", action="remove", ground="illegal_content",
             automation="automated_detection_human_decision") == 1
    # D. measures: six decisions (escalation excluded), four restricting; first action after 1,2,2,3,5,8 hours.
    assert f("D", "decisions", category="") == 6
    assert f("D", "restricting_decisions") == 4
    assert f("D", "median_hours_to_first_action", category="") == pytest.approx(2.5, abs=0.01)
    assert f("D", "reversed_on_appeal", category="cyberbullying", action="suspend_temporary",
             route="SOURCE_TYPE_OTHER_NOTIFICATION", automation="human") == 1
    # E. complaints: decided after 15, 24, 4 and 6 hours; two reversed, both about cyberbullying.
    assert [f("E", m, category="") for m in ("complaints_received", "complaints_decided", "decisions_upheld",
                                              "decisions_reversed")] == [4, 4, 2, 2]
    assert f("E", "median_hours_to_decide", category="") == pytest.approx(10.5, abs=0.01)
    assert f("E", "reversal_rate", category="cyberbullying") == 1.0
    assert f("E", "reversal_rate", category="hate") == 0.0
    assert f("E", "decisions_upheld", category="hate", action="remove", detail="reporter") == 1
    # F. automation: five human decisions, two reversed; one with automated detection, none reversed.
    assert f("F", "decisions", automation="human") == 5
    assert f("F", "error_rate_indicator", automation="human") == pytest.approx(0.4)
    assert f("F", "decisions", automation="automated_detection_human_decision") == 1
    assert f("F", "decisions", automation="fully_automated") == 0
    # G. suspensions
    assert f("G", "suspensions", category="") == 1
    assert f("G", "reversed_on_appeal", category="cyberbullying", action="suspend_temporary", ground="terms") == 1
    # I. nothing queued for the TDB yet
    assert f("I", "statements_of_reasons", detail="pending") == 0


def test_report_csv_parses_with_the_template_headings(seeded: Database) -> None:
    text = report.to_csv(build(seeded))
    rows = list(csv.DictReader(io.StringIO(text)))
    assert tuple(rows[0]) == report.CSV_COLUMNS
    headings = {r["heading"] for r in rows}
    assert {"Orders from Member States' authorities", "Notices submitted in accordance with Article 16",
            "Content moderation engaged in at the provider's own initiative",
            "Complaints received through the internal complaint-handling system", "Suspensions imposed",
            "Use of automated means for content moderation",
            "Statements of reasons submitted to the DSA Transparency Database"} <= headings
    csam = [r for r in rows if r["category"] == "csam"]
    assert csam and all(r["dsa_category"] == "STATEMENT_CATEGORY_PROTECTION_OF_MINORS" for r in csam)
    total = next(r for r in rows if r["metric"] == "notices_received" and not r["category"])
    assert total["value"] == "5"


def test_report_html_renders_every_section_escaped(seeded: Database) -> None:
    built = build(seeded)
    html = report.to_html(built)
    for section in built.sections:
        assert f"{section.code}. {escape(section.heading)}" in html
    assert "Orders from Member States&#39; authorities" in html
    assert "<td>csam</td>" in html


def test_report_api_formats_and_roles(client: TestClient, keys: dict[str, dict[str, str]], seeded: Database) -> None:
    params = {"from": D1.isoformat(), "to": D2.isoformat()}
    as_csv = client.get("/v1/transparency/report", params=params | {"format": "csv"}, headers=keys["compliance"])
    assert as_csv.status_code == 200 and as_csv.headers["content-type"].startswith("text/csv")
    assert "attachment" in as_csv.headers["content-disposition"]
    assert next(csv.reader(io.StringIO(as_csv.text))) == list(report.CSV_COLUMNS)
    as_html = client.get("/v1/transparency/report", params=params | {"format": "html"}, headers=keys["compliance"])
    assert as_html.status_code == 200 and "<h1>Transparency report" in as_html.text
    as_json = client.get("/v1/transparency/report", params=params, headers=keys["compliance"]).json()
    assert [s["code"] for s in as_json["sections"]] == list("ABCDEFGHI")
    daily_figures = client.get("/v1/transparency/daily", params=params, headers=keys["compliance"]).json()
    assert [d["reports"] for d in daily_figures] == [4, 1]
    refused = client.get("/v1/transparency/report", params=params, headers=keys["moderator"])
    assert refused.status_code == 403


BAD_PERIODS = [({"from": "2026-03-05", "to": "2026-03-01"}, "to"), ({"from": "2026-02-30"}, "from"),
               ({"from": "1900-01-01", "to": "2026-01-01"}, "from"), ({"to": "9999-12-31", "from": "2026-01-01"}, "to"),
               ({"format": "xlsx"}, "format")]


def test_report_bad_input_is_a_problem(client: TestClient, keys: dict[str, dict[str, str]]) -> None:
    for path in ("/v1/transparency/report", "/v1/transparency/daily"):
        for params, field in BAD_PERIODS:
            if path.endswith("daily") and field == "format":
                continue
            response = client.get(path, params=params, headers=keys["compliance"])
            assert response.status_code == 422, (path, params, response.text)
            assert response.headers["content-type"].startswith("application/problem+json")
            assert field in response.text


def test_cli_writes_the_report(seeded: Database, db_url: str, tmp_path: Path,
                               monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from childsafe.cli.main import app
    from childsafe.config import get_settings

    monkeypatch.setenv("CHILDSAFE_DATABASE_URL", db_url)
    get_settings.cache_clear()
    out = tmp_path / "report.csv"
    result = CliRunner().invoke(app, ["transparency", "report", "--from", D1.isoformat(), "--to", D2.isoformat(),
                                      "--format", "csv", "--out", str(out)])
    get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.open()))
    assert next(r for r in rows if r["metric"] == "decisions" and not r["category"])["value"] == "6"
