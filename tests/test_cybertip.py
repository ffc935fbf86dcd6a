"""CyberTipline reports: XML order and enumerations, completeness holds and overrides, approval, the
submit -> upload -> fileinfo -> finish flow against a fake ISPWS (with injected failures), retract,
the content sealed in the evidence vault (no personal data in the report row, a locked vault refuses
the draft, every read audited), and the API. Runs on SQLite and PostgreSQL."""

import hashlib
import threading
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from childsafe import audit, evidence, jobs
from childsafe.audit import Actor
from childsafe.config import Settings
from childsafe.errors import Conflict, Forbidden, InvalidInput
from childsafe.referrals import cybertip
from childsafe.referrals.cybertip.schema import (
    EMAIL_TYPES,
    INCIDENT_TYPES,
    IP_EVENT_NAMES,
    check,
    parse,
)
from childsafe.store import utcnow
from childsafe.vocabulary import RiskCategory, Role
from cybertip_support import (
    POSTED,
    SERVICE,
    SPECIALIST,
    complete_case,
    cybertip_settings,
    open_case,
    preserve_account,
    preserve_images,
)
from fakes.ncmec import FakeNcmec, check_document

MODERATOR = Actor("mod-1", Role.MODERATOR.value, "Moderator")
REPORT_ORDER = ["incidentSummary", "internetDetails", "lawEnforcement", "reporter", "personOrUserReported",
                "intendedRecipient", "victim", "additionalInfo"]
FILE_ORDER = ["reportId", "fileId", "originalFileName", "locationOfFile", "fileViewedByEsp", "exifViewedByEsp",
              "publiclyAvailable", "fileRelevance", "fileAnnotations", "industryClassification", "originalFileHash",
              "ipCaptureEvent", "deviceId", "details", "additionalInfo"]


@pytest.fixture
def fake() -> Iterator[FakeNcmec]:
    server = FakeNcmec().start()
    yield server
    server.stop()


@pytest.fixture
def settings(settings: Settings, tmp_path: Path, fake: FakeNcmec) -> Settings:
    """The conftest settings with a vault, NCMEC credentials and the fake's address (the app uses these too)."""
    return cybertip_settings(settings, tmp_path, fake.url)


def _in_order(tags: list[str], order: list[str]) -> bool:
    positions = [order.index(tag) for tag in tags]
    return positions == sorted(positions)


def _draft(db, settings, case_id, **options: Any) -> uuid.UUID:  # type: ignore[no-untyped-def]
    with db.transaction() as session:
        return cybertip.create_draft(session, case_id, SPECIALIST, settings, cybertip.DraftOptions(**options)).id


def _approved(db, settings, **options: Any) -> uuid.UUID:  # type: ignore[no-untyped-def]
    with db.transaction() as session:
        case_id = complete_case(session)
    report_id = _draft(db, settings, case_id, **options)
    with db.transaction() as session:
        cybertip.approve(session, report_id, SPECIALIST)
    return report_id


def _submitted(db, settings, **options: Any) -> uuid.UUID:  # type: ignore[no-untyped-def]
    report_id = _approved(db, settings, **options)
    with db.transaction() as session:
        cybertip.submit(session, report_id, SPECIALIST, settings)
    return report_id


def _report(db, report_id: uuid.UUID) -> cybertip.CybertipReport:  # type: ignore[no-untyped-def]
    with db.transaction() as session:
        report = session.get(cybertip.CybertipReport, report_id)
        session.expunge(report)
        return report


# --- the documents --------------------------------------------------------------------------------

