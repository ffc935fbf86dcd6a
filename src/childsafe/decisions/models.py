"""Tables owned by the decisions capability."""

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from childsafe.store import GUID, Base, JSONDict, UTCDateTime, new_id, utcnow


class Decision(Base):
    __tablename__ = "decisions_decision"

    id: Mapped[uuid.UUID] = mapped_column(GUID, primary_key=True, default=new_id)
    case_id: Mapped[uuid.UUID] = mapped_column(GUID, nullable=False, index=True)
    action: Mapped[str] = mapped_column(String(30), nullable=False)
    category: Mapped[str] = mapped_column(String(40), nullable=False)
    ground: Mapped[str] = mapped_column(String(20), nullable=False)
    policy_ground: Mapped[str | None] = mapped_column(String(500))
    explanation: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    end_date: Mapped[date | None] = mapped_column(Date)
    territorial_scope: Mapped[list[str]] = mapped_column(JSONDict, nullable=False, default=list)
    decided_by: Mapped[str] = mapped_column(String(200), nullable=False)
    decided_by_role: Mapped[str] = mapped_column(String(40), nullable=False)
    automated: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow, index=True)
    affected_account_id: Mapped[str | None] = mapped_column(String(200), index=True)
    affected_age_band: Mapped[str] = mapped_column(String(10), nullable=False)
    statement: Mapped[dict[str, Any] | None] = mapped_column(JSONDict)  # DSA TDB record, personal data free
    notice: Mapped[str | None] = mapped_column(Text)
    notice_child: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), nullable=False, default="in_force")
    reverted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reverted_reason: Mapped[str | None] = mapped_column(Text)


class Strike(Base):
    __tablename__ = "decisions_strike"

    id: Mapped[uuid.UUID] = mapped_column(GUID, primary_key=True, default=new_id)
    account_id: Mapped[str] = mapped_column(String(200), nullable=False, index=True)
    decision_id: Mapped[uuid.UUID] = mapped_column(GUID, nullable=False, index=True)
    category: Mapped[str] = mapped_column(String(40), nullable=False)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
