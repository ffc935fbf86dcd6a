"""Referral packages for INHOPE member hotlines, the IWF and law enforcement, built from a case.

A package is a zip: ``manifest.json`` (who, what, why, and the SHA-256 and size of every other file)
plus ``referral.json`` (the case in codes: category, subject URL and ids, times, decisions, and the
MD5/SHA-256/PDQ of each preserved file) and, where the recipient takes them, the preserved files
themselves, read from the evidence vault only. Hotlines work from URLs and hashes and do not take
uploaded images (INHOPE), so hotline packages carry files only when asked; law-enforcement packages
carry the media and the preserved account data, IP events and message thread, and are built only
against an approved entry in the register of law-enforcement requests (``requests``) about the same
case; each such package is listed in that entry's ``disclosed`` items.

Only child-safety specialists export; every export is written to the audit log with its package hash,
and its manifest is kept (the package itself is not: it may hold abuse material).
"""

import hashlib
import io
import json
import uuid
import zipfile
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import StringConstraints
from sqlalchemy import Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from childsafe import cases, decisions, evidence
from childsafe.audit import Actor, record
from childsafe.errors import Conflict, Forbidden, InvalidInput, NotFound
from childsafe.inputs import Input
from childsafe.referrals import requests as le_requests
from childsafe.store import GUID, Base, JSONDict, UTCDateTime, new_id, utcnow
from childsafe.vocabulary import Role

TARGETS = ("inhope", "iwf", "law_enforcement")
FORMAT = "childsafe-referral/1"
_RECORD_KINDS = ("account", "ip_events", "login_events", "message_thread", "other_record")


