"""Tables owned by the scan capability: hashes of media seen (never the media) and the hits found.

Keeping the hashes of what was scanned is what makes retroactive matching possible: when a bank
gains hashes, earlier uploads are matched again without the platform sending anything twice.
"""

import uuid
from datetime import datetime

from sqlalchemy import Boolean, Float, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from childsafe.store import GUID, Base, SerialId, UTCDateTime, new_id, utcnow


class SeenMedia(Base):
    __tablename__ = "scan_media"
    __table_args__ = (
        Index("uq_scan_media_hash", "content_id", "algorithm", "value", unique=True),
        Index("ix_scan_media_lookup", "algorithm", "value"),
    )

    id: Mapped[int] = mapped_column(SerialId, primary_key=True, autoincrement=True)
    content_id: Mapped[str] = mapped_column(String(200), nullable=False)
    account_id: Mapped[str | None] = mapped_column(String(200))
    age_band: Mapped[str] = mapped_column(String(10), nullable=False, default="unknown")
    algorithm: Mapped[str] = mapped_column(String(16), nullable=False)
    value: Mapped[str] = mapped_column(String(64), nullable=False)
    quality: Mapped[int | None] = mapped_column(Integer)
    frame_time: Mapped[float | None] = mapped_column(Float)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class ScanHit(Base):
    """A piece of content found in a bank: the link from the bank entry to the case it opened."""

    __tablename__ = "scan_hit"
    __table_args__ = (Index("uq_scan_hit_pair", "content_id", "bank_hash_id", unique=True),)

    id: Mapped[uuid.UUID] = mapped_column(GUID, primary_key=True, default=new_id)
    content_id: Mapped[str] = mapped_column(String(200), nullable=False)
    bank_id: Mapped[int] = mapped_column(Integer, nullable=False)
    bank_hash_id: Mapped[int] = mapped_column(SerialId, nullable=False)
    algorithm: Mapped[str] = mapped_column(String(16), nullable=False)
    distance: Mapped[int] = mapped_column(Integer, nullable=False)
    case_id: Mapped[uuid.UUID | None] = mapped_column(GUID, index=True)
    retroactive: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
