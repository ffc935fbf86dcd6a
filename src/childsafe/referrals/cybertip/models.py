"""Tables owned by the CyberTipline capability.

A report row carries the whole submission state: each remote step's result is written in its own
transaction the moment it returns, so a process killed between steps resumes from the next one.
What the report says about people (the reported user's e-mail, screen name, user id and IP events,
recipients, victims, the specialist's free text) is not here: it is sealed in the evidence vault
as a ``referral_content`` record of the case, and the row keeps only that item's id.
"""

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from childsafe.store import GUID, Base, JSONDict, UTCDateTime, new_id, utcnow


class CybertipReport(Base):
    __tablename__ = "cybertip_report"

    id: Mapped[uuid.UUID] = mapped_column(GUID, primary_key=True, default=new_id)
    case_id: Mapped[uuid.UUID] = mapped_column(GUID, nullable=False, index=True)
    # draft -> approved -> submitting -> submitted; or rejected (NCMEC refused), retracted
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="draft", index=True)
    incident_type: Mapped[str] = mapped_column(String(80), nullable=False)
    content_id: Mapped[uuid.UUID] = mapped_column(GUID, nullable=False)  # the sealed content (an evidence item)
    file_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    missing: Mapped[list[str]] = mapped_column(JSONDict, nullable=False, default=list)
    override_reason: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(200), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    approved_by: Mapped[str | None] = mapped_column(String(200))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_by: Mapped[str | None] = mapped_column(String(200))
    environment: Mapped[str | None] = mapped_column(String(12))
    xml_sha256: Mapped[str | None] = mapped_column(String(64))  # of the document NCMEC received
    ncmec_report_id: Mapped[str | None] = mapped_column(String(40))
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # /submit answered
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # /finish answered
    retracted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)  # one worker advances it at a time
    lease_token: Mapped[str | None] = mapped_column(String(32))  # which worker: each commit checks it is still its
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class CybertipFile(Base):
    """One file of a report (media from the vault, or a message thread as CSV) and its remote steps."""

    __tablename__ = "cybertip_file"
    __table_args__ = (UniqueConstraint("report_id", "position"),)

    id: Mapped[uuid.UUID] = mapped_column(GUID, primary_key=True, default=new_id)
    report_id: Mapped[uuid.UUID] = mapped_column(GUID, ForeignKey("cybertip_report.id"), nullable=False, index=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    evidence_id: Mapped[uuid.UUID] = mapped_column(GUID, nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)  # media | message_thread
    ncmec_file_id: Mapped[str | None] = mapped_column(String(80))
    uploaded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    details_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
