"""CyberTipline reports: draft from a case, approve, submit, retract.

Only child-safety specialists act on reports, and a report is sent only after one of them approved
it. Submission is durable: ``submit`` records the intent and enqueues a job; ``advance`` performs
the remote steps, persisting each result in its own transaction as soon as NCMEC answers, so a
killed worker resumes at the next step. Finish is never repeated (NCMEC answers a second finish with
5102, which counts as done). A worker killed after NCMEC processed a submit or upload but before the
answer was committed cannot be reconciled (ISPWS has no idempotency key and no look-up): the next
worker opens a second report, or uploads the file again, and the first stays open at NCMEC.
Each worker holds the report under a random lease token, and every commit checks it, so a worker
that stalled past its lease and was overtaken commits nothing. Access faults (credentials missing or
refused, rate limits) keep the report queued and alert an operator; they never reject it.

The content (who is reported, their e-mail, user id and IP events, recipients, victims, the
specialist's free text) is personal data, often a child's: it is sealed in the evidence vault when
the draft is made and opened from there, audited with who and why, whenever the XML is built. A
locked vault refuses the draft (503); nothing falls back to plain storage.
"""

import hashlib
import logging
import secrets
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from childsafe import cases, evidence, jobs
from childsafe.audit import Actor, record
from childsafe.config import Settings, get_settings
from childsafe.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from childsafe.referrals.cybertip import assemble
from childsafe.referrals.cybertip.client import (
    IspwsClient,
    NcmecError,
    NcmecNotAuthorised,
    NcmecRejected,
    NcmecUnavailable,
)
from childsafe.referrals.cybertip.documents import (
    InvalidDocument,
    checked,
    file_details_xml,
    report_xml,
    thread_csv,
)
from childsafe.referrals.cybertip.models import CybertipFile, CybertipReport
from childsafe.store import Database, new_id, utcnow
from childsafe.vocabulary import Role

log = logging.getLogger("childsafe.cybertip")
JOB = "cybertip.advance"
IN_FLIGHT = ("submitting", "retracting")
NOT_OVERRIDABLE = frozenset({"reporter_email"})  # NCMEC's schema requires it; no reason makes it optional
SUBMISSION_READ = "CyberTipline submission"  # the worker's reason for opening the sealed content
SYSTEM_ACTOR = Actor("system", "system", "childsafe")
QUICK_RETRIES = 3  # in-process retries of a failed step before the outbox's slower backoff takes over
T = TypeVar("T")


def _require_specialist(actor: Actor) -> None:
    if actor.role != Role.CHILD_SAFETY_SPECIALIST:
        raise Forbidden("only child-safety specialists may prepare or send CyberTipline reports")


def create_draft(session: Session, case_id: uuid.UUID, actor: Actor, settings: Settings,
                 options: assemble.DraftOptions | None = None) -> CybertipReport:
    _require_specialist(actor)
    content = assemble.build_content(session, case_id, actor, settings, options or assemble.DraftOptions())
    gaps = assemble.missing(content, settings)
    report_id = new_id()
    sealed = evidence.preserve_record(session, case_id=case_id, kind=evidence.REFERRAL_CONTENT, actor=actor,
                                      source="cybertip", record={"cybertip_report_id": str(report_id),
                                                                 "content": content})  # VaultLocked: no draft
    report = CybertipReport(id=report_id, case_id=case_id, status="draft", incident_type=content["incident"]["type"],
                            content_id=sealed.id, file_count=len(content["files"]),
                            missing=[{"code": m.code, "message": m.message} for m in gaps], created_by=actor.label)
    session.add(report)
    session.flush()  # the files refer to it, and no ORM relationship orders the inserts
    session.add_all(CybertipFile(report_id=report.id, position=n, evidence_id=uuid.UUID(f["evidence_id"]),
                                 kind=f["kind"]) for n, f in enumerate(content["files"]))
    session.flush()
    record(session, actor, "cybertip.drafted", "cybertip_report", report.id, case_id=str(case_id),
           files=len(content["files"]), missing=[m.code for m in gaps])
    return report


def get(session: Session, report_id: uuid.UUID, actor: Actor, *, reason: str = "CyberTipline report") -> CybertipReport:
    _require_specialist(actor)
    report = session.get(CybertipReport, report_id)
    if report is None:
        raise NotFound(f"CyberTipline report {report_id} does not exist")
    record(session, actor, "cybertip.read", "cybertip_report", report.id, reason=reason)
    return report


