"""The evidence vault's library: sealing and reading, tamper detection, failing closed without a key,
key rotation, preservation holds, retention, reviewer wellness and kill-safety (SQLite and PostgreSQL).

Images are benign pictures drawn with Pillow; nothing here is abuse material.
"""

import base64
import hashlib
import io
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image, ImageDraw
from sqlalchemy import select, update

from childsafe import audit, cases, evidence
from childsafe.audit import Actor
from childsafe.audit.log import SYSTEM
from childsafe.cases import Signal, SubjectRef
from childsafe.config import Settings, make_settings
from childsafe.errors import Conflict, Forbidden, InvalidInput
from childsafe.evidence import service
from childsafe.evidence.crypto import write_key_file
from childsafe.evidence.models import EvidenceExposure, EvidenceItem
from childsafe.store import Database, utcnow
from childsafe.vocabulary import RiskCategory, Role
from conftest import random_id

SERVICE = Actor("svc-1", Role.SERVICE.value, "platform")
SPECIALIST = Actor("css-1", Role.CHILD_SAFETY_SPECIALIST.value, "specialist")
SPECIALIST2 = Actor("css-2", Role.CHILD_SAFETY_SPECIALIST.value, "specialist two")
MODERATOR = Actor("mod-1", Role.MODERATOR.value, "moderator")
ACCOUNT = {"user_id": "u-42", "screen_name": "skater42", "email": "u42@example.org", "display_name": "Sk8"}


