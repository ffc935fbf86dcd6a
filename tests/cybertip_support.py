"""Shared set-up for the CyberTipline tests: a fake ISPWS, a vault, and cases with preserved evidence."""

import io
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from PIL import Image
from sqlalchemy.orm import Session

from childsafe import cases, evidence
from childsafe.audit import Actor
from childsafe.config import Settings
from childsafe.referrals import cybertip
from childsafe.vocabulary import RiskCategory, Role

SPECIALIST = Actor("css-1", Role.CHILD_SAFETY_SPECIALIST.value, "Specialist One")
SERVICE = Actor("svc", Role.SERVICE.value, "platform backend")
POSTED = datetime(2026, 11, 30, 9, 15, tzinfo=UTC)


def cybertip_settings(base: Settings, tmp_path: Path, ncmec_url: str, **changes: Any) -> Settings:
    key_file = tmp_path / "evidence-keys.json"
    if not key_file.exists():
        evidence.init_key(key_file)
    settings = base.model_copy(update={
        "evidence_key_file": str(key_file), "evidence_dir": str(tmp_path / "vault"),
        "ncmec_url": ncmec_url, "ncmec_username": "esp-user", "ncmec_password": "esp-secret",
        "ncmec_timeout_seconds": 1.0, "ncmec_retry_delay_seconds": 0.01,
        "ncmec_reporter_first_name": "Robin", "ncmec_reporter_last_name": "Safety",
        "ncmec_reporter_email": "childsafety@platform.example", "ncmec_legal_url": "https://platform.example/le",
        **changes})
    evidence.configure(settings)
    return settings


def png(seed: int) -> bytes:
    """A small benign image, different for each seed."""
    image = Image.new("RGB", (64, 64), (seed * 40 % 256, 90, 200 - seed * 30 % 200))
    for x in range(0, 64, 8):
        for y in range(0, 64, 8):
            image.putpixel((x, y), ((x * seed) % 256, (y * 3) % 256, 17))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def open_case(session: Session, category: RiskCategory = RiskCategory.CSAM, *, account: str = "acct-9",
              posted: datetime | None = POSTED, subject_type: str = "content") -> uuid.UUID:
    subject = cases.SubjectRef(type=subject_type, platform_id=f"post-{uuid.uuid4().hex[:8]}", account_id=account,
                               url="https://platform.example/p/1", content_type="image", created_at=posted)
    signal = cases.Signal(kind="hash_match", ref_id=uuid.uuid4().hex[:12], category=category, automated=True)
    return cases.attach(session, subject, signal, SERVICE).id


def preserve_account(session: Session, case_id: uuid.UUID, *, with_ips: bool = True, email: bool = True) -> None:
    record: dict[str, Any] = {"user_id": "acct-9", "screen_name": "offending_user", "display_name": "Offender"}
    if email:
        record |= {"email": "offender@mail.example", "email_verified": True}
    evidence.preserve_record(session, case_id=case_id, kind="account", record=record, actor=SERVICE, source="test")
    if with_ips:
        events = [{"ip": "203.0.113.7", "at": (POSTED - timedelta(hours=2)).isoformat(), "event": "login",
                   "port": 51234},
                  {"ip": "2001:db8::5", "at": POSTED.isoformat(), "event": "upload"}]
        evidence.preserve_record(session, case_id=case_id, kind="ip_events", record={"events": events},
                                 actor=SERVICE, source="test")


def preserve_images(session: Session, case_id: uuid.UUID, count: int = 2) -> list[evidence.ItemInfo]:
    return [evidence.preserve_media(session, case_id=case_id, data=png(n + 1), filename=f"IMG_{n:04d}.png",
                                    content_type="image/png", actor=SERVICE, source="test") for n in range(count)]


def complete_case(session: Session, images: int = 2) -> uuid.UUID:
    case_id = open_case(session)
    preserve_account(session, case_id)
    preserve_images(session, case_id, images)
    return case_id


def cybertip_world(session: Session, settings: Settings) -> uuid.UUID:
    """A draft report on a fresh abuse-material case (for the role matrix's path parameters). Drafting seals
    the report's content, so the vault must be configured first."""
    return cybertip.create_draft(session, open_case(session), SPECIALIST, settings).id