def list_reports(session: Session, actor: Actor, *, case_id: uuid.UUID | None = None,
                 status: str | None = None, limit: int = 50) -> list[CybertipReport]:
    _require_specialist(actor)
    query = select(CybertipReport)
    if case_id:
        query = query.where(CybertipReport.case_id == case_id)
    if status:
        query = query.where(CybertipReport.status == status)
    return list(session.scalars(query.order_by(CybertipReport.created_at.desc()).limit(limit)))


def files(session: Session, report_id: uuid.UUID) -> list[CybertipFile]:
    return list(session.scalars(select(CybertipFile).where(CybertipFile.report_id == report_id)
                                .order_by(CybertipFile.position)))


def read_content(session: Session, report: CybertipReport, actor: Actor, *, reason: str) -> dict[str, Any]:
    """The report's content, opened from the vault (an audited evidence read with the actor and reason)."""
    sealed = evidence.read_record(session, report.content_id, actor=actor, reason=reason)
    if sealed.get("cybertip_report_id") != str(report.id) or not isinstance(sealed.get("content"), dict):
        raise evidence.TamperedEvidence(f"evidence item {report.content_id} is not the content of CyberTipline "
                                        f"report {report.id}")
    return sealed["content"]


def preview(content: dict[str, Any]) -> tuple[str, list[str]]:
    """The report XML as it would be sent, and every schema problem in it."""
    document = report_xml(content)
    try:
        checked(document)
    except InvalidDocument as exc:
        return document.decode(), exc.problems
    return document.decode(), []


def approve(session: Session, report_id: uuid.UUID, actor: Actor, *,
            override_reason: str | None = None) -> CybertipReport:
    """A specialist's approval. An incomplete report needs a recorded reason to go ahead anyway."""
    report = get(session, report_id, actor, reason="approve CyberTipline report")
    if report.status not in ("draft", "approved"):
        raise Conflict(f"the report is {report.status}; only a draft can be approved")
    codes = {m["code"] for m in report.missing}
    blocking = sorted(codes & NOT_OVERRIDABLE)
    if blocking:
        raise Conflict("the report cannot be sent without: " + "; ".join(
            m["message"] for m in report.missing if m["code"] in blocking), field="missing")
    if codes and not (override_reason and override_reason.strip()):
        raise Conflict("the report is held: it lacks what NCMEC needs to act (" + "; ".join(
            m["message"] for m in report.missing) + "). Add it, or approve with an override_reason.",
            field="override_reason")
    _, problems = preview(read_content(session, report, actor, reason="approve CyberTipline report"))
    if problems:
        raise Conflict("the report does not keep NCMEC's schema: " + "; ".join(problems[:5]))
    report.status, report.approved_by, report.approved_at = "approved", actor.label, utcnow()
    report.override_reason = override_reason.strip() if codes and override_reason else None
    report.updated_at = utcnow()
    if codes:
        record(session, actor, "cybertip.completeness_overridden", "cybertip_report", report.id,
               reason=report.override_reason or "", missing=sorted(codes))
    record(session, actor, "cybertip.approved", "cybertip_report", report.id, case_id=str(report.case_id))
    return report


def submit(session: Session, report_id: uuid.UUID, actor: Actor, settings: Settings) -> CybertipReport:
    """Queue an approved report for sending. Refused unless a specialist approved it."""
    report = get(session, report_id, actor, reason="submit CyberTipline report")
    if report.status in IN_FLIGHT or report.status == "submitted":
        return report  # already on its way: submitting twice must not send twice
    if report.status == "rejected":
        raise Conflict(f"NCMEC refused this report ({report.last_error}); draft a corrected one", field="status")
    if report.status != "approved" or not report.approved_by:
        raise Conflict(f"the report is {report.status}: a child-safety specialist must approve it before it is "
                       "sent (POST .../approve)", field="status")
    cases.get(session, report.case_id, actor, reason="submit CyberTipline report", audit_read=False)
    if not settings.ncmec_username or not settings.ncmec_password:
        raise Conflict("NCMEC credentials are not configured (CHILDSAFE_NCMEC_USERNAME, CHILDSAFE_NCMEC_PASSWORD)")
    report.status, report.submitted_by, report.environment = "submitting", actor.id, _environment(settings)
    report.last_error, report.updated_at = None, utcnow()
    jobs.enqueue(session, JOB, {"report_id": str(report.id), "why": "submit"})
    record(session, actor, "cybertip.submit_requested", "cybertip_report", report.id, environment=report.environment)
    return report