def benign_image(seed: int = 1, size: int = 256, fmt: str = "PNG") -> bytes:
    """A colourful picture with sharp edges, so blurring and greyscale visibly change it."""
    rng = np.random.default_rng(seed)
    image = Image.new("RGB", (size, size), tuple(int(v) for v in rng.integers(0, 255, 3)))
    draw = ImageDraw.Draw(image)
    for _ in range(40):
        x, y = (int(v) for v in rng.integers(0, size, 2))
        w, h = (int(v) for v in rng.integers(8, size // 3, 2))
        draw.rectangle((x, y, x + w, y + h), fill=tuple(int(v) for v in rng.integers(0, 255, 3)))
    out = io.BytesIO()
    image.save(out, format=fmt)
    return out.getvalue()


def vault_settings(db_url: str, tmp_path: Path, *, key: bool = True, **extra: Any) -> Settings:
    key_file = tmp_path / "evidence-keys.json"
    if key and not key_file.exists():
        evidence.init_key(key_file)
    options: dict[str, Any] = {"database_url": db_url, "task_queue": "none", "evidence_key_file": str(key_file),
                               "evidence_dir": str(tmp_path / "vault"),
                               "evidence_hold_days": {"US": 365, "GB": 180},
                               "evidence_legal_basis": {"US": "18 U.S.C. 2258A(h)", "GB": "UK OSA 2023 s.66"}}
    return make_settings(**(options | extra))


@pytest.fixture
def vault(db_url: str, tmp_path: Path) -> evidence.Vault:
    return evidence.configure(vault_settings(db_url, tmp_path))


def open_case(db: Database, category: RiskCategory = RiskCategory.CSAM) -> uuid.UUID:
    with db.transaction() as session:
        subject = SubjectRef("content", random_id(), account_id="acct-" + random_id(), content_type="image")
        return cases.attach(session, subject, Signal("report", random_id(), category), SERVICE).id


def preserve(db: Database, case_id: uuid.UUID, data: bytes | None = None, **kw: Any) -> evidence.ItemInfo:
    with db.transaction() as session:
        return evidence.preserve_media(session, case_id=case_id, data=data or benign_image(), filename="a/b/c.png",
                                       content_type="image/png", actor=SERVICE, source="test", **kw)


def read(db: Database, item_id: uuid.UUID, actor: Actor = SPECIALIST, reason: str = "CyberTip preparation") -> bytes:
    with db.transaction() as session:
        return evidence.read_media(session, item_id, actor=actor, reason=reason)


def object_path(vault: evidence.Vault, item_id: uuid.UUID) -> Path:
    return vault.store.path(item_id.hex)  # type: ignore[attr-defined]


def audit_actions(db: Database, action: str) -> list[audit.AuditEntry]:
    with db.transaction() as session:
        return [e for e in audit.entries(session, limit=10_000) if e.action == action]


def test_media_and_records_round_trip_sealed(db, vault):
    case_id = open_case(db)
    data = benign_image()
    info = preserve(db, case_id, data)
    assert (info.size, info.md5, info.sha256) == (len(data), hashlib.md5(data).hexdigest(),
                                                  hashlib.sha256(data).hexdigest())
    assert info.pdq and len(info.pdq) == 64 and info.filename == "c.png" and not info.viewed_by_person
    stored = object_path(vault, info.id).read_bytes()
    assert data[100:140] not in stored and len(stored) == len(data) + 6 + 12 + 16  # header, nonce, tag
    assert read(db, info.id) == data

    with db.transaction() as session:
        account = evidence.preserve_record(session, case_id=case_id, kind="account", record=ACCOUNT, actor=SERVICE,
                                           source="test")
        events = evidence.preserve_record(session, case_id=case_id, kind="ip_events", actor=SERVICE, source="test",
                                          record={"events": [{"ip": "2001:db8::1", "at": "2026-11-30T10:00:00Z",
                                                              "event": "login", "port": 443}]})
    assert b"skater42" not in object_path(vault, account.id).read_bytes()
    with db.transaction() as session:
        assert evidence.read_record(session, account.id, actor=SPECIALIST, reason="report") == ACCOUNT
        assert evidence.read_record(session, events.id, actor=SPECIALIST, reason="report")["events"][0]["ip"] \
            == "2001:db8::1"
        listed = evidence.items(session, case_id)
    assert [i.kind for i in listed] == ["media", "account", "ip_events"]
    assert listed[0].viewed_by_person  # a specialist read the file
    reads = audit_actions(db, "evidence.read")
    assert {(e.object_id, e.actor_role) for e in reads} >= {(str(info.id), "child_safety_specialist")}
    assert all(e.reason for e in reads) and reads[0].reason == "CyberTip preparation"
    assert preserve(db, case_id, data).id == info.id  # the same bytes again: one item


def release_all(db: Database, case_id: uuid.UUID) -> None:
    with db.transaction() as session:
        for hold in evidence.holds(session, case_id):
            if hold.status == "active":
                evidence.release_hold(session, hold.id, actor=SPECIALIST, reason="material proved benign")


def test_bytes_preserved_again_after_a_purge_are_stored_anew(db, vault):
    case_id, data = open_case(db), benign_image(6)
    old = preserve(db, case_id, data)
    release_all(db, case_id)
    assert evidence.run_retention(db, actor=SPECIALIST).purged == 1
    again = preserve(db, case_id, data)
    assert again.id != old.id and not again.purged and read(db, again.id) == data
    with db.transaction() as session:
        assert [(i.id, i.purged) for i in evidence.items(session, case_id)] == [(old.id, True), (again.id, False)]
        assert [h.status for h in evidence.holds(session, case_id)].count("active") == 1


def test_an_item_purged_while_its_bytes_are_re_preserved_is_stored_anew(db, vault, monkeypatch):
    """Retention shreds the item between the look-up of the same bytes and the new hold."""
    case_id, data = open_case(db), benign_image(8)
    old = preserve(db, case_id, data)
    release_all(db, case_id)
    real_ensure_hold = service.ensure_hold

    def purge_first(session: Any, held_case: uuid.UUID, actor: Actor, why: str) -> None:
        session.execute(update(EvidenceItem).where(EvidenceItem.id == old.id)
                        .values(purged_at=utcnow(), wrapped_key=None))
        real_ensure_hold(session, held_case, actor, why)

    monkeypatch.setattr(service, "ensure_hold", purge_first)
    again = preserve(db, case_id, data)
    monkeypatch.undo()
    assert again.id != old.id and not again.purged and read(db, again.id) == data


def exif_jpeg(seed: int = 1) -> bytes:
    """A benign JPEG carrying EXIF (camera make, model and time), as phone pictures do."""
    image = Image.open(io.BytesIO(benign_image(seed, size=128)))
    exif = Image.Exif()
    exif[0x010F], exif[0x0110], exif[0x0132] = "TestCam", "Model 1", "2026:01:01 12:00:00"
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def test_a_persons_raw_read_of_a_file_with_exif_counts_as_viewing_its_exif(db, vault):
    case_id = open_case(db)
    with_exif, plain = preserve(db, case_id, exif_jpeg(1)), preserve(db, case_id, benign_image(2, fmt="JPEG"))
    with db.transaction() as session:
        evidence.read_media(session, with_exif.id, actor=SYSTEM, reason="CyberTip upload")
        evidence.review_image(session, with_exif.id, actor=SPECIALIST, reveal=True, reason="confirm")
    with db.transaction() as session:  # the system is no person, and a reveal is a PNG without metadata
        assert not evidence.item(session, with_exif.id).exif_viewed
    assert read(db, with_exif.id) == exif_jpeg(1) and read(db, plain.id) == benign_image(2, fmt="JPEG")
    with db.transaction() as session:
        assert evidence.item(session, with_exif.id).exif_viewed
        assert not evidence.item(session, plain.id).exif_viewed and evidence.item(session, plain.id).viewed_by_person


def test_a_changed_ciphertext_is_refused_and_audited(db, vault):
    info = preserve(db, open_case(db))
    path = object_path(vault, info.id)
    blob = bytearray(path.read_bytes())
    blob[len(blob) // 2] ^= 0x01
    path.write_bytes(bytes(blob))
    with pytest.raises(evidence.TamperedEvidence, match="does not authenticate"):
        read(db, info.id)
    [entry] = audit_actions(db, "evidence.tamper_detected")  # durable: written although the read rolled back
    assert entry.object_id == str(info.id) and entry.reason == "CyberTip preparation"
    path.unlink()
    with pytest.raises(evidence.TamperedEvidence, match="missing"):
        read(db, info.id)


def test_a_changed_wrapped_key_is_refused(db, vault):
    info = preserve(db, open_case(db))
    with db.transaction() as session:
        wrapped = bytearray(session.get(EvidenceItem, info.id).wrapped_key)
        wrapped[-1] ^= 0x80
        session.execute(update(EvidenceItem).where(EvidenceItem.id == info.id).values(wrapped_key=bytes(wrapped)))
    with pytest.raises(evidence.TamperedEvidence, match="wrapped data key"):
        read(db, info.id)


def test_swapped_objects_and_moved_wrapped_keys_are_refused(db, vault):
    case_id = open_case(db)
    first, second = preserve(db, case_id, benign_image(1)), preserve(db, case_id, benign_image(2))
    a, b = object_path(vault, first.id), object_path(vault, second.id)
    blob_a, blob_b = a.read_bytes(), b.read_bytes()
    a.write_bytes(blob_b)
    b.write_bytes(blob_a)
    for item in (first, second):
        with pytest.raises(evidence.TamperedEvidence):
            read(db, item.id)
    a.write_bytes(blob_a)
    b.write_bytes(blob_b)
    with db.transaction() as session:  # the other item's wrapped key, with the right object: still refused
        key_b = session.get(EvidenceItem, second.id).wrapped_key
        session.execute(update(EvidenceItem).where(EvidenceItem.id == first.id).values(wrapped_key=key_b))
    with pytest.raises(evidence.TamperedEvidence, match="wrapped data key"):
        read(db, first.id)
    assert read(db, second.id) == benign_image(2)


def test_a_missing_master_key_fails_closed(db, db_url, tmp_path):
    case_id = open_case(db)
    evidence.configure(vault_settings(db_url, tmp_path, key=False))
    with pytest.raises(evidence.VaultLocked, match="does not exist"):
        preserve(db, case_id)
    evidence.configure(vault_settings(db_url, tmp_path, key=False, evidence_key_file=None))
    with pytest.raises(evidence.VaultLocked, match="CHILDSAFE_EVIDENCE_KEY_FILE"):
        preserve(db, case_id)
    assert not (tmp_path / "vault").exists() or not any((tmp_path / "vault").rglob("*"))  # nothing written
    with db.transaction() as session:
        assert evidence.items(session, case_id) == []

    vault = evidence.configure(vault_settings(db_url, tmp_path))
    info = preserve(db, case_id)
    Path(vault.key_file).write_text('{"format": "childsafe-evidence-keys/1", "active": "x", "keys": {}}')
    with pytest.raises(evidence.VaultLocked, match="not a valid"):
        read(db, info.id)
    assert not audit_actions(db, "evidence.read")


def test_rotation_rewraps_keys_and_old_items_still_open(db, vault):
    case_id = open_case(db)
    old = [preserve(db, case_id, benign_image(i)) for i in range(3)]
    before = object_path(vault, old[0].id).read_bytes()
    first_key = vault.keys().active
    result = evidence.rotate(db, vault.settings, actor=SPECIALIST)
    assert result.active != first_key and result.rewrapped == 3 and result.retired == []
    assert evidence.rotate(db, vault.settings, actor=SPECIALIST, new_key=False, retire_old=True).retired == []
    assert first_key in vault.keys().keys  # rotated out moments ago: within the grace period, so kept
    age_rotation(vault, minutes=16)
    with db.transaction() as session:
        assert {r for r in session.scalars(select(EvidenceItem.key_id))} == {result.active}
    assert object_path(vault, old[0].id).read_bytes() == before  # the content was not re-encrypted
    newer = preserve(db, case_id, benign_image(9))
    retired = evidence.rotate(db, vault.settings, actor=SPECIALIST, new_key=False, retire_old=True)
    assert retired.retired == [first_key] and set(vault.keys().keys) == {result.active}
    assert vault.keys().rotated_out == {}
    for i, item in enumerate(old):
        assert read(db, item.id) == benign_image(i)
    assert read(db, newer.id) == benign_image(9)
    assert audit_actions(db, "evidence.key_rotated")[0].details["rewrapped"] == 3


def age_rotation(vault: evidence.Vault, minutes: int) -> None:
    """Move every recorded rotation time back, as if that much time had passed since."""
    keys = vault.keys()
    aged = {k: v - timedelta(minutes=minutes) for k, v in keys.rotated_out.items()}
    write_key_file(vault.key_file, evidence.MasterKeys(keys.active, keys.keys, aged))


def test_a_key_read_just_before_rotation_is_not_retired_under_a_late_sealer(db, vault, monkeypatch):
    """A process that read the key file just before a rotation seals with the old key after the retiring run
    checked which keys are in use: that key must still be there to open the item."""
    case_id, stale = open_case(db), vault.keys()
    rotated = evidence.rotate(db, vault.settings, actor=SPECIALIST, retire_old=True)
    assert rotated.retired == [] and stale.active in vault.keys().keys
    monkeypatch.setattr(type(vault), "keys", lambda self: stale)  # the process still holding the old file
    late = preserve(db, case_id, benign_image(4))
    monkeypatch.undo()
    with db.transaction() as session:
        assert session.get(EvidenceItem, late.id).key_id == stale.active
    assert read(db, late.id) == benign_image(4)  # the old key is still there to open it
    within = evidence.rotate(db, vault.settings, actor=SPECIALIST, new_key=False, retire_old=True)
    assert within.rewrapped == 1 and within.retired == []
    age_rotation(vault, minutes=16)  # a later run, past the grace period, retires the old key
    later = evidence.rotate(db, vault.settings, actor=SPECIALIST, new_key=False, retire_old=True)
    assert later.retired == [stale.active] and set(vault.keys().keys) == {rotated.active}
    assert read(db, late.id) == benign_image(4)


def test_a_key_file_without_rotation_times_retires_only_on_a_later_run(db, vault):
    keys = vault.keys().with_new_key()
    write_key_file(vault.key_file, evidence.MasterKeys(keys.active, keys.keys))  # as older versions wrote it
    assert evidence.rotate(db, vault.settings, actor=SPECIALIST, new_key=False, retire_old=True).retired == []
    assert set(vault.keys().rotated_out) == set(keys.keys) - {keys.active}
    age_rotation(vault, minutes=16)
    assert evidence.rotate(db, vault.settings, actor=SPECIALIST, new_key=False,
                           retire_old=True).retired == sorted(set(keys.keys) - {keys.active})


def test_abuse_grooming_and_sextortion_cases_are_held_for_a_year(db, vault):
    csam, bullying = open_case(db), open_case(db, RiskCategory.CYBERBULLYING)
    with db.transaction() as session:
        [hold] = evidence.holds(session, csam)
        assert evidence.holds(session, bullying) == []
    assert hold.status == "active" and hold.jurisdiction == "US" and hold.legal_basis == "18 U.S.C. 2258A(h)"
    assert hold.expires_at - hold.started_at == timedelta(days=365)
    with db.transaction() as session:  # the bullying case becomes a grooming case: now it is held too
        case = session.get(cases.Case, bullying)
        subject = SubjectRef(case.subject_type, case.subject_platform_id)
        cases.attach(session, subject, Signal("classifier", random_id(), RiskCategory.GROOMING), SERVICE)
    sextortion = open_case(db, RiskCategory.SEXTORTION)
    with db.transaction() as session:
        [held] = evidence.holds(session, bullying)
        assert held.reason.startswith("automatic")
        assert len(evidence.holds(session, sextortion)) == 1


def test_holds_per_jurisdiction_extend_and_release(db, vault):
    case_id = open_case(db, RiskCategory.CYBERBULLYING)
    with db.transaction() as session:
        gb = evidence.place_hold(session, case_id, actor=SPECIALIST, jurisdiction="gb", reason="Ofcom request")
        assert (gb.jurisdiction, gb.expires_at - gb.started_at) == ("GB", timedelta(days=180))
        with pytest.raises(InvalidInput, match="no preservation rule"):
            evidence.place_hold(session, case_id, actor=SPECIALIST, jurisdiction="FR")
        fr = evidence.place_hold(session, case_id, actor=SPECIALIST, jurisdiction="FR", legal_basis="réquisition",
                                 days=90)
        extended = evidence.extend_hold(session, gb.id, actor=SPECIALIST, days=30, reason="police request 77")
        assert extended.expires_at == gb.expires_at + timedelta(days=30)
        assert extended.extensions[0]["reason"] == "police request 77"
        with pytest.raises(InvalidInput, match="later than"):
            evidence.extend_hold(session, gb.id, actor=SPECIALIST, until=gb.started_at, reason="x")
        released = evidence.release_hold(session, fr.id, actor=SPECIALIST, reason="benign")
        assert released.status == "released"
        old = evidence.place_hold(session, case_id, actor=SPECIALIST, days=1, reason="past",
                                  started_at=utcnow() - timedelta(days=2))
        assert old.status == "expired"
    with db.transaction() as session:
        with pytest.raises(evidence.HoldNotActive, match="released"):
            evidence.extend_hold(session, fr.id, actor=SPECIALIST, days=10, reason="too late")
        with pytest.raises(evidence.HoldNotActive, match="expired"):
            evidence.extend_hold(session, old.id, actor=SPECIALIST, days=10, reason="too late")
        with pytest.raises(evidence.HoldNotActive):
            evidence.release_hold(session, fr.id, actor=SPECIALIST, reason="again")
        with pytest.raises(InvalidInput, match="reason"):
            evidence.extend_hold(session, gb.id, actor=SPECIALIST, days=1, reason=" ")
        states = {h.id: h.status for h in evidence.holds(session, case_id)}
    assert states == {gb.id: "active", fr.id: "released", old.id: "expired"}
    assert len(audit_actions(db, "evidence.hold_extended")) == 1


def test_retention_purges_only_what_no_hold_covers(db, vault, monkeypatch):
    held_case, released_case = open_case(db), open_case(db)
    held = preserve(db, held_case, benign_image(1))
    gone = [preserve(db, released_case, benign_image(i)) for i in (2, 3)]
    with db.transaction() as session:
        for hold in evidence.holds(session, released_case):
            evidence.release_hold(session, hold.id, actor=SPECIALIST, reason="material proved benign")

    dry = evidence.run_retention(db, actor=SPECIALIST, dry_run=True)
    assert sorted(dry.due) == sorted(i.id for i in gone) and dry.purged == 0
    assert all(object_path(vault, i.id).exists() for i in gone)
    assert read(db, gone[0].id) == benign_image(2)

    real_delete, calls = type(vault.store).delete, []

    def crash_once(store: Any, key: str) -> None:  # the process dies after shredding, before deleting
        calls.append(key)
        if len(calls) == 1:
            raise OSError("killed")
        real_delete(store, key)

    monkeypatch.setattr(type(vault.store), "delete", crash_once)
    with pytest.raises(OSError):
        evidence.run_retention(db, actor=SPECIALIST)
    for item in gone:  # shredded already: unreadable even where the object is still on disk
        with pytest.raises(evidence.EvidencePurged):
            read(db, item.id)
    again = evidence.run_retention(db, actor=SPECIALIST)
    assert again.purged == 0 and again.objects_deleted == 2
    assert not any(object_path(vault, i.id).exists() for i in gone)
    assert evidence.run_retention(db, actor=SPECIALIST).objects_deleted == 0  # nothing left to do
    assert read(db, held.id) == benign_image(1) and object_path(vault, held.id).exists()
    with db.transaction() as session:
        assert [i.purged for i in evidence.items(session, released_case)] == [True, True]
    assert len(audit_actions(db, "evidence.purged")) == 2


def _pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)))


