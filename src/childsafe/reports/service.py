"""The reports capability's public functions."""

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime

import orjson
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from childsafe import cases, notify
from childsafe.audit import Actor, record
from childsafe.errors import Forbidden, InvalidInput, NotFound
from childsafe.reports.models import Report
from childsafe.reports.schemas import ReportIn
from childsafe.store import utcnow
from childsafe.vocabulary import AgeBand, is_minor_or_unknown

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_reference() -> str:
    """Like ``CS-7K3M-9QXA-2B4D``: 60 random bits, easy to read aloud, no I/L/O/U to confuse."""
    chars = "".join(secrets.choice(_CROCKFORD) for _ in range(12))
    return f"CS-{chars[:4]}-{chars[4:8]}-{chars[8:]}"


def _fingerprint(data: ReportIn) -> str:
    return hashlib.sha256(orjson.dumps(data.model_dump(mode="json"), option=orjson.OPT_SORT_KEYS)).hexdigest()


def submit(session: Session, data: ReportIn, actor: Actor, *, idempotency_key: str | None = None,
           sla_hours: dict[str, float] | None = None) -> tuple[Report, bool]:
    """Store a report and attach it to its subject's case. Returns (report, replayed).

    A retry with the same Idempotency-Key returns the first report; the same key with a different
    body is refused, because silently answering for another request would lose the new one.
    """
    # Insert first and let the unique constraint catch a retry: the common case costs no lookup.
    fingerprint = _fingerprint(data)

    category, reporter = data.risk_category, data.reporter
    report = Report(
        reference=new_reference(), idempotency_owner=actor.id if idempotency_key else None,
        idempotency_key=idempotency_key, request_sha256=fingerprint, submitted_by=actor.label,
        channel=data.channel.value, anonymous=reporter.anonymous, reporter_user_id=reporter.platform_user_id,
        reporter_name=reporter.name, reporter_email=reporter.email, reporter_age_band=reporter.age_band.value,
        reporter_role=reporter.role.value, subject_type=data.subject.type.value,
        subject_platform_id=data.subject.platform_id,
        subject=data.subject.model_dump(mode="json", exclude={"messages"}),
        messages=[m.model_dump(mode="json") for m in data.subject.messages], reason_code=data.reason,
        category=category.value, imminent_risk=data.is_imminent, free_text=data.free_text,
        notice=data.notice.model_dump(mode="json") if data.notice else None, wants_updates=data.wants_updates,
        case_id=uuid.uuid4(),  # replaced below once the case is known
    )
    subject = cases.SubjectRef(
        type=data.subject.type.value, platform_id=data.subject.platform_id, account_id=data.subject.account_id,
        url=data.subject.url, content_type=data.subject.content_type.value if data.subject.content_type else None,
        created_at=data.subject.created_at, age_band=data.subject.age_band,
    )
    signal = cases.Signal(
        kind="report", ref_id=str(report.reference), category=category, imminent_risk=data.is_imminent,
        trusted=data.trusted,
        illegal_content_notice=bool(data.notice and data.notice.legal_basis == "illegal_content"),
        details={"channel": data.channel.value, "reason": data.reason, "reporter_role": reporter.role.value},
    )
    try:
        with session.begin_nested():
            case = cases.attach(session, subject, signal, actor, sla_hours=sla_hours)
            report.case_id = case.id
            session.add(report)
            session.flush()
    except IntegrityError:
        if not idempotency_key:
            raise
        existing = _by_idempotency(session, actor.id, idempotency_key)  # a concurrent retry won the race
        if existing is None:
            raise
        return _replay(existing, fingerprint), True
    record(session, actor, "report.received", "report", report.id, case_id=case.id, channel=report.channel,
           category=report.category, reporter_role=report.reporter_role, anonymous=report.anonymous)
    return report, False


def _by_idempotency(session: Session, owner: str, key: str) -> Report | None:
    return session.scalar(select(Report).where(Report.idempotency_owner == owner, Report.idempotency_key == key))


def _replay(existing: Report, fingerprint: str) -> Report:
    if existing.request_sha256 != fingerprint:
        raise InvalidInput("this Idempotency-Key was already used for a different report", field="Idempotency-Key")
    return existing