def retract(session: Session, report_id: uuid.UUID, actor: Actor) -> CybertipReport:
    """Cancel a report. NCMEC accepts a retraction only for a report not yet finished."""
    _require_specialist(actor)
    report = session.get(CybertipReport, report_id)
    if report is None:
        raise NotFound(f"CyberTipline report {report_id} does not exist")
    if report.status in ("retracting", "retracted"):
        return report
    if report.status == "submitted" or report.finished_at is not None:
        raise Conflict("the report was already finished; NCMEC accepts retraction only before finish. "
                       "Send a follow-up report instead.")
    if report.status != "submitting":  # never sent: nothing to cancel remotely
        report.status, report.retracted_at = "retracted", utcnow()
    else:
        report.status = "retracting"
        jobs.enqueue(session, JOB, {"report_id": str(report.id), "why": "retract"})
    report.updated_at = utcnow()
    record(session, actor, "cybertip.retract_requested", "cybertip_report", report.id)
    return report


def _environment(settings: Settings) -> str:
    return "custom" if settings.ncmec_url else settings.ncmec_environment


# --- the remote steps -------------------------------------------------------------------------

class LeaseLost(RuntimeError):
    """Another worker took the report over (this one stalled past its lease): stop, commit nothing."""


class _Worker:
    """Advances one report by as many steps as it can; each step's result is committed at once, and only
    while this worker still holds the lease (its random token is the report's ``lease_token``)."""

    def __init__(self, db: Database, settings: Settings, client: IspwsClient | None, report_id: uuid.UUID,
                 retry_delay: float) -> None:
        self.db, self.settings, self.client, self.report_id = db, settings, client, report_id
        self.retry_delay = retry_delay
        self.token = secrets.token_hex(16)
        self._content: dict[str, Any] | None = None

    @property
    def ncmec(self) -> IspwsClient:
        assert self.client is not None
        return self.client

    def content(self, report: CybertipReport) -> dict[str, Any]:
        """Opened from the vault once per run (one audited read), not once per step."""
        if self._content is None:
            with self.db.transaction() as session:
                self._content = read_content(session, report, self.actor(report), reason=SUBMISSION_READ)
        return self._content

    def lease(self) -> str:
        """Take the report's lease: "ok", "busy" (another worker holds it) or "idle" (nothing to do)."""
        now = utcnow()
        with self.db.transaction() as session:
            result = session.execute(
                update(CybertipReport)
                .where(CybertipReport.id == self.report_id, CybertipReport.status.in_(IN_FLIGHT),
                       or_(CybertipReport.lease_until.is_(None), CybertipReport.lease_until < now))
                .values(lease_until=now + timedelta(seconds=self.settings.ncmec_lease_seconds),
                        lease_token=self.token, attempts=CybertipReport.attempts + 1)
            )
            if result.rowcount == 1:
                return "ok"
            status = session.scalar(select(CybertipReport.status).where(CybertipReport.id == self.report_id))
            if status is None:
                raise NotFound(f"CyberTipline report {self.report_id} does not exist")
            return "busy" if status in IN_FLIGHT else "idle"

    def renew(self) -> None:
        with self.db.transaction() as session:
            self.hold(session)

    def hold(self, session: Session) -> CybertipReport:
        """Extend the lease inside a step's transaction, or raise LeaseLost so nothing of it commits. The
        UPDATE also locks the row, so a worker taking over waits for this commit, and sees its result."""
        result = session.execute(
            update(CybertipReport)
            .where(CybertipReport.id == self.report_id, CybertipReport.lease_token == self.token)
            .values(lease_until=utcnow() + timedelta(seconds=self.settings.ncmec_lease_seconds)))
        if result.rowcount != 1:
            raise LeaseLost(f"report {self.report_id} was taken over by another worker")
        row = session.get(CybertipReport, self.report_id, populate_existing=True)
        assert row is not None
        return row

    def release(self) -> None:
        with self.db.transaction() as session:
            session.execute(update(CybertipReport).where(CybertipReport.id == self.report_id,
                                                         CybertipReport.lease_token == self.token)
                            .values(lease_until=None, lease_token=None))

    def state(self) -> tuple[CybertipReport, list[CybertipFile]]:
        with self.db.transaction() as session:
            report = session.get(CybertipReport, self.report_id)
            assert report is not None
            session.expunge(report)
            rows = files(session, self.report_id)
            for row in rows:
                session.expunge(row)
            return report, rows

    def retrying(self, step: str, call: Callable[[], T]) -> T:
        for attempt in range(QUICK_RETRIES):
            try:
                return call()
            except NcmecUnavailable as exc:
                if attempt == QUICK_RETRIES - 1 or isinstance(exc, NcmecNotAuthorised):
                    raise
                log.info("CyberTipline step failed; retrying", extra={"step": step, "attempt": attempt + 1})
                time.sleep(self.retry_delay * 2 ** attempt)
        raise AssertionError("unreachable")

    def run(self) -> str:
        while True:
            self.renew()
            report, rows = self.state()
            if report.status == "retracting":
                return self.retract(report)
            if report.status != "submitting":
                return report.status
            if report.ncmec_report_id is None:
                self.open(report)
                continue
            pending = next((r for r in rows if r.ncmec_file_id is None), None)
            if pending is not None:
                self.upload(report, pending)
                continue
            undescribed = next((r for r in rows if r.details_sent_at is None), None)
            if undescribed is not None:
                self.describe(report, undescribed)
                continue
            return self.finish(report)

    def open(self, report: CybertipReport) -> None:
        document = checked(report_xml(self.content(report)))
        report_id = self.retrying("submit", lambda: self.ncmec.submit(document))
        with self.db.transaction() as session:  # first thing after NCMEC answers: the id is never lost
            row = self.hold(session)
            row.ncmec_report_id, row.opened_at = report_id, utcnow()
            row.xml_sha256 = hashlib.sha256(document).hexdigest()
            row.updated_at = utcnow()
            record(session, self.actor(report), "cybertip.opened", "cybertip_report", report.id,
                   ncmec_report_id=report_id, xml_sha256=row.xml_sha256)

    def actor(self, report: CybertipReport) -> Actor:
        """The worker, acting for the specialist who sent the report. An automated read: uploading a file
        is not a person viewing it, so it neither counts as exposure nor changes fileViewedByEsp."""
        return Actor(f"cybertip:{report.submitted_by or 'unknown'}", "system", "CyberTipline submission")

    def upload(self, report: CybertipReport, row: CybertipFile) -> None:
        entry = self.content(report)["files"][row.position]
        with self.db.transaction() as session:
            if row.kind == "message_thread":
                thread = evidence.read_record(session, row.evidence_id, actor=self.actor(report),
                                              reason="CyberTipline upload")
                data, content_type = thread_csv(thread.get("messages", []), str(row.evidence_id)), "text/csv"
            else:
                data = evidence.read_media(session, row.evidence_id, actor=self.actor(report),
                                           reason="CyberTipline upload")
                content_type = entry.get("content_type") or "application/octet-stream"
        assert report.ncmec_report_id is not None
        report_id = report.ncmec_report_id
        file_id = self.retrying("upload", lambda: self.ncmec.upload(report_id, entry["filename"], data,
                                                                    content_type))
        with self.db.transaction() as session:
            self.hold(session)
            stored = session.get(CybertipFile, row.id)
            assert stored is not None
            stored.ncmec_file_id, stored.uploaded_at = file_id, utcnow()

    def describe(self, report: CybertipReport, row: CybertipFile) -> None:
        assert report.ncmec_report_id is not None and row.ncmec_file_id is not None
        entry = self.content(report)["files"][row.position]
        document = checked(file_details_xml(report.ncmec_report_id, row.ncmec_file_id, entry))
        self.retrying("fileinfo", lambda: self.ncmec.file_info(document))
        with self.db.transaction() as session:
            self.hold(session)
            stored = session.get(CybertipFile, row.id)
            assert stored is not None
            stored.details_sent_at = utcnow()

    def finish(self, report: CybertipReport) -> str:
        assert report.ncmec_report_id is not None
        report_id = report.ncmec_report_id
        document = report_xml(self.content(report)).decode()  # the vault answers before NCMEC is told to finish
        self.retrying("finish", lambda: self.ncmec.finish(report_id))
        with self.db.transaction() as session:  # a failure here repeats finish, which NCMEC answers 5102
            row = self.hold(session)
            finished_at = utcnow()
            row.status, row.finished_at, row.updated_at = "submitted", finished_at, finished_at
            copy = evidence.preserve_record(session, case_id=report.case_id, kind="other_record",
                                            actor=self.actor(report), source="cybertip",
                                            record={"cybertip_report_id": str(report.id),
                                                    "ncmec_report_id": report_id,
                                                    "environment": report.environment,
                                                    "report_xml": document})
            _hold_from_report(session, report.case_id, report_id, finished_at, self.actor(report))
            record(session, self.actor(report), "cybertip.submitted", "cybertip_report", report.id,
                   ncmec_report_id=report_id, environment=report.environment, xml_copy=str(copy.id))
        log.info("CyberTipline report submitted", extra={"report_id": str(report.id)})
        return "submitted"

    def retract(self, report: CybertipReport) -> str:
        if report.finished_at is not None:  # finish won the race with the retraction: it stands
            with self.db.transaction() as session:
                row = self.hold(session)
                row.status, row.updated_at = "submitted", utcnow()
                row.last_error = "not retracted: NCMEC had already finished the report"
            return "submitted"
        if report.ncmec_report_id is not None:
            report_id = report.ncmec_report_id
            self.retrying("retract", lambda: self.ncmec.retract(report_id))
        with self.db.transaction() as session:
            row = self.hold(session)
            row.status, row.retracted_at, row.updated_at = "retracted", utcnow(), utcnow()
            record(session, self.actor(report), "cybertip.retracted", "cybertip_report", report.id,
                   ncmec_report_id=report.ncmec_report_id)
        return "retracted"

    def refused(self, error: Exception) -> str:
        """NCMEC said no (or the document is invalid): stop, and show the specialist why. A report NCMEC
        already opened is retracted first, so no half-sent report stays open there."""
        report, _ = self.state()
        retracted = None
        if report.ncmec_report_id is not None and report.finished_at is None and self.client is not None:
            try:
                self.ncmec.retract(report.ncmec_report_id)
                retracted = utcnow()
            except NcmecError as exc:  # shown in the log; the refusal itself still stands
                log.warning("could not retract a refused CyberTipline report", extra={
                    "report_id": str(self.report_id), "reason": str(exc)[:200]})
        with self.db.transaction() as session:
            row = self.hold(session)
            message = f"{error.title}: {error.detail}" if isinstance(error, DomainError) else str(error)
            row.status, row.last_error, row.updated_at = "rejected", message[:2000], utcnow()
            row.retracted_at = retracted or row.retracted_at
            record(session, SYSTEM_ACTOR, "cybertip.rejected", "cybertip_report", row.id,
                   code=getattr(error, "code", None), retracted_at_ncmec=retracted is not None)
        return "rejected"

    def failed(self, error: Exception) -> None:
        """A step that may work later: keep the report queued, and say why where the specialist looks."""
        with self.db.transaction() as session:
            row = self.hold(session)
            row.last_error, row.updated_at = str(error)[:2000], utcnow()
            if isinstance(error, NcmecNotAuthorised):
                _operator_alert(session, self.report_id, error)