def test_review_is_blurred_and_grey_until_revealed_and_exposure_is_counted(db, vault):
    data = benign_image(5)
    info = preserve(db, open_case(db), data)
    original = np.asarray(Image.open(io.BytesIO(data)).convert("RGB")).astype(float)
    with db.transaction() as session:
        soft = _pixels(evidence.review_image(session, info.id, actor=SPECIALIST))
        again = _pixels(evidence.review_image(session, info.id, actor=SPECIALIST, reason="second look"))
    assert soft.ndim == 2  # one channel: greyscale
    grey = np.asarray(Image.open(io.BytesIO(data)).convert("L")).astype(float)
    def edges(a: np.ndarray) -> float:  # the strongest steps between neighbouring pixels
        return float(np.percentile(np.abs(np.diff(a.astype(float), axis=1)), 99.5))

    assert edges(soft) < edges(grey) / 4  # the sharp edges are gone
    assert soft.astype(float).var() < grey.var() and np.abs(soft - grey).mean() > 5
    assert np.array_equal(soft, again)
    with db.transaction() as session:
        assert not evidence.item(session, info.id).viewed_by_person  # a blurred view is not a view
        with pytest.raises(InvalidInput, match="reason"):
            evidence.review_image(session, info.id, actor=SPECIALIST, reveal=True)
    with db.transaction() as session:
        clear = _pixels(evidence.review_image(session, info.id, actor=SPECIALIST, reveal=True,
                                              reason="confirm before CyberTip"))
    assert clear.shape == original.shape and np.array_equal(clear.astype(float), original)
    [entry] = audit_actions(db, "evidence.revealed")
    assert entry.reason == "confirm before CyberTip" and entry.actor.startswith("css-1")
    with db.transaction() as session:
        assert evidence.item(session, info.id).viewed_by_person
        day = session.scalars(select(EvidenceExposure.day).where(EvidenceExposure.actor_id == "css-1")).first()
        seen = evidence.exposure(session, "css-1", day)  # the day the views were counted, even across midnight
        assert (seen["blurred"], seen["revealed"], seen["read"], seen["items"]) == (2, 1, 0, 1)
        assert evidence.exposure(session, "css-2", day)["total"] == 0
        assert evidence.exposure(session, "css-1", date.fromisoformat(day) - timedelta(days=1))["total"] == 0