class ReferralExport(Base):
    __tablename__ = "referrals_export"

    id: Mapped[uuid.UUID] = mapped_column(GUID, primary_key=True, default=new_id)
    case_id: Mapped[uuid.UUID] = mapped_column(GUID, nullable=False, index=True)
    target: Mapped[str] = mapped_column(String(20), nullable=False)
    recipient: Mapped[str] = mapped_column(String(200), nullable=False)
    legal_basis: Mapped[str] = mapped_column(String(500), nullable=False)
    request_id: Mapped[uuid.UUID | None] = mapped_column(GUID, index=True)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    created_by: Mapped[str] = mapped_column(String(200), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    files: Mapped[list[dict[str, Any]]] = mapped_column(JSONDict, nullable=False, default=list)
    file_count: Mapped[int] = mapped_column(Integer, nullable=False)
    package_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    package_size: Mapped[int] = mapped_column(Integer, nullable=False)


class ExportIn(Input):
    target: Literal["inhope", "iwf", "law_enforcement"]
    recipient: Annotated[str, StringConstraints(min_length=1, max_length=200)]  # "IWF", "Meldpunt Kinderporno", …
    legal_basis: Annotated[str, StringConstraints(min_length=1, max_length=500)]
    reason: Annotated[str, StringConstraints(min_length=1, max_length=500)]  # goes to the audit log
    request_id: uuid.UUID | None = None  # the law-enforcement request this answers (it must be approved)
    include_media: bool | None = None  # default: law enforcement yes, hotlines no
    include_records: bool | None = None  # account data, IP events, thread; default: law enforcement only


@dataclass(frozen=True)
class Package:
    export: ReferralExport
    data: bytes
    filename: str


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _case_summary(session: Session, case: cases.Case) -> dict[str, Any]:
    taken = decisions.list_decisions(session, case_id=case.id, limit=50)
    return {
        "case_id": str(case.id), "category": case.category, "categories": case.categories,
        "opened_at": case.created_at.isoformat(),
        "subject": {"type": case.subject_type, "platform_id": case.subject_platform_id,
                    "account_id": case.subject_account_id, "url": case.subject_url,
                    "content_type": case.subject_content_type,
                    "created_at": case.subject_created_at.isoformat() if case.subject_created_at else None},
        "imminent_risk": case.imminent_risk,
        "signals": [{"kind": s.kind, "category": s.category, "at": s.at.isoformat()}
                    for s in cases.signals(session, case.id)],
        "decisions": [{"action": d.action, "category": d.category, "ground": d.ground,
                       "decided_at": d.decided_at.isoformat(), "status": d.status} for d in taken],
    }


def _item_entry(info: evidence.ItemInfo) -> dict[str, Any]:
    return {"item_id": str(info.id), "kind": info.kind, "original_filename": info.filename,
            "content_type": info.content_type, "size": info.size, "md5": info.md5, "sha256": info.sha256,
            "pdq": info.pdq, "preserved_at": info.created_at.isoformat(), "viewed_by_person": info.viewed_by_person}


def _check_request(session: Session, data: ExportIn,
                   case_id: uuid.UUID) -> le_requests.LawEnforcementRequest | None:
    """The approved register entry this package answers, locked until the export is recorded in it.

    Law enforcement receives data only against a request a second person approved in the register;
    a free-text legal basis alone is not enough. There is no emergency bypass: an emergency request is
    registered with ``emergency`` set and approved like any other, so the four-eyes step and the record
    of what was disclosed hold for it too."""
    if data.request_id is None:
        if data.target == "law_enforcement":
            raise InvalidInput("a law-enforcement package answers an approved law-enforcement request: "
                               "register it, have a second person approve it, and give its request_id",
                               field="request_id")
        return None
    request = le_requests.get(session, data.request_id)
    session.refresh(request, with_for_update=True)
    if request.status != "approved":
        raise Conflict(f"the law-enforcement request is {request.status}; disclosure needs an approved request",
                       field="request_id")
    if request.case_id != case_id:
        raise InvalidInput("the law-enforcement request is about another case" if request.case_id else
                           "the law-enforcement request names no case; register it with this case_id",
                           field="request_id")
    return request


def export(session: Session, case_id: uuid.UUID, data: ExportIn, actor: Actor) -> Package:
    """Build a referral package for a case. Child-safety specialists only; audited."""
    cases.restricted(session, case_id)  # NotFound for an unknown case; also opens the transaction the
    if actor.role != Role.CHILD_SAFETY_SPECIALIST:  # durable refusal entry is written beside
        record(session, actor, "referral.export_denied", "case", case_id, reason=data.reason, durable=True)
        raise Forbidden("only child-safety specialists export referral packages")
    case = cases.get(session, case_id, actor, reason=f"referral export: {data.reason}")
    request = _check_request(session, data, case.id)
    lawful = data.target == "law_enforcement"
    with_media = lawful if data.include_media is None else data.include_media
    with_records = lawful if data.include_records is None else data.include_records
    if with_records and not lawful:
        raise InvalidInput("account data and message threads go to law enforcement only", field="include_records")

    export_id = new_id()
    infos = [i for i in evidence.items(session, case.id) if not i.purged]
    files: dict[str, bytes] = {}
    # Packing a file is not looking at it: the vault is read by this automation on the specialist's behalf
    # (after the access check above), so "viewed by a person" (NCMEC's fileViewedByEsp) stays true to fact.
    packer = Actor(id="referrals.export", role="system", name=f"for {actor.label}")
    why = f"referral export {export_id} to {data.recipient} by {actor.label}: {data.reason}"[:500]
    for info in infos:
        if info.kind == "media" and with_media:
            name = f"files/{info.id}{_suffix(info.filename)}"
            files[name] = evidence.read_media(session, info.id, actor=packer, reason=why)
        elif info.kind in _RECORD_KINDS and with_records:
            body = evidence.read_record(session, info.id, actor=packer, reason=why)
            files[f"records/{info.kind}-{info.id}.json"] = json.dumps(body, indent=2, sort_keys=True).encode()
    referral = {"format": FORMAT, "target": data.target, "recipient": data.recipient,
                "case": _case_summary(session, case), "evidence": [_item_entry(i) for i in infos]}
    files["referral.json"] = json.dumps(referral, indent=2, sort_keys=True).encode()
    entries = [{"path": name, "sha256": _digest(body), "size": len(body)} for name, body in sorted(files.items())]
    manifest = {"format": FORMAT, "export_id": str(export_id), "created_at": utcnow().isoformat(),
                "created_by": actor.label, "target": data.target, "recipient": data.recipient,
                "legal_basis": data.legal_basis, "request_id": str(data.request_id) if data.request_id else None,
                "case_id": str(case.id), "files": entries}
    package = _zip(files, manifest)
    row = ReferralExport(id=export_id, case_id=case.id, target=data.target, recipient=data.recipient,
                         legal_basis=data.legal_basis, request_id=data.request_id, reason=data.reason,
                         created_by=actor.label, files=entries, file_count=len(entries),
                         package_sha256=_digest(package), package_size=len(package))
    session.add(row)
    session.flush()
    record(session, actor, "referral.exported", "case", case.id, reason=data.reason, export_id=export_id,
           target=data.target, files=len(entries), package_sha256=row.package_sha256,
           request_id=data.request_id)
    if request is not None:
        le_requests.record_package(session, request, actor, export_id=export_id, recipient=data.recipient,
                                   package_sha256=row.package_sha256, files=[e["path"] for e in entries])
    return Package(row, package, f"referral-{data.target}-{export_id}.zip")


def _suffix(filename: str | None) -> str:
    if filename and "." in filename:
        ext = filename.rsplit(".", 1)[1].lower()
        if ext.isalnum() and len(ext) <= 5:
            return f".{ext}"
    return ""


def _zip(files: dict[str, bytes], manifest: dict[str, Any]) -> bytes:
    buffer = io.BytesIO()
    fixed = (1980, 1, 1, 0, 0, 0)  # stable bytes for the same content
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("manifest.json", fixed),
                         json.dumps(manifest, indent=2, sort_keys=True).encode())
        for name, body in sorted(files.items()):
            archive.writestr(zipfile.ZipInfo(name, fixed), body)
    return buffer.getvalue()