def advance(db: Database, settings: Settings, report_id: uuid.UUID, *, client: IspwsClient | None = None,
            retry_delay: float | None = None) -> str:
    """Run a report's remaining remote steps. Returns its status afterwards ("busy" if another worker
    holds it). Raises NcmecUnavailable when NCMEC stays unreachable, so the outbox retries later."""
    own_client = client is None
    retry_delay = settings.ncmec_retry_delay_seconds if retry_delay is None else retry_delay
    try:
        client = client or IspwsClient.from_settings(settings)
    except NcmecNotAuthorised as exc:  # no credentials: the report waits for an operator, it is not refused
        _unconfigured(db, settings, report_id, retry_delay, exc)
        raise
    worker = _Worker(db, settings, client, report_id, retry_delay)
    try:
        held = worker.lease()
        if held != "ok":
            return _status_or_busy(db, report_id, held)
        try:
            try:
                return worker.run()
            except (NcmecRejected, InvalidDocument) as exc:
                return worker.refused(exc)
            except DomainError as exc:  # the evidence: purged or tampered is final; a locked vault may come back
                if exc.status >= 500:
                    worker.failed(exc)
                    raise
                return worker.refused(exc)
            except NcmecUnavailable as exc:
                worker.failed(exc)
                raise
            finally:
                worker.release()
        except LeaseLost:
            log.warning("CyberTipline worker lost its lease; another worker continues",
                        extra={"report_id": str(report_id)})
            return "busy"
    finally:
        if own_client:
            client.close()


