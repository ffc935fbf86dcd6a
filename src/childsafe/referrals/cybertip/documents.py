"""The XML documents sent to ISPWS, rendered from a report's content in the schema's order.

Content is a plain JSON dict (see ``assemble``); rendering is pure, so the preview a specialist
approves and the document sent are byte-for-byte the same for the same content.
"""

import csv
import io
import xml.etree.ElementTree as ET
from typing import Any

from childsafe.referrals.cybertip.schema import MAX_TEXT, check

Content = dict[str, Any]


class InvalidDocument(ValueError):
    """A document that breaks NCMEC's schema: never sent."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems[:10]))
        self.problems = problems


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _add(parent: ET.Element, name: str, value: Any, **attrs: str) -> ET.Element | None:
    """Append a simple element; a None or empty value is left out (optional elements)."""
    if value is None or value == "" or value == []:
        return None
    element = ET.SubElement(parent, name, {k: v for k, v in attrs.items() if v is not None})
    element.text = _text(value)
    return element


def _short(value: str | None) -> str | None:
    return value[:MAX_TEXT] if value else value


def _emails(parent: ET.Element, emails: list[dict[str, Any]]) -> None:
    for email in emails:
        verified = email.get("verified")
        _add(parent, "email", email["address"], type=email.get("type"),
             verified=None if verified is None else _text(bool(verified)))


def _person(parent: ET.Element, name: str, person: dict[str, Any]) -> None:
    element = ET.SubElement(parent, name)
    _add(element, "firstName", person.get("first_name"))
    _add(element, "lastName", person.get("last_name"))
    _add(element, "phone", person.get("phone"))
    _emails(element, person.get("emails", []))


def _ip_events(parent: ET.Element, events: list[dict[str, Any]]) -> None:
    for event in events:
        element = ET.SubElement(parent, "ipCaptureEvent")
        _add(element, "ipAddress", event["ip"])
        _add(element, "eventName", event["event"])
        _add(element, "dateTime", event["at"])
        _add(element, "port", event.get("port"))
        _add(element, "possibleProxy", event.get("possible_proxy"))


def _account(parent: ET.Element, account: dict[str, Any], platform: str) -> None:
    """The account elements shared by the reported person, intended recipients and victims."""
    _add(parent, "espIdentifier", account.get("user_id"))
    _add(parent, "espService", platform if account.get("user_id") else None)
    _add(parent, "screenName", account.get("screen_name"))
    for name in account.get("display_names", []):
        _add(parent, "displayName", name)
    for url in account.get("profile_urls", []):
        _add(parent, "profileUrl", url)
    _ip_events(parent, account.get("ip_events", []))


def _prior(parent: ET.Element, account: dict[str, Any]) -> None:
    for report_id in account.get("prior_reports", []):
        _add(parent, "priorCTReports", report_id)


def report_xml(content: Content) -> bytes:
    """The ``<report>`` document for /submit."""
    root = ET.Element("report")
    incident = content["incident"]
    summary = ET.SubElement(root, "incidentSummary")
    _add(summary, "incidentType", incident.get("type"))
    _add(summary, "escalateToHighPriority", _short(incident.get("escalate")))
    _add(summary, "incidentDateTime", incident.get("at") or incident.get("discovered_at"))
    _add(summary, "incidentDateTimeDescription", _short(incident.get("description")))
    for detail in content.get("internet", []):
        holder = ET.SubElement(root, "internetDetails")
        if detail["kind"] == "web_page":
            element = ET.SubElement(holder, "webPageIncident")
            _add(element, "url", detail.get("url"))
            _add(element, "additionalInfo", _short(detail.get("additional_info")))
        else:  # chat_im: messages on the platform
            element = ET.SubElement(holder, "chatImIncident")
            _add(element, "chatClient", detail.get("client"))
            _add(element, "chatRoomName", detail.get("room"))
            _add(element, "additionalInfo", _short(detail.get("additional_info")))
    reporter = content["reporter"]
    reporter_element = ET.SubElement(root, "reporter")
    _person(reporter_element, "reportingPerson", reporter)
    if reporter.get("contact"):
        _person(reporter_element, "contactPerson", reporter["contact"])
    _add(reporter_element, "companyTemplate", reporter.get("company"))
    _add(reporter_element, "termsOfService", reporter.get("terms_url"))
    _add(reporter_element, "legalURL", reporter.get("legal_url"))
    platform = reporter.get("service") or reporter.get("company") or ""
    reported = content.get("reported")
    if reported:
        # The reported user's person block only when something about the person is known.
        known = bool(reported.get("emails") or reported.get("first_name") or reported.get("phone"))
        _party(root, "personOrUserReported", "personOrUserReportedPerson", reported, platform, with_person=known)
    for recipient in content.get("recipients", []):
        _party(root, "intendedRecipient", "intendedRecipientPerson", recipient, platform)
    for victim in content.get("victims", []):
        _party(root, "victim", "victimPerson", victim, platform)
    _add(root, "additionalInfo", _short(content.get("additional_info")))
    return _serialise(root)


def _party(root: ET.Element, tag: str, person_tag: str, party: dict[str, Any], platform: str, *,
           with_person: bool = True) -> None:
    """A reported user, intended recipient or victim: the same element sequence under different names."""
    element = ET.SubElement(root, tag)
    if with_person:
        _person(element, person_tag, party)
    _account(element, party, platform)
    _prior(element, party)
    _add(element, "additionalInfo", _short(party.get("additional_info")))


def file_details_xml(report_id: str, file_id: str, entry: dict[str, Any]) -> bytes:
    """The ``<fileDetails>`` document for /fileinfo, one per uploaded file."""
    root = ET.Element("fileDetails")
    _add(root, "reportId", report_id)
    _add(root, "fileId", file_id)
    _add(root, "originalFileName", entry.get("filename"))
    _add(root, "locationOfFile", entry.get("location"))
    _add(root, "fileViewedByEsp", bool(entry.get("viewed")))
    if entry.get("exif_viewed") is not None:
        _add(root, "exifViewedByEsp", bool(entry["exif_viewed"]))
    if entry.get("publicly_available") is not None:
        _add(root, "publiclyAvailable", bool(entry["publicly_available"]))
    _add(root, "fileRelevance", entry.get("relevance"))
    _add(root, "industryClassification", entry.get("classification"))
    for kind, key in (("MD5", "md5"), ("SHA256", "sha256"), ("PDQ", "pdq")):
        _add(root, "originalFileHash", entry.get(key), hashType=kind)
    _ip_events(root, entry.get("ip_events", []))
    _add(root, "additionalInfo", _short(entry.get("additional_info")))
    return _serialise(root)


def thread_csv(messages: list[dict[str, Any]], thread_id: str) -> bytes:
    """A conversation as the CSV NCMEC takes for text evidence (one row per message)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["content", "src", "target", "thread", "type", "contentId", "chat_type", "ip"])
    for number, message in enumerate(messages, 1):
        target = message.get("to", "")
        writer.writerow([message.get("text", ""), message.get("from", ""),
                         ";".join(target) if isinstance(target, list) else target, thread_id,
                         "text", message.get("id", number), "direct", message.get("ip", "")])
    return out.getvalue().encode()


def _serialise(root: ET.Element) -> bytes:
    return ET.tostring(root, encoding="UTF-8", xml_declaration=True)


def checked(document: bytes) -> bytes:
    """The document, if it keeps NCMEC's schema; otherwise InvalidDocument with every problem."""
    problems = check(document)
    if problems:
        raise InvalidDocument(problems)
    return document