def test_only_specialists_open_evidence_of_restricted_cases(db, vault):
    info = preserve(db, open_case(db))
    with pytest.raises(Forbidden):
        read(db, info.id, actor=MODERATOR)
    assert audit_actions(db, "case.access_denied")
    with pytest.raises(InvalidInput, match="reason"):
        read(db, info.id, reason="  ")
    bullying_item = preserve(db, open_case(db, RiskCategory.CYBERBULLYING))
    assert read(db, bullying_item.id, actor=MODERATOR) == benign_image()
    with db.transaction() as session, pytest.raises(Forbidden):
        evidence.preserve_media(session, case_id=info.case_id, data=b"x", filename=None, content_type=None,
                                actor=MODERATOR, source="test")


@pytest.mark.parametrize(("kind", "record", "needle"), [
    ("account", {"display_name": "no id"}, "at least one of"),
    ("ip_events", {"events": [{"ip": "999.1.1.1", "at": "2026-01-01T00:00:00Z", "event": "login"}]},
     "record.events.0.ip"),
    ("ip_events", {"events": [{"ip": "10.0.0.1", "at": "2026-01-01T00:00:00", "event": "login"}]}, "timezone"),
    ("message_thread", {"messages": []}, "record.messages"),
    ("passport", {"x": 1}, "kind must be one of"),
])
def test_malformed_records_are_refused_before_anything_is_stored(db, vault, kind, record, needle):
    case_id = open_case(db)
    with db.transaction() as session, pytest.raises(InvalidInput, match=needle):
        evidence.preserve_record(session, case_id=case_id, kind=kind, record=record, actor=SERVICE, source="t")
    with db.transaction() as session:
        assert evidence.items(session, case_id) == []
    assert not Path(vault.settings.evidence_dir).exists()