def _unconfigured(db: Database, settings: Settings, report_id: uuid.UUID, retry_delay: float,
                  error: NcmecNotAuthorised) -> None:
    worker = _Worker(db, settings, None, report_id, retry_delay)
    if worker.lease() == "ok":
        try:
            worker.failed(error)
        finally:
            worker.release()


def _operator_alert(session: Session, report_id: uuid.UUID, error: NcmecNotAuthorised) -> None:
    """The platform's access to NCMEC is broken (credentials, permissions, rate limit): an operator must act.
    Logged and audited with the report's id and the HTTP reason only; nothing about the people in it."""
    log.error("CyberTipline access refused; the report waits in the outbox until an operator fixes it",
              extra={"report_id": str(report_id), "reason": str(error)[:200]})
    record(session, SYSTEM_ACTOR, "cybertip.operator_alert", "cybertip_report", report_id, reason=str(error)[:200])


def _hold_from_report(session: Session, case_id: uuid.UUID, ncmec_report_id: str, finished_at: datetime,
                      actor: Actor) -> None:
    """18 U.S.C. 2258A(h): what was reported is preserved for the configured term from the report to NCMEC,
    not from when it was first preserved. A hold already lasting that long is enough; otherwise a new one
    starting at the report (placing one is audited, and never shortens an existing hold)."""
    _, _, term = evidence.vault_for(session).hold_rule(None)
    due = finished_at + term
    if any(h.status == "active" and h.expires_at >= due for h in evidence.holds(session, case_id)):
        return
    evidence.place_hold(session, case_id, actor=actor, started_at=finished_at,
                        reason=f"18 U.S.C. 2258A(h): preserved for CyberTipline report {ncmec_report_id}")


