"""A report's content, gathered from a case and its preserved evidence, and what it still lacks.

Account records and IP events are read from the vault (each read audited with the specialist and
the reason); media bytes are not read here, only their hashes, so drafting a report exposes
nobody to the material. The bytes are read when they are uploaded.
"""

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from childsafe import cases, evidence
from childsafe.audit import Actor
from childsafe.config import Settings
from childsafe.errors import InvalidInput
from childsafe.referrals.cybertip.schema import (
    INCIDENT_TYPES,
    INDUSTRY_CLASSIFICATIONS,
    IP_EVENT_NAMES,
    TEXT_ONLY_INCIDENT_TYPES,
    parse_datetime,
)
from childsafe.vocabulary import RiskCategory, category_info

READ_REASON = "CyberTipline report"
REPORTED, RECIPIENT, VICTIM = "reported", "intended_recipient", "victim"


@dataclass(frozen=True)
class DraftOptions:
    """What only the specialist knows; everything else comes from the case and the vault."""

    incident_type: str | None = None
    incident_at: datetime | None = None
    incident_description: str | None = None
    escalate: str | None = None  # the reason; its presence asks NCMEC for high priority
    additional_info: str | None = None
    prior_reports: tuple[int, ...] = ()
    classifications: dict[str, str] = field(default_factory=dict)  # evidence id -> A1 | A2 | B1 | B2
    publicly_available: bool | None = None


@dataclass(frozen=True)
class Missing:
    code: str
    message: str


def incident_type_for(category: str, requested: str | None) -> str:
    if requested is not None:
        if requested not in INCIDENT_TYPES:
            raise InvalidInput(f"{requested!r} is not a CyberTipline incident type", field="incident_type")
        return requested
    mapped = category_info(RiskCategory(category)).ncmec_incident_type
    if mapped is None:
        raise InvalidInput(f"cases in category {category!r} are not reportable to the CyberTipline; "
                           "name an incident_type if this one is", field="incident_type")
    return mapped.value


def build_content(session: Session, case_id: uuid.UUID, actor: Actor, settings: Settings,
                  options: DraftOptions) -> dict[str, Any]:
    if options.incident_at is not None and options.incident_at > datetime.now(UTC):
        raise InvalidInput("the incident time must be in the past", field="incident_at")
    case = cases.get(session, case_id, actor, reason=READ_REASON)
    incident_type = incident_type_for(case.category, options.incident_type)
    for evidence_id, label in options.classifications.items():
        if label not in INDUSTRY_CLASSIFICATIONS:
            raise InvalidInput(f"{label!r} is not an industry classification (A1, A2, B1, B2)",
                               field=f"classifications.{evidence_id}")
    accounts: dict[str, dict[str, Any]] = {}
    reported_events: list[dict[str, Any]] = []
    files: list[dict[str, Any]] = []
    items = evidence.items(session, case.id)
    for item in items:
        if item.purged:
            continue
        if item.kind == "media":
            files.append(_media_entry(item, options))
        elif item.kind == "account":
            record = evidence.read_record(session, item.id, actor=actor, reason=READ_REASON)
            role = record.get("role") or (REPORTED if record.get("user_id") in (None, case.subject_account_id)
                                          or not case.subject_account_id else RECIPIENT)
            accounts.setdefault(str(record.get("user_id") or item.id), {"role": role}).update(_account(record))
        elif item.kind in ("ip_events", "login_events"):
            record = evidence.read_record(session, item.id, actor=actor, reason=READ_REASON)
            owner = record.get("user_id")
            events = [_ip_event(e) for e in record.get("events", []) if e.get("ip") and e.get("at")]
            if owner and str(owner) in accounts and accounts[str(owner)]["role"] != REPORTED:
                accounts[str(owner)].setdefault("ip_events", []).extend(events)
            else:
                reported_events.extend(events)
        elif item.kind == "message_thread":
            files.append({"evidence_id": str(item.id), "kind": "message_thread",
                          "filename": f"conversation-{str(item.id)[:8]}.csv", "viewed": item.viewed_by_person,
                          "relevance": "Reported"})
    reported = next((a for a in accounts.values() if a["role"] == REPORTED), None)
    if reported is None:
        reported = {"role": REPORTED, "user_id": case.subject_account_id} if case.subject_account_id else None
    if reported is not None:
        reported["ip_events"] = sorted(reported.get("ip_events", []) + reported_events, key=lambda e: e["at"])
        reported["prior_reports"] = list(options.prior_reports)
    incident_at = options.incident_at or case.subject_created_at
    discovered = min((s.at for s in cases.signals(session, case.id)), default=case.created_at)
    description = options.incident_description or (
        f"Time the content was posted on the platform; first flagged to the platform at {_iso(discovered)}."
        if incident_at else "Posting time unknown; this is when the platform first flagged it.")
    return {
        "case_id": str(case.id),
        "incident": {"type": incident_type, "at": _iso(incident_at) if incident_at else None,
                     "discovered_at": _iso(discovered), "description": description,
                     "escalate": options.escalate or None},
        "internet": _internet(case, settings, files),
        "reporter": _reporter(settings),
        "reported": reported,
        "recipients": [a for a in accounts.values() if a["role"] == RECIPIENT],
        "victims": [a for a in accounts.values() if a["role"] == VICTIM],
        "files": files,
        "additional_info": options.additional_info or None,
    }


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="seconds")


