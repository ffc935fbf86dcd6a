"""Tables owned by the cases capability."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from childsafe.store import GUID, Base, JSONDict, UTCDateTime, new_id, utcnow


class Case(Base):
    __tablename__ = "cases_case"
    __table_args__ = (
        # The "one open case per subject" rule, enforced by the database so concurrent replicas agree.
        Index("uq_cases_case_open_subject", "subject_key", unique=True,
              sqlite_where=text("status = 'open'"), postgresql_where=text("status = 'open'")),
        Index("ix_cases_case_queue_order", "status", "queue", "priority", "sla_due_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(GUID, primary_key=True, default=new_id)
    subject_key: Mapped[str] = mapped_column(String(64), nullable=False)
    subject_type: Mapped[str] = mapped_column(String(20), nullable=False)
    subject_platform_id: Mapped[str] = mapped_column(String(200), nullable=False)
    subject_account_id: Mapped[str | None] = mapped_column(String(200), index=True)
    subject_url: Mapped[str | None] = mapped_column(String(2000))
    subject_content_type: Mapped[str | None] = mapped_column(String(20))
    subject_created_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    subject_age_band: Mapped[str] = mapped_column(String(10), nullable=False, default="unknown")
    category: Mapped[str] = mapped_column(String(40), nullable=False)
    categories: Mapped[list[str]] = mapped_column(JSONDict, nullable=False, default=list)
    queue: Mapped[str] = mapped_column(String(30), nullable=False)
    priority: Mapped[int] = mapped_column(Integer, nullable=False)
    sla_due_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    status: Mapped[str] = mapped_column(String(12), nullable=False, default="open")
    child_safety: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    imminent_risk: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    has_reports: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    has_trusted_flagger: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    has_illegal_content_notice: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    has_automated_signal: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    signal_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    assignee: Mapped[str | None] = mapped_column(String(200))
    lock_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_id: Mapped[uuid.UUID | None] = mapped_column(GUID)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_action_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)


class CaseSignal(Base):
    """Why a case exists: a report, and later hash matches and classifier alerts."""

    __tablename__ = "cases_signal"

    id: Mapped[uuid.UUID] = mapped_column(GUID, primary_key=True, default=new_id)
    case_id: Mapped[uuid.UUID] = mapped_column(GUID, ForeignKey("cases_case.id"), nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(30), nullable=False)
    ref_id: Mapped[str] = mapped_column(String(80), nullable=False)
    category: Mapped[str] = mapped_column(String(40), nullable=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    details: Mapped[dict[str, Any]] = mapped_column(JSONDict, nullable=False, default=dict)


class CaseEvent(Base):
    """Readable history for reviewers. The tamper-evident record is the audit log."""

    __tablename__ = "cases_event"

    id: Mapped[uuid.UUID] = mapped_column(GUID, primary_key=True, default=new_id)
    case_id: Mapped[uuid.UUID] = mapped_column(GUID, ForeignKey("cases_case.id"), nullable=False, index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    actor: Mapped[str] = mapped_column(String(200), nullable=False)
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    data: Mapped[dict[str, Any]] = mapped_column(JSONDict, nullable=False, default=dict)


class CaseComment(Base):
    __tablename__ = "cases_comment"

    id: Mapped[uuid.UUID] = mapped_column(GUID, primary_key=True, default=new_id)
    case_id: Mapped[uuid.UUID] = mapped_column(GUID, ForeignKey("cases_case.id"), nullable=False, index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    author: Mapped[str] = mapped_column(String(200), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