def get(session: Session, report_id: uuid.UUID, actor: Actor, *, reason: str = "case review") -> Report:
    """A report in full, for a reviewer who may open its case (the case check decides)."""
    report = session.get(Report, report_id)
    if report is None:
        raise NotFound(f"report {report_id} does not exist")
    case = cases.get(session, report.case_id, actor, reason=reason, audit_read=False)
    record(session, actor, "report.read", "report", report.id, reason=reason, case_id=case.id)
    return report


def for_case(session: Session, case_id: uuid.UUID) -> list[Report]:
    """Reports of a case. Callers must already have passed the case's access check."""
    return list(session.scalars(select(Report).where(Report.case_id == case_id).order_by(Report.received_at)))


def record_outcome(session: Session, case_id: uuid.UUID, outcome: str, decision_id: uuid.UUID | None,
                   actor: Actor) -> int:
    """Tell every report of a case what happened; reporters who asked for updates are notified."""
    now = utcnow()
    session.execute(update(Report).where(Report.case_id == case_id)
                    .values(outcome=outcome, outcome_at=now, decision_id=decision_id))
    notified = 0
    for ref, wants in session.execute(select(Report.reference, Report.wants_updates)
                                      .where(Report.case_id == case_id)):
        if wants:
            notify.publish(session, "report.outcome", {"reference": ref, "outcome": outcome})
            notified += 1
    return notified


@dataclass(frozen=True)
class ReportStatus:
    reference: str
    status: str
    received_at: datetime
    updated_at: datetime | None
    message: str
    decision_id: uuid.UUID | None


_STATUS_WORDS = {
    # (adult, child)
    "received": ("We have received your report and it is waiting for review.",
                 "Thank you for telling us. Your report is safe with us and someone will look at it soon."),
    "in_review": ("A member of our safety team is reviewing your report.",
                  "A person from our safety team is looking at your report right now."),
    "action_taken": ("We reviewed your report and took action against what you reported.",
                     "We looked at what you told us about and we did something about it. Thank you for being brave."),
    "no_violation": ("We reviewed your report and did not find a breach of our rules or the law. "
                     "You can ask us to look again.",
                     "We looked carefully and did not find anything against our rules. "
                     "You can ask us to look again. If you feel unsafe, talk to an adult you trust."),
}


def acknowledgement(report: Report) -> ReportStatus:
    """The answer to a report just received, built without another database round trip."""
    adult, child = _STATUS_WORDS["received"]
    return ReportStatus(reference=report.reference, status="received", received_at=report.received_at,
                        updated_at=None, message=child if is_minor_or_unknown(report.reporter_age_band) else adult,
                        decision_id=None)


def status_by_reference(session: Session, reference: str) -> ReportStatus:
    """What a reporter may know about their report: progress and outcome, nothing about others."""
    report = session.scalar(select(Report).where(Report.reference == reference.strip().upper()))
    if report is None:
        raise NotFound("no report has this reference number")
    if report.outcome:
        status = report.outcome if report.outcome in _STATUS_WORDS else "action_taken"
    else:
        case_status, reviewing = cases.progress(session, report.case_id)
        status = "in_review" if reviewing or case_status != "open" else "received"
    adult, child = _STATUS_WORDS[status]
    message = child if is_minor_or_unknown(report.reporter_age_band) else adult
    return ReportStatus(reference=report.reference, status=status, received_at=report.received_at,
                        updated_at=report.outcome_at, message=message, decision_id=report.decision_id)


def reporter_of(session: Session, reference: str, decision_id: uuid.UUID) -> Report:
    """The report behind a reporter's appeal: it must belong to the decision's case."""
    report = session.scalar(select(Report).where(Report.reference == reference.strip().upper()))
    if report is None:
        raise NotFound("no report has this reference number", field="report_reference")
    if report.decision_id != decision_id:
        raise Forbidden("this report was not decided by that decision", field="report_reference")
    return report


def is_child_reporter(report: Report) -> bool:
    return is_minor_or_unknown(AgeBand(report.reporter_age_band))