def _status_or_busy(db: Database, report_id: uuid.UUID, held: str) -> str:
    if held == "busy":
        return "busy"
    with db.transaction() as session:
        return session.scalar(select(CybertipReport.status).where(CybertipReport.id == report_id)) or "missing"


class ReportBusy(RuntimeError):
    """Another worker holds the report's lease (or held it when it died): try again after it lapses."""


def in_flight(db: Database) -> list[uuid.UUID]:
    with db.transaction() as session:
        return list(session.scalars(select(CybertipReport.id).where(CybertipReport.status.in_(IN_FLIGHT))
                                    .order_by(CybertipReport.updated_at)))


def run_pending(db: Database, settings: Settings, **kwargs: Any) -> dict[str, str]:
    """Advance every report in flight once (the CLI, and recovery after a crash or a dead job)."""
    outcome: dict[str, str] = {}
    for report_id in in_flight(db):
        try:
            outcome[str(report_id)] = advance(db, settings, report_id, **kwargs)
        except (NcmecUnavailable, DomainError) as exc:  # DomainError here: the vault is locked
            outcome[str(report_id)] = f"retry later ({exc})"
    return outcome


# --- outbox binding ---------------------------------------------------------------------------

_bound: dict[str, Any] = {}


def bind(db: Database, settings: Settings) -> None:
    """The database and settings the outbox job uses in this process (the API and CLI bind theirs)."""
    _bound["db"], _bound["settings"] = db, settings


def _binding() -> tuple[Database, Settings]:
    if "db" not in _bound:  # a worker process that bound nothing: its own configuration
        settings = get_settings()
        bind(Database(settings.database_url), settings)
    return _bound["db"], _bound["settings"]


@jobs.external_handler(JOB)
def _run_job(payload: dict[str, Any]) -> None:
    db, settings = _binding()
    try:
        report_id = uuid.UUID(str(payload["report_id"]))
    except (KeyError, ValueError) as exc:
        raise InvalidInput("the job names no report") from exc
    if advance(db, settings, report_id) == "busy":
        raise ReportBusy(f"report {report_id} is leased by another worker")
