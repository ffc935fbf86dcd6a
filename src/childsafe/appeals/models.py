"""Tables owned by the appeals capability."""

import uuid
from datetime import datetime

from sqlalchemy import Boolean, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from childsafe.store import GUID, Base, UTCDateTime, new_id, utcnow


class Appeal(Base):
    __tablename__ = "appeals_appeal"

    id: Mapped[uuid.UUID] = mapped_column(GUID, primary_key=True, default=new_id)
    decision_id: Mapped[uuid.UUID] = mapped_column(GUID, nullable=False, index=True)
    case_id: Mapped[uuid.UUID] = mapped_column(GUID, nullable=False)
    child_safety: Mapped[bool] = mapped_column(Boolean, nullable=False)
    appellant_role: Mapped[str] = mapped_column(String(20), nullable=False)
    appellant_key: Mapped[str] = mapped_column(String(220), nullable=False)
    appellant_age_band: Mapped[str] = mapped_column(String(10), nullable=False)
    grounds: Mapped[str] = mapped_column(Text, nullable=False)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow, index=True)
    submitted_by: Mapped[str] = mapped_column(String(200), nullable=False)
    status: Mapped[str] = mapped_column(String(12), nullable=False, default="open", index=True)
    outcome: Mapped[str | None] = mapped_column(String(12))
    reason: Mapped[str | None] = mapped_column(Text)
    outcome_notice: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