def verify(package: bytes) -> list[str]:
    """Problems found in a package: a file missing, added or changed against its manifest (empty: intact)."""
    try:
        with zipfile.ZipFile(io.BytesIO(package)) as archive:
            manifest = json.loads(archive.read("manifest.json"))
            listed = {f["path"]: f for f in manifest["files"]}
            names = set(archive.namelist()) - {"manifest.json"}
            problems = [f"missing: {p}" for p in sorted(set(listed) - names)]
            problems += [f"not in the manifest: {p}" for p in sorted(names - set(listed))]
            for name in sorted(names & set(listed)):
                if _digest(archive.read(name)) != listed[name]["sha256"]:
                    problems.append(f"changed: {name}")
            return problems
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        return [f"not a referral package: {type(exc).__name__}"]


def exports_for(session: Session, case_id: uuid.UUID, actor: Actor) -> list[ReferralExport]:
    if actor.role not in (Role.CHILD_SAFETY_SPECIALIST, Role.COMPLIANCE):
        raise Forbidden("only child-safety specialists and compliance see referral exports")
    return list(session.scalars(select(ReferralExport).where(ReferralExport.case_id == case_id)
                                .order_by(ReferralExport.created_at)))


def get_export(session: Session, export_id: uuid.UUID) -> ReferralExport:
    row = session.get(ReferralExport, export_id)
    if row is None:
        raise NotFound(f"referral export {export_id} does not exist")
    return row


def as_dict(row: ReferralExport) -> dict[str, Any]:
    return {"id": str(row.id), "case_id": str(row.case_id), "target": row.target, "recipient": row.recipient,
            "legal_basis": row.legal_basis, "request_id": str(row.request_id) if row.request_id else None,
            "created_by": row.created_by, "created_at": row.created_at.isoformat(), "files": row.files,
            "package_sha256": row.package_sha256, "package_size": row.package_size}
