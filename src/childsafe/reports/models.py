"""Tables owned by the reports capability.

Reporter contact details and surrounding messages are personal data: kept here only because the
reporter asked for updates or the law needs them, and never written to logs or the audit log.
"""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from childsafe.store import GUID, Base, JSONDict, UTCDateTime, new_id, utcnow


class Report(Base):
    __tablename__ = "reports_report"
    __table_args__ = (UniqueConstraint("idempotency_owner", "idempotency_key", name="uq_reports_idempotency"),)

    id: Mapped[uuid.UUID] = mapped_column(GUID, primary_key=True, default=new_id)
    reference: Mapped[str] = mapped_column(String(20), unique=True, nullable=False)
    idempotency_owner: Mapped[str | None] = mapped_column(String(200))
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    request_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow, index=True)
    submitted_by: Mapped[str] = mapped_column(String(200), nullable=False)
    channel: Mapped[str] = mapped_column(String(20), nullable=False)

    anonymous: Mapped[bool] = mapped_column(Boolean, nullable=False)
    reporter_user_id: Mapped[str | None] = mapped_column(String(200))
    reporter_name: Mapped[str | None] = mapped_column(String(200))
    reporter_email: Mapped[str | None] = mapped_column(String(254))
    reporter_age_band: Mapped[str] = mapped_column(String(10), nullable=False)
    reporter_role: Mapped[str] = mapped_column(String(20), nullable=False)

    subject_type: Mapped[str] = mapped_column(String(20), nullable=False)
    subject_platform_id: Mapped[str] = mapped_column(String(200), nullable=False)
    subject: Mapped[dict[str, Any]] = mapped_column(JSONDict, nullable=False)
    messages: Mapped[list[dict[str, Any]]] = mapped_column(JSONDict, nullable=False, default=list)

    reason_code: Mapped[str] = mapped_column(String(60), nullable=False)
    category: Mapped[str] = mapped_column(String(40), nullable=False)
    imminent_risk: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    free_text: Mapped[str | None] = mapped_column(Text)
    notice: Mapped[dict[str, Any] | None] = mapped_column(JSONDict)
    wants_updates: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)

    case_id: Mapped[uuid.UUID] = mapped_column(GUID, nullable=False, index=True)
    outcome: Mapped[str | None] = mapped_column(String(30))
    outcome_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_id: Mapped[uuid.UUID | None] = mapped_column(GUID)