_KILL_SCRIPT = textwrap.dedent("""
    import os, signal, sys, uuid
    from childsafe import evidence
    from childsafe.audit import Actor
    from childsafe.config import make_settings
    from childsafe.store import Database
    settings = make_settings(database_url=sys.argv[1], evidence_key_file=sys.argv[2], evidence_dir=sys.argv[3])
    evidence.configure(settings)
    db = Database(settings.database_url)
    with db.transaction() as session:
        info = evidence.preserve_media(session, case_id=uuid.UUID(sys.argv[4]), data=bytes.fromhex(sys.argv[5]),
                                       filename=None, content_type=None, actor=Actor("s", "service"), source="k")
    print(info.id, flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
""")


def test_an_acknowledged_preserve_survives_sigkill(db, db_url, vault):
    case_id, data = open_case(db), os.urandom(4096)
    settings = vault.settings
    run = subprocess.run([sys.executable, "-c", _KILL_SCRIPT, db_url, settings.evidence_key_file,
                          settings.evidence_dir, str(case_id), data.hex()], capture_output=True, text=True, timeout=60)
    assert run.returncode == -signal.SIGKILL, run.stderr
    item_id = uuid.UUID(run.stdout.strip())
    assert read(db, item_id) == data
    assert not [p for p in Path(settings.evidence_dir).rglob("*.tmp")]  # no half-written object left behind


