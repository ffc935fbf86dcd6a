"""Tables owned by the evidence capability. No plaintext is ever stored here: content lives sealed
in the object store, and each row keeps only the data key wrapped by a master key."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from childsafe.store import GUID, Base, JSONDict, SerialId, UTCDateTime, new_id, utcnow


class EvidenceItem(Base):
    __tablename__ = "evidence_item"

    id: Mapped[uuid.UUID] = mapped_column(GUID, primary_key=True, default=new_id)
    case_id: Mapped[uuid.UUID] = mapped_column(GUID, ForeignKey("cases_case.id"), nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    filename: Mapped[str | None] = mapped_column(String(255))
    content_type: Mapped[str | None] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    md5: Mapped[str | None] = mapped_column(String(32))
    sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    pdq: Mapped[str | None] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(80), nullable=False)
    store: Mapped[str] = mapped_column(String(10), nullable=False)  # local | s3
    object_key: Mapped[str] = mapped_column(String(100), nullable=False)
    key_id: Mapped[str] = mapped_column(String(40), nullable=False, index=True)
    wrapped_key: Mapped[bytes | None] = mapped_column(LargeBinary)  # None once purged (crypto-shredded)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200), nullable=False)
    viewed_by_person: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    exif_viewed: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    object_deleted: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


class EvidenceHold(Base):
    """A preservation hold on everything preserved for a case (18 U.S.C. 2258A(h): one year by default)."""

    __tablename__ = "evidence_hold"

    id: Mapped[uuid.UUID] = mapped_column(GUID, primary_key=True, default=new_id)
    case_id: Mapped[uuid.UUID] = mapped_column(GUID, ForeignKey("cases_case.id"), nullable=False, index=True)
    legal_basis: Mapped[str] = mapped_column(String(200), nullable=False)
    jurisdiction: Mapped[str] = mapped_column(String(10), nullable=False)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    placed_by: Mapped[str] = mapped_column(String(200), nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    extensions: Mapped[list[dict[str, Any]]] = mapped_column(JSONDict, nullable=False, default=list)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    released_by: Mapped[str | None] = mapped_column(String(200))
    release_reason: Mapped[str | None] = mapped_column(Text)


class EvidenceExposure(Base):
    """One look at abuse material by a person: the basis of daily exposure counts for reviewer wellness."""

    __tablename__ = "evidence_exposure"
    __table_args__ = (Index("ix_evidence_exposure_actor_day", "actor_id", "day"),)

    id: Mapped[int] = mapped_column(SerialId, primary_key=True, autoincrement=True)
    actor_id: Mapped[str] = mapped_column(String(200), nullable=False)
    day: Mapped[str] = mapped_column(String(10), nullable=False)  # UTC date, YYYY-MM-DD
    item_id: Mapped[uuid.UUID] = mapped_column(GUID, nullable=False)
    action: Mapped[str] = mapped_column(String(10), nullable=False)  # blurred | revealed | read
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