def test_report_xml_keeps_ncmec_order_and_enumerations(db, settings):
    with db.transaction() as session:
        case_id = complete_case(session)
    report_id = _draft(db, settings, case_id, escalate="The child appears to be in immediate danger.",
                       prior_reports=(1234567,), classifications={}, publicly_available=False)
    with db.transaction() as session:
        report = cybertip.get(session, report_id, SPECIALIST)
        content = cybertip.read_content(session, report, SPECIALIST, reason="check the report")
        xml, problems = cybertip.preview(content)
        items = evidence.items(session, case_id)
    assert problems == [] and check(xml) == []
    root = parse(xml)
    tags = [child.tag for child in root]
    assert tags[0] == "incidentSummary" and "reporter" in tags and _in_order(tags, REPORT_ORDER)
    summary = [child.tag for child in root.find("incidentSummary")]
    assert summary == ["incidentType", "escalateToHighPriority", "incidentDateTime", "incidentDateTimeDescription"]
    assert root.findtext("incidentSummary/incidentType") in INCIDENT_TYPES
    assert root.findtext("incidentSummary/incidentType").startswith("Child Pornography")
    assert root.findtext("incidentSummary/incidentDateTime") == POSTED.isoformat()
    reporter = root.find("reporter/reportingPerson")
    assert [c.tag for c in reporter] == ["firstName", "lastName", "email"]
    assert reporter.find("email").get("type") in EMAIL_TYPES
    reported = root.find("personOrUserReported")
    reported_tags = [c.tag for c in reported]
    assert reported_tags[:4] == ["personOrUserReportedPerson", "espIdentifier", "espService", "screenName"]
    assert reported.findtext("espIdentifier") == "acct-9" and reported.findtext("screenName") == "offending_user"
    email = reported.find("personOrUserReportedPerson/email")
    assert email.text == "offender@mail.example" and email.get("verified") == "true"
    events = reported.findall("ipCaptureEvent")
    assert [e.findtext("eventName") for e in events] == ["Login", "Upload"]
    assert all(e.findtext("eventName") in IP_EVENT_NAMES for e in events)
    assert [c.tag for c in events[0]] == ["ipAddress", "eventName", "dateTime", "port"]
    assert events[0].findtext("port") == "51234" and events[1].findtext("ipAddress") == "2001:db8::5"
    assert reported.findtext("priorCTReports") == "1234567"
    assert reported_tags.index("ipCaptureEvent") < reported_tags.index("priorCTReports")
    assert root.find("internetDetails/webPageIncident/url").text == "https://platform.example/p/1"

    media = [i for i in items if i.kind == "media"]
    entry = content["files"][0]
    details = parse(cybertip.file_details_xml("4564654", "abc123", entry | {"classification": "B2"}))
    detail_tags = [c.tag for c in details]
    assert _in_order(detail_tags, FILE_ORDER) and detail_tags[:3] == ["reportId", "fileId", "originalFileName"]
    assert details.findtext("originalFileName") == media[0].filename
    assert details.findtext("fileViewedByEsp") == "false" and details.findtext("publiclyAvailable") == "false"
    assert details.findtext("industryClassification") == "B2"
    hashes = {h.get("hashType"): h.text for h in details.findall("originalFileHash")}
    assert hashes == {"MD5": media[0].md5, "SHA256": media[0].sha256, "PDQ": media[0].pdq}


def test_checker_refuses_order_enumeration_and_required_field_errors():
    good = (b"<report><incidentSummary><incidentType>Child Sex Trafficking</incidentType>"
            b"<incidentDateTime>2026-01-01T00:00:00+00:00</incidentDateTime></incidentSummary>"
            b"<reporter><reportingPerson><email>a@b.example</email></reportingPerson></reporter></report>")
    assert check(good) == []
    swapped = good.replace(b"<incidentType>Child Sex Trafficking</incidentType>", b"").replace(
        b"</incidentDateTime>", b"</incidentDateTime><incidentType>Child Sex Trafficking</incidentType>")
    assert any("out of order" in p for p in check(swapped))
    assert any("is not one of" in p for p in check(good.replace(b"Child Sex Trafficking", b"Spam")))
    assert any("reportingPerson: required element <email>" in p
               for p in check(good.replace(b"<email>a@b.example</email>", b"")))
    assert any("must be in the past" in p for p in check(good.replace(b"2026-01-01", b"2999-01-01")))
    assert any("time zone" in p for p in check(good.replace(b"+00:00", b"")))
    reporter_first = good.replace(b"<reporter>", b"<X>").replace(b"</reporter>", b"</X>")
    assert any("unknown element <X>" in p for p in check(reporter_first))
    assert check(b"<!DOCTYPE x [<!ENTITY a 'b'>]><report/>")[0].startswith("not well-formed")
    assert any("exactly one" in p for p in check(good.replace(b"</incidentSummary>",
                                                               b"</incidentSummary><internetDetails/>")))



def test_the_fake_refuses_mistakes_by_its_own_reading_of_the_schema(db, settings, fake):
    """The fake's element order, required fields and enumerations are its own (not the code's), so a
    mistake in the builder or the checker cannot pass both."""
    report_id = _approved(db, settings)
    with db.transaction() as session:
        report = cybertip.get(session, report_id, SPECIALIST)
        content = cybertip.read_content(session, report, SPECIALIST, reason="check the fake")
    document = cybertip.report_xml(content)
    assert check_document(document, "report") == []
    root = parse(document)
    reporter = root.find("reporter")
    root.remove(reporter)
    root.insert(0, reporter)  # reporter before incidentSummary
    assert any("out of sequence" in p for p in check_document(ET.tostring(root), "report"))
    wrong_type = document.replace(b"Child Pornography (possession, manufacture, and distribution)", b"CSAM")
    assert any("incidentType" in p for p in check_document(wrong_type, "report"))
    no_email = parse(document)
    person = no_email.find("reporter/reportingPerson")
    person.remove(person.find("email"))
    assert any("reportingPerson/email" in p for p in check_document(ET.tostring(no_email), "report"))
    details = cybertip.file_details_xml("4564654", "abc", content["files"][0] | {"classification": "B2"})
    assert check_document(details, "fileDetails") == []
    assert any("industryClassification" in p
               for p in check_document(details.replace(b">B2<", b">C9<"), "fileDetails"))
    assert check_document(details.replace(b"<reportId>4564654</reportId>", b""), "fileDetails")
    with (cybertip.IspwsClient(fake.url, fake.username, fake.password) as client,
          pytest.raises(cybertip.NcmecRejected, match="4100")):
        client.submit(wrong_type)