def test_key_file_format_is_json_with_base64_keys(tmp_path):
    keys = evidence.init_key(tmp_path / "k.json")
    assert oct((tmp_path / "k.json").stat().st_mode & 0o777) == "0o600"
    loaded = evidence.MasterKeys.load(tmp_path / "k.json")
    assert loaded == keys and len(base64.b64decode(loaded.dump().split('"')[-2])) == 32
    with pytest.raises(Conflict, match="already exists"):
        evidence.init_key(tmp_path / "k.json")


def evidence_world(app: Any, db: Database, case_id: str, directory: Path) -> dict[str, str]:
    """An image item and a hold on a case, behind the role matrix's path parameters (tests/test_roles.py)."""
    key_file = directory / "evidence-keys.json"
    evidence.init_key(key_file)
    app.state.settings = app.state.settings.model_copy(
        update={"evidence_key_file": str(key_file), "evidence_dir": str(directory / "vault")})
    evidence.configure(app.state.settings)
    with db.transaction() as session:
        item = evidence.preserve_media(session, case_id=uuid.UUID(case_id), data=benign_image(), filename=None,
                                       content_type="image/png", actor=SERVICE, source="test")
        hold = evidence.place_hold(session, uuid.UUID(case_id), actor=SPECIALIST, reason="role matrix")
    return {"item_id": str(item.id), "hold_id": str(hold.id)}