def _media_entry(item: Any, options: DraftOptions) -> dict[str, Any]:
    return {"evidence_id": str(item.id), "kind": "media", "filename": item.filename or f"file-{str(item.id)[:8]}",
            "content_type": item.content_type or "application/octet-stream", "md5": item.md5,
            "sha256": item.sha256, "pdq": item.pdq, "viewed": bool(item.viewed_by_person),
            "exif_viewed": bool(item.exif_viewed), "publicly_available": options.publicly_available,
            "classification": options.classifications.get(str(item.id)), "relevance": "Reported"}


def _account(record: dict[str, Any]) -> dict[str, Any]:
    emails = record.get("emails") or ([{"address": record["email"], "verified": record.get("email_verified")}]
                                      if record.get("email") else [])
    return {
        "user_id": record.get("user_id"), "screen_name": record.get("screen_name"),
        "display_names": [record["display_name"]] if record.get("display_name") else [],
        "profile_urls": [record["profile_url"]] if record.get("profile_url") else [],
        "emails": [{"address": e["address"], "verified": e.get("verified"), "type": e.get("type")}
                   for e in emails if e.get("address")],
        "first_name": record.get("first_name"), "last_name": record.get("last_name"), "phone": record.get("phone"),
    }


def _ip_event(event: dict[str, Any]) -> dict[str, Any]:
    name = str(event.get("event") or "unknown").capitalize()
    when = parse_datetime(str(event["at"]))
    return {"ip": str(event["ip"]), "event": name if name in IP_EVENT_NAMES else "Other",
            "at": _iso(when) if when else str(event["at"]), "port": event.get("port")}


def _internet(case: Any, settings: Settings, files: list[dict[str, Any]]) -> list[dict[str, Any]]:
    details: list[dict[str, Any]] = []
    if case.subject_url:
        details.append({"kind": "web_page", "url": case.subject_url})
    if case.subject_type == "message_thread" or any(f["kind"] == "message_thread" for f in files):
        details.append({"kind": "chat_im", "client": settings.platform_name})
    return details


def _reporter(settings: Settings) -> dict[str, Any]:
    email = settings.ncmec_reporter_email
    return {"first_name": settings.ncmec_reporter_first_name, "last_name": settings.ncmec_reporter_last_name,
            "phone": settings.ncmec_reporter_phone,
            "emails": [{"address": email, "verified": None, "type": "Business"}] if email else [],
            "company": settings.platform_name, "service": settings.platform_name,
            "terms_url": settings.terms_url, "legal_url": settings.ncmec_legal_url}


def missing(content: dict[str, Any], settings: Settings) -> list[Missing]:
    """What NCMEC needs to act on a report and this one lacks (empty: complete)."""
    found: list[Missing] = []
    reported = content.get("reported") or {}
    if not (reported.get("user_id") or reported.get("screen_name") or reported.get("emails")):
        found.append(Missing("reported_user_identifier",
                             "no identifier of the reported user (user id, screen name or e-mail address)"))
    media = [f for f in content.get("files", []) if f["kind"] == "media"]
    threads = [f for f in content.get("files", []) if f["kind"] == "message_thread"]
    text_only = content["incident"]["type"] in TEXT_ONLY_INCIDENT_TYPES
    if any(not (f.get("md5") or f.get("sha256")) for f in media):
        found.append(Missing("file_hashes", "a preserved file has no MD5 or SHA-256 hash"))
    elif not media and not (text_only and threads):
        found.append(Missing("file_hashes", "no preserved file with hashes" + (
            " and no message thread" if text_only else " (this incident type needs the reported files)")))
    if not content["incident"].get("at"):
        found.append(Missing("incident_time", "no incident date and time (when the content was posted or sent)"))
    if settings.ncmec_records_ips and not reported.get("ip_events"):
        found.append(Missing("ip_events", "no IP capture events of the reported user, though the platform "
                                          "records IP addresses"))
    if not content["reporter"].get("emails"):
        found.append(Missing("reporter_email", "no reporting person's e-mail address (set ncmec_reporter_email)"))
    return found