# --- completeness and approval -----------------------------------------------------------------

def test_incomplete_report_is_held_until_a_specialist_overrides_with_a_reason(db, settings):
    with db.transaction() as session:
        case_id = open_case(session, account=None, posted=None)
    report_id = _draft(db, settings, case_id)
    report = _report(db, report_id)
    assert {m["code"] for m in report.missing} == {"reported_user_identifier", "file_hashes", "incident_time",
                                                   "ip_events"}
    with db.transaction() as session, pytest.raises(Conflict, match="held") as held:
        cybertip.approve(session, report_id, SPECIALIST)
    assert held.value.field == "override_reason"
    with db.transaction() as session, pytest.raises(Conflict, match="approve it before"):
        cybertip.submit(session, report_id, SPECIALIST, settings)
    with db.transaction() as session:
        cybertip.approve(session, report_id, SPECIALIST, override_reason="Imminent risk; account data follows.")
    report = _report(db, report_id)
    assert report.status == "approved" and report.override_reason == "Imminent risk; account data follows."
    with db.transaction() as session:
        overrides = [e for e in audit.entries(session, object_id=str(report_id))
                     if e.action == "cybertip.completeness_overridden"]
    assert len(overrides) == 1 and overrides[0].reason == "Imminent risk; account data follows."
    assert set(overrides[0].details["missing"]) == {"reported_user_identifier", "file_hashes", "incident_time",
                                                    "ip_events"}


def test_completeness_follows_the_evidence_and_the_ip_setting(db, settings):
    with db.transaction() as session:
        case_id = open_case(session)
        preserve_account(session, case_id, with_ips=False)
        preserve_images(session, case_id, 1)
    report = _report(db, _draft(db, settings, case_id))
    assert [m["code"] for m in report.missing] == ["ip_events"]
    no_ip_platform = settings.model_copy(update={"ncmec_records_ips": False})
    report = _report(db, _draft(db, no_ip_platform, case_id))
    assert report.missing == []
    no_reporter = settings.model_copy(update={"ncmec_reporter_email": None})
    report_id = _draft(db, no_reporter, case_id)
    with db.transaction() as session, pytest.raises(Conflict, match="cannot be sent without"):
        cybertip.approve(session, report_id, SPECIALIST, override_reason="we know")


def test_only_specialists_act_and_unreportable_categories_are_refused(db, settings):
    with db.transaction() as session:
        case_id = complete_case(session, images=1)
        bullying = open_case(session, RiskCategory.CYBERBULLYING)
    with db.transaction() as session, pytest.raises(Forbidden):
        cybertip.create_draft(session, case_id, MODERATOR, settings)
    with db.transaction() as session, pytest.raises(InvalidInput, match="not reportable"):
        cybertip.create_draft(session, bullying, SPECIALIST, settings)
    report_id = _draft(db, settings, case_id)
    for call in (lambda s: cybertip.approve(s, report_id, MODERATOR),
                 lambda s: cybertip.submit(s, report_id, MODERATOR, settings),
                 lambda s: cybertip.retract(s, report_id, SERVICE)):
        with db.transaction() as session, pytest.raises(Forbidden):
            call(session)


# --- the submission flow -------------------------------------------------------------------------