def test_cli_init_rotate_and_retention(sqlite_template, tmp_path):
    """The commands themselves (the library behind them runs on both databases above)."""
    cli, db_url = Path(sys.executable).with_name("childsafe"), f"sqlite:///{tmp_path / 'cli.db'}"
    shutil.copy(sqlite_template, tmp_path / "cli.db")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHILDSAFE_")} | {
        "CHILDSAFE_DATABASE_URL": db_url, "CHILDSAFE_EVIDENCE_KEY_FILE": str(tmp_path / "keys.json"),
        "CHILDSAFE_EVIDENCE_DIR": str(tmp_path / "vault"), "COLUMNS": "500"}  # no wrapped lines

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(cli), *args], env=env, capture_output=True, text=True, timeout=120, check=False)

    created = run("evidence", "init-key")
    assert created.returncode == 0 and "wrote master key" in created.stderr, created.stderr
    first = evidence.MasterKeys.load(tmp_path / "keys.json").active
    assert run("evidence", "init-key").returncode == 1  # never overwrites keys silently
    rotated = run("evidence", "rotate-key", "--retire-old")
    assert rotated.returncode == 0, rotated.stderr
    rotated_keys = evidence.MasterKeys.load(tmp_path / "keys.json")
    assert rotated_keys.active != first and first in rotated_keys.keys  # rotated out just now: kept for a while
    again = run("evidence", "rotate-key", "--no-new-key", "--retire-old")
    assert again.returncode == 0 and "retired" not in again.stderr, again.stderr
    assert evidence.MasterKeys.load(tmp_path / "keys.json") == rotated_keys
    dry = run("retention", "run", "--dry-run")
    assert dry.returncode == 0 and "nothing was deleted" in dry.stderr, dry.stderr
    env["CHILDSAFE_EVIDENCE_KEY_FILE"] = str(tmp_path / "absent.json")
    locked = run("evidence", "status")
    assert locked.returncode == 1 and "does not exist" in locked.stderr


def test_an_automatic_hold_is_audited_when_only_the_commit_flushes(db, vault):
    case_id = open_case(db, RiskCategory.CYBERBULLYING)
    with db.transaction() as session:
        case = session.get(cases.Case, case_id)
        case.categories = [*case.categories, RiskCategory.SEXTORTION.value]  # nothing flushes before commit
    with db.transaction() as session:
        [hold] = evidence.holds(session, case_id)
        assert audit.entries(session, object_id=str(hold.id), action="evidence.hold_placed")
