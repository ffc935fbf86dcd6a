"""Tables owned by the banks capability.

``banks_hash`` rows are never updated in place: an import appends rows and a retraction moves the
row's id into ``banks_removal``. Both tables have increasing ids, so a matcher process catches up
with any change by reading only the rows after the last id it has seen.
"""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, Float, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from childsafe.store import GUID, Base, JSONDict, SerialId, UTCDateTime, new_id, utcnow


class Bank(Base):
    __tablename__ = "banks_bank"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)  # the index tag (uint16)
    name: Mapped[str] = mapped_column(String(80), nullable=False, unique=True)
    kind: Mapped[str] = mapped_column(String(10), nullable=False)  # match | allow
    category: Mapped[str] = mapped_column(String(40), nullable=False)  # risk category a match signals
    threshold: Mapped[int] = mapped_column(Integer, nullable=False)  # largest PDQ/vPDQ distance that matches
    source: Mapped[str] = mapped_column(String(20), nullable=False)  # local | file | exchange
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    enabled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    last_refresh_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class BankHash(Base):
    __tablename__ = "banks_hash"
    __table_args__ = (
        # One index serves uniqueness, exact lookups across banks and retractions within one.
        Index("uq_banks_hash_entry", "algorithm", "value", "bank_id", "item_id", unique=True),
        Index("ix_banks_hash_item", "bank_id", "item_id", sqlite_where=text("item_id != ''"),
              postgresql_where=text("item_id != ''")),
    )

    id: Mapped[int] = mapped_column(SerialId, primary_key=True, autoincrement=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("banks_bank.id"), nullable=False)
    algorithm: Mapped[str] = mapped_column(String(16), nullable=False)
    value: Mapped[str] = mapped_column(String(64), nullable=False)  # canonical lower-case hex
    item_id: Mapped[str] = mapped_column(String(200), nullable=False, default="")  # the list's own id, or ""
    quality: Mapped[int | None] = mapped_column(Integer)
    frame_time: Mapped[float | None] = mapped_column(Float)  # vPDQ: seconds into the video
    import_id: Mapped[uuid.UUID | None] = mapped_column(GUID)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class BankRemoval(Base):
    __tablename__ = "banks_removal"

    seq: Mapped[int] = mapped_column(SerialId, primary_key=True, autoincrement=True)
    hash_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    bank_id: Mapped[int] = mapped_column(Integer, nullable=False)
    algorithm: Mapped[str] = mapped_column(String(16), nullable=False)
    removed_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    removed_by: Mapped[str] = mapped_column(String(200), nullable=False)


class BankImport(Base):
    """One import of one file into one bank; the checkpoint that makes a re-run resume."""

    __tablename__ = "banks_import"
    __table_args__ = (Index("ix_banks_import_resume", "bank_id", "file_sha256", "status"),)

    id: Mapped[uuid.UUID] = mapped_column(GUID, primary_key=True, default=new_id)
    bank_id: Mapped[int] = mapped_column(ForeignKey("banks_bank.id"), nullable=False)
    file_name: Mapped[str] = mapped_column(String(300), nullable=False)
    file_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    format: Mapped[str] = mapped_column(String(20), nullable=False)
    algorithm: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(12), nullable=False, default="running")  # running|done|failed
    lines_done: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    byte_offset: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    added: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    duplicates: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    malformed: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    errors: Mapped[list[Any]] = mapped_column(JSONDict, nullable=False, default=list)  # first malformed lines
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_by: Mapped[str] = mapped_column(String(200), nullable=False)