def test_full_flow_submits_each_step_once_against_the_fake(db, settings, fake):
    report_id = _submitted(db, settings, classifications={})
    assert cybertip.advance(db, settings, report_id) == "submitted"
    assert fake.calls == {"submit": 1, "upload": 2, "fileinfo": 2, "finish": 1}
    assert fake.rejections == []
    [remote] = fake.finished_reports()
    report = _report(db, report_id)
    assert report.status == "submitted" and report.ncmec_report_id == str(remote.id)
    assert report.xml_sha256 == hashlib.sha256(remote.xml).hexdigest()
    with db.transaction() as session:  # an immutable, encrypted copy of what NCMEC received
        [copy] = [i for i in evidence.items(session, report.case_id) if i.kind == "other_record"]
        kept = evidence.read_record(session, copy.id, actor=SPECIALIST, reason="check the submitted copy")
    assert kept["report_xml"].encode() == remote.xml and kept["ncmec_report_id"] == str(remote.id)
    with db.transaction() as session:
        items = {i.md5: i for i in evidence.items(session, report.case_id) if i.kind == "media"}
        rows = cybertip.files(session, report_id)
    assert {f["md5"] for f in remote.files.values()} == set(items)  # the original bytes, decrypted
    for row in rows:
        remote_file = remote.files[row.ncmec_file_id]
        details = parse(remote_file["details"])
        assert details.findtext("originalFileName") == remote_file["name"] == items[remote_file["md5"]].filename
        assert details.findtext("fileViewedByEsp") == "false"  # nobody at the platform looked at it
    assert cybertip.advance(db, settings, report_id) == "submitted"  # a repeated job sends nothing more
    assert sum(fake.calls.values()) == 6
    with db.transaction() as session:
        actions = [e.action for e in audit.entries(session, object_id=str(report_id))]
        reads = [e for e in audit.entries(session, action="evidence.read") if e.actor_role == "system"]
    media_reads = [e for e in reads if e.details["kind"] == "media"]
    content_reads = [e for e in reads if e.details["kind"] == evidence.REFERRAL_CONTENT]
    assert "cybertip.opened" in actions and "cybertip.submitted" in actions
    assert len(media_reads) == 2 and all(e.actor.startswith(f"cybertip:{SPECIALIST.id}") for e in media_reads)
    assert [(e.object_id, e.reason) for e in content_reads] == [(str(report.content_id), "CyberTipline submission")]
    with db.transaction() as session:  # the upload was automated: it does not count as a person viewing
        assert not any(i.viewed_by_person for i in evidence.items(session, report.case_id))


def test_transient_failures_are_retried_and_a_dropped_finish_is_not_repeated(db, settings, fake):
    report_id = _submitted(db, settings)
    fake.fail("submit", "500", times=2)
    quick = settings.model_copy(update={"ncmec_timeout_seconds": 0.4})
    fake.fail("upload", "timeout", times=1, delay=0.7)  # longer than the client's timeout
    fake.fail("fileinfo", "500", times=1)
    fake.fail("finish", "drop_after", times=1)  # NCMEC finished it, the answer was lost
    assert cybertip.advance(db, quick, report_id) == "submitted"
    assert fake.requests["submit"] == 3 and fake.calls["submit"] == 1
    assert fake.requests["upload"] == 3 and fake.calls["upload"] == 2  # the timed-out upload was sent again
    assert fake.requests["finish"] == 2 and fake.calls["finish"] == 1  # the retry was told 5102: already done
    assert len(fake.finished_reports()) == 1
    assert _report(db, report_id).status == "submitted"


def test_a_long_outage_goes_back_to_the_outbox_and_resumes(db, settings, fake):
    report_id = _approved(db, settings)
    cybertip.bind(db, settings)
    with db.transaction() as session:
        cybertip.submit(session, report_id, SPECIALIST, settings)
        cybertip.submit(session, report_id, SPECIALIST, settings)  # a second click queues nothing more
    fake.fail("upload", "500", times=3)
    with db.transaction() as session:
        [job] = [j for j in jobs.outbox.jobs_of_kind(session, cybertip.JOB)]
    assert jobs.run_job(db, job.id) is False  # three quick tries failed: back to the outbox, with backoff
    report = _report(db, report_id)
    assert report.status == "submitting" and report.ncmec_report_id is not None and "upload" in report.last_error
    with db.transaction() as session:
        job = session.get(jobs.Job, job.id)
        assert job.status == "pending" and job.attempts == 1 and job.available_at > job.created_at
        job.available_at = job.created_at  # the backoff has passed
    assert jobs.run_due(db) == 1
    assert _report(db, report_id).status == "submitted"
    assert fake.calls == {"submit": 1, "upload": 2, "fileinfo": 2, "finish": 1}


def test_ncmec_refusal_is_permanent_and_an_opened_report_is_retracted(db, settings, fake):
    report_id = _submitted(db, settings)
    fake.fail("upload", "reject")
    assert cybertip.advance(db, settings, report_id) == "rejected"
    report = _report(db, report_id)
    assert report.status == "rejected" and "HTTP 400" in report.last_error and "4100" in report.last_error
    assert fake.requests["upload"] == 1  # a refusal is never retried
    [remote] = fake.reports.values()
    assert remote.retracted and not remote.finished and fake.calls["retract"] == 1  # no half report left open
    assert report.retracted_at is not None and report.ncmec_report_id == str(remote.id)


def _alerts(db, report_id: uuid.UUID) -> list[audit.AuditEntry]:  # type: ignore[no-untyped-def]
    with db.transaction() as session:
        return [e for e in audit.entries(session, object_id=str(report_id)) if e.action == "cybertip.operator_alert"]


