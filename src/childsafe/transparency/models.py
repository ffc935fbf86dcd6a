"""Tables owned by the transparency capability."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from childsafe.store import GUID, Base, JSONDict, UTCDateTime, new_id, utcnow


class StatementSubmission(Base):
    """One statement of reasons on its way to the DSA Transparency Database, and the TDB's receipt.

    The payload is the personal-data-free copy that is (or will be) sent; it never changes once queued,
    so a retry sends exactly what the first attempt sent.
    """

    __tablename__ = "transparency_statement"

    id: Mapped[uuid.UUID] = mapped_column(GUID, primary_key=True, default=new_id)
    decision_id: Mapped[uuid.UUID] = mapped_column(GUID, nullable=False, unique=True)
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, index=True)
    puid: Mapped[str] = mapped_column(String(500), nullable=False, unique=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONDict, nullable=False)
    status: Mapped[str] = mapped_column(String(12), nullable=False, default="pending", index=True)
    environment: Mapped[str] = mapped_column(String(12), nullable=False)
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    tdb_uuid: Mapped[str | None] = mapped_column(String(64))
    tdb_id: Mapped[str | None] = mapped_column(String(40))
    permalink: Mapped[str | None] = mapped_column(String(1000))
    reconciled: Mapped[bool] = mapped_column(default=False, nullable=False)  # found already there (lost answer)
    last_error: Mapped[str | None] = mapped_column(Text)