def test_refused_credentials_keep_the_report_queued_for_an_operator(db, settings, fake):
    wrong = settings.model_copy(update={"ncmec_password": "not-the-password"})
    report_id = _approved(db, settings)
    cybertip.bind(db, wrong)
    with db.transaction() as session:
        cybertip.submit(session, report_id, SPECIALIST, wrong)
        [job] = jobs.outbox.jobs_of_kind(session, cybertip.JOB)
    assert jobs.run_job(db, job.id) is False  # not rejected: back to the outbox with its backoff
    report = _report(db, report_id)
    assert report.status == "submitting" and "HTTP 401" in report.last_error and "2000" in report.last_error
    assert fake.calls == {} and fake.requests["submit"] == 1  # no quick retries of a refused login
    [alert] = _alerts(db, report_id)
    assert "HTTP 401" in alert.reason and "offender" not in alert.reason + str(alert.details)
    with db.transaction() as session:
        job = session.get(jobs.Job, job.id)
        assert job.status == "pending" and job.available_at > job.created_at
        job.available_at = job.created_at
    cybertip.bind(db, settings)  # the operator fixed the password
    assert jobs.run_due(db) == 1
    assert _report(db, report_id).status == "submitted" and fake.calls["finish"] == 1


def test_missing_credentials_keep_the_report_queued_until_configured(db, settings, fake):
    report_id = _submitted(db, settings)
    unconfigured = settings.model_copy(update={"ncmec_username": None})
    with pytest.raises(cybertip.NcmecNotAuthorised, match="credentials"):
        cybertip.advance(db, unconfigured, report_id)
    assert cybertip.run_pending(db, unconfigured)[str(report_id)].startswith("retry later")
    report = _report(db, report_id)
    assert report.status == "submitting" and "credentials are not configured" in report.last_error
    assert report.lease_until is None and fake.requests == {}
    assert len(_alerts(db, report_id)) == 2
    assert cybertip.advance(db, settings, report_id) == "submitted"
    assert fake.calls == {"submit": 1, "upload": 2, "fileinfo": 2, "finish": 1}


def test_preservation_runs_a_year_from_the_report_to_ncmec(db, settings, fake):
    with db.transaction() as session:
        case_id = complete_case(session)
        for hold in evidence.holds(session, case_id):  # the case's hold is 300 days old
            evidence.release_hold(session, hold.id, actor=SPECIALIST, reason="replaced by an older hold")
        evidence.place_hold(session, case_id, actor=SPECIALIST, reason="first preserved 300 days ago",
                            started_at=utcnow() - timedelta(days=300))
    report_id = _draft(db, settings, case_id)
    with db.transaction() as session:
        cybertip.approve(session, report_id, SPECIALIST)
        cybertip.submit(session, report_id, SPECIALIST, settings)
    assert cybertip.advance(db, settings, report_id) == "submitted"
    report = _report(db, report_id)
    with db.transaction() as session:
        active = [h for h in evidence.holds(session, case_id) if h.status == "active"]
        placed = audit.entries(session, action="evidence.hold_placed")
    assert max(h.expires_at for h in active) >= report.finished_at + timedelta(days=365)
    [new] = [h for h in active if h.started_at == report.finished_at]
    assert report.ncmec_report_id in new.reason and new.placed_by.startswith("cybertip:")
    assert any(e.object_id == str(new.id) for e in placed)  # audited
    assert cybertip.advance(db, settings, report_id) == "submitted"
    with db.transaction() as session:
        assert len(evidence.holds(session, case_id)) == 3  # a repeated run adds no further hold


class _StallAfterFinish(cybertip.IspwsClient):
    """A worker that stalls after NCMEC finished its report, before it commits that."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings.ncmec_url, settings.ncmec_username, settings.ncmec_password, timeout=5)
        self.stalled, self.go = threading.Event(), threading.Event()

    def finish(self, report_id: str) -> bool:
        done = super().finish(report_id)
        self.stalled.set()
        self.go.wait(20)
        return done


def test_a_worker_that_lost_its_lease_commits_nothing(db, settings, fake):
    short = settings.model_copy(update={"ncmec_lease_seconds": 0.3})
    report_id = _submitted(db, short)
    stalling, outcome = _StallAfterFinish(short), {}
    first = threading.Thread(target=lambda: outcome.setdefault("first", cybertip.advance(
        db, short, report_id, client=stalling)))
    first.start()
    try:
        assert stalling.stalled.wait(20)
        time.sleep(0.4)  # the first worker's lease lapses
        assert cybertip.advance(db, short, report_id) == "submitted"  # the second takes over: finish says 5102
    finally:
        stalling.go.set()
        first.join(20)
        stalling.close()
    assert outcome["first"] == "busy"  # its commit matched no row: it stopped
    assert fake.calls == {"submit": 1, "upload": 2, "fileinfo": 2, "finish": 1}
    assert fake.requests["finish"] == 2
    report = _report(db, report_id)
    assert report.status == "submitted" and report.lease_token is None
    with db.transaction() as session:
        assert len([i for i in evidence.items(session, report.case_id) if i.kind == "other_record"]) == 1
        actions = [e.action for e in audit.entries(session, object_id=str(report_id))]
    assert actions.count("cybertip.submitted") == 1


def test_retract_before_finish_cancels_at_ncmec_and_after_finish_is_refused(db, settings, fake):
    report_id = _submitted(db, settings)
    fake.fail("upload", "500", times=3)
    with pytest.raises(cybertip.NcmecUnavailable):
        cybertip.advance(db, settings, report_id)
    with db.transaction() as session:
        assert cybertip.retract(session, report_id, SPECIALIST).status == "retracting"
    assert cybertip.advance(db, settings, report_id) == "retracted"
    [remote] = fake.reports.values()
    assert remote.retracted and not remote.finished and fake.calls["retract"] == 1
    assert _report(db, report_id).retracted_at is not None

    finished = _submitted(db, settings)
    assert cybertip.advance(db, settings, finished) == "submitted"
    with db.transaction() as session, pytest.raises(Conflict, match="only before finish"):
        cybertip.retract(session, finished, SPECIALIST)

    never_sent = _approved(db, settings)
    with db.transaction() as session:
        assert cybertip.retract(session, never_sent, SPECIALIST).status == "retracted"
    assert fake.calls["retract"] == 1  # nothing to cancel remotely


def test_grooming_report_without_files_carries_the_message_thread(db, settings, fake):
    thread = {"messages": [{"from": "acct-9", "to": "child-2", "at": POSTED.isoformat(), "text": "secret words 1"},
                           {"from": "acct-9", "to": "child-2", "at": POSTED.isoformat(), "text": "secret words 2"}]}
    with db.transaction() as session:
        case_id = open_case(session, RiskCategory.GROOMING, subject_type="message_thread")
        preserve_account(session, case_id)
        evidence.preserve_record(session, case_id=case_id, kind="account", actor=SERVICE, source="test",
                                 record={"user_id": "child-2", "screen_name": "kid", "role": "intended_recipient"})
        evidence.preserve_record(session, case_id=case_id, kind="message_thread", record=thread, actor=SERVICE,
                                 source="test")
    report_id = _draft(db, settings, case_id)
    report = _report(db, report_id)
    assert report.incident_type == "Online Enticement of Children for Sexual Acts" and report.missing == []
    with db.transaction() as session:
        xml = cybertip.preview(cybertip.read_content(session, report, SPECIALIST, reason="check the report"))[0]
    root = parse(xml)
    assert root.find("internetDetails/chatImIncident/chatClient").text == settings.platform_name
    assert root.find("intendedRecipient/espIdentifier").text == "child-2"
    assert "secret words" not in xml  # the thread travels as a file, not in the report
    with db.transaction() as session:
        cybertip.approve(session, report_id, SPECIALIST)
        cybertip.submit(session, report_id, SPECIALIST, settings)
    assert cybertip.advance(db, settings, report_id) == "submitted"
    [remote] = fake.finished_reports()
    [uploaded] = remote.files.values()
    assert uploaded["name"].endswith(".csv")
    lines = uploaded["data"].decode().splitlines()
    assert lines[0].startswith("content,src,target,thread") and "secret words 2" in lines[2]


# --- the content is sealed in the vault -----------------------------------------------------------

PERSONAL = ("offender@mail.example", "offending_user", "acct-9", "203.0.113.7", "2001:db8::5", "child-77",
            "kid@mail.example", "Jamie", "met the child at school")


def _victim_case(db) -> uuid.UUID:  # type: ignore[no-untyped-def]
    with db.transaction() as session:
        case_id = complete_case(session, images=1)
        evidence.preserve_record(session, case_id=case_id, kind="account", actor=SERVICE, source="test",
                                 record={"user_id": "child-77", "email": "kid@mail.example", "first_name": "Jamie",
                                         "role": "victim"})
    return case_id


def _rows(session, table: str) -> list[str]:  # type: ignore[no-untyped-def]
    """Every stored row of a table as text, exactly as the database returns it (no ORM in between)."""
    return [repr(dict(row)) for row in session.execute(text(f"SELECT * FROM {table}")).mappings()]


def test_report_row_holds_no_personal_data_only_a_reference_to_sealed_content(db, settings):
    report_id = _draft(db, settings, _victim_case(db), additional_info="He said he met the child at school.")
    with db.transaction() as session:
        rows, files = _rows(session, "cybertip_report"), _rows(session, "cybertip_file")
        report = session.get(cybertip.CybertipReport, report_id)
        sealed = evidence.item(session, report.content_id)
        content = cybertip.read_content(session, report, SPECIALIST, reason="check the sealed content")
    assert len(rows) == 1 and str(report_id.hex) in rows[0].replace("-", "")
    leaked = [value for value in PERSONAL if any(value in row for row in rows + files)]
    assert leaked == []
    assert report.incident_type.startswith("Child Pornography") and report.file_count == 1 == len(files)
    assert [m["code"] for m in report.missing] == []
    assert sealed.kind == evidence.REFERRAL_CONTENT and sealed.case_id == report.case_id
    assert content["reported"]["emails"][0]["address"] == "offender@mail.example"
    assert content["reported"]["ip_events"][0]["ip"] == "203.0.113.7"
    assert content["victims"][0]["user_id"] == "child-77" and content["victims"][0]["first_name"] == "Jamie"
    assert "met the child at school" in content["additional_info"]
    blobs = b"".join(path.read_bytes() for path in Path(settings.evidence_dir).rglob("*") if path.is_file())
    assert blobs and not any(value.encode() in blobs for value in PERSONAL)  # sealed, not merely moved


def test_content_swapped_under_a_report_is_refused(db, settings):
    first = _draft(db, settings, _victim_case(db))
    second = _draft(db, settings, _victim_case(db))
    with db.transaction() as session:
        row = session.get(cybertip.CybertipReport, second)
        row.content_id = session.get(cybertip.CybertipReport, first).content_id
    with db.transaction() as session, pytest.raises(evidence.TamperedEvidence, match="not the content"):
        cybertip.approve(session, second, SPECIALIST)


def test_api_draft_with_the_vault_locked_fails_closed_and_stores_nothing(client, keys, db, settings, app, tmp_path):
    css = keys["child_safety_specialist"]
    with db.transaction() as session:
        case_id = open_case(session)  # media only: drafting reads nothing sealed, the content is the first seal
        preserve_images(session, case_id, 1)
        before = len(evidence.items(session, case_id))
    locked = settings.model_copy(update={"evidence_key_file": str(tmp_path / "no-such-key.json")})
    evidence.configure(locked)
    app.state.settings = locked
    problem = _problem(client.post(f"/v1/cases/{case_id}/cybertip", headers=css, json={}), 503)
    assert problem["title"] == "Evidence master key missing" and "no-such-key.json" in problem["detail"]
    with db.transaction() as session:
        assert _rows(session, "cybertip_report") == [] and _rows(session, "cybertip_file") == []
        assert len(evidence.items(session, case_id)) == before
        assert [e for e in audit.entries(session, action="cybertip.drafted")] == []
    evidence.configure(settings)  # the same request with the key back: the lock was the only reason
    app.state.settings = settings
    assert client.post(f"/v1/cases/{case_id}/cybertip", headers=css, json={}).status_code == 201


def test_api_preview_is_an_audited_read_of_the_sealed_content(client, keys, db, settings):
    report_id = _draft(db, settings, _victim_case(db))
    css = keys["child_safety_specialist"]
    response = client.get(f"/v1/cybertip/reports/{report_id}", headers=css | {"X-Access-Reason": "pre-approval check"})
    assert response.status_code == 200, response.text
    detail = response.json()
    assert "offender@mail.example" in detail["xml_preview"] and "203.0.113.7" in detail["xml_preview"]
    assert detail["schema_problems"] == [] and detail["files"][0]["md5"]
    with db.transaction() as session:
        content_id = str(session.get(cybertip.CybertipReport, report_id).content_id)
        reads = audit.entries(session, object_id=content_id, action="evidence.read")
    assert [(e.actor_role, e.reason, e.details["kind"]) for e in reads] == [
        (Role.CHILD_SAFETY_SPECIALIST.value, "pre-approval check", evidence.REFERRAL_CONTENT)]
    _problem(client.get(f"/v1/cybertip/reports/{report_id}", headers=keys["moderator"]), 403)
    with db.transaction() as session:  # the refused role opened nothing
        assert len(audit.entries(session, object_id=content_id, action="evidence.read")) == 1


# --- the API -------------------------------------------------------------------------------------

def _problem(response, status: int) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return response.json()


def test_api_draft_review_approve_submit(client, keys, db, settings, fake):
    css = keys["child_safety_specialist"]
    with db.transaction() as session:
        case_id = open_case(session)
        preserve_account(session, case_id, with_ips=False)
        media = preserve_images(session, case_id, 1)
    response = client.post(f"/v1/cases/{case_id}/cybertip", headers=css,
                           json={"classifications": {str(media[0].id): "A2"}, "prior_reports": [77]})
    assert response.status_code == 201, response.text
    draft = response.json()
    assert draft["status"] == "draft" and draft["complete"] is False
    assert [m["code"] for m in draft["missing"]] == ["ip_events"] and draft["schema_problems"] == []
    assert draft["files"][0]["classification"] == "A2" and draft["files"][0]["md5"] == media[0].md5
    assert "<industryClassification>" not in draft["xml_preview"] and "<priorCTReports>77" in draft["xml_preview"]
    tip = draft["id"]
    _problem(client.post(f"/v1/cybertip/reports/{tip}/submit", headers=css), 409)
    held = _problem(client.post(f"/v1/cybertip/reports/{tip}/approve", headers=css, json={}), 409)
    assert "IP capture events" in held["detail"] and held["errors"][0]["field"] == "override_reason"
    _problem(client.post(f"/v1/cybertip/reports/{tip}/approve", headers=keys["moderator"], json={}), 403)
    approved = client.post(f"/v1/cybertip/reports/{tip}/approve", headers=css,
                           json={"override_reason": "IP logs are being restored from backup"})
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert approved.json()["override_reason"] == "IP logs are being restored from backup"
    queued = client.post(f"/v1/cybertip/reports/{tip}/submit", headers=css)
    assert queued.status_code == 202 and queued.json()["status"] == "submitting"
    assert cybertip.run_pending(db, settings) == {tip: "submitted"}
    detail = client.get(f"/v1/cybertip/reports/{tip}", headers=css).json()
    assert detail["status"] == "submitted" and detail["ncmec_report_id"] == str(fake.finished_reports()[0].id)
    assert detail["files"][0]["ncmec_file_id"] and detail["files"][0]["details_sent_at"]
    sent = parse(next(iter(fake.finished_reports()[0].files.values()))["details"])
    assert sent.findtext("industryClassification") == "A2"
    listed = client.get("/v1/cybertip/reports", params={"case_id": str(case_id)}, headers=css).json()
    assert [r["id"] for r in listed] == [tip]
    _problem(client.post(f"/v1/cybertip/reports/{tip}/retract", headers=css), 409)
    _problem(client.get(f"/v1/cybertip/reports/{uuid.uuid4()}", headers=css), 404)
    bad = _problem(client.post(f"/v1/cases/{case_id}/cybertip", headers=css,
                               json={"incident_type": "Spam", "classifications": {str(media[0].id): "C9"}}), 422)
    assert {e["field"] for e in bad["errors"]} >= {"body.incident_type"}
    future = _problem(client.post(f"/v1/cases/{case_id}/cybertip", headers=css,
                                  json={"incident_at": "2999-01-01T00:00:00Z"}), 422)
    assert "past" in future["detail"]


def test_api_submit_without_credentials_is_a_problem_not_a_crash(client, keys, db, settings, app):
    app.state.settings = settings.model_copy(update={"ncmec_username": None})
    report_id = _approved(db, settings)
    problem = _problem(client.post(f"/v1/cybertip/reports/{report_id}/submit",
                                   headers=keys["child_safety_specialist"]), 409)
    assert "credentials" in problem["detail"]
    with db.transaction() as session:
        assert session.scalar(select(cybertip.CybertipReport.status)
                              .where(cybertip.CybertipReport.id == report_id)) == "approved"


def test_tampered_evidence_stops_the_submission_and_a_late_retraction_does_not_undo_finish(db, settings, fake):
    report_id = _submitted(db, settings)
    with db.transaction() as session:
        media = [i for i in evidence.items(session, _report(db, report_id).case_id) if i.kind == "media"]
    sealed = next(Path(settings.evidence_dir).rglob(media[1].id.hex))
    sealed.write_bytes(sealed.read_bytes()[:-1] + bytes([sealed.read_bytes()[-1] ^ 1]))
    assert cybertip.advance(db, settings, report_id) == "rejected"
    report = _report(db, report_id)
    assert report.last_error.startswith("Evidence failed its integrity check")
    assert fake.calls["upload"] == 1 and fake.calls["finish"] == 0  # the altered file never left
    assert fake.calls["retract"] == 1 and report.retracted_at is not None  # nor does the half report stay open

    finished = _submitted(db, settings)
    assert cybertip.advance(db, settings, finished) == "submitted"
    with db.transaction() as session:  # a retraction that raced finish and overwrote its status
        session.get(cybertip.CybertipReport, finished).status = "retracting"
    assert cybertip.advance(db, settings, finished) == "submitted"
    assert fake.calls["retract"] == 1 and "already finished" in _report(db, finished).last_error


def test_environment_defaults_to_ncmec_test_and_plain_http_only_on_loopback():
    from childsafe.referrals.cybertip.client import base_url

    assert base_url(Settings(ncmec_url=None)) == cybertip.TEST_URL
    production = Settings(ncmec_url=None, ncmec_environment="production")
    assert base_url(production) == cybertip.PRODUCTION_URL == "https://report.cybertip.org/ispws"
    assert cybertip.TEST_URL == "https://exttest.cybertip.org/ispws"
    with pytest.raises(ValueError, match="HTTPS"):
        cybertip.IspwsClient("http://report.example/ispws", "u", "p")
