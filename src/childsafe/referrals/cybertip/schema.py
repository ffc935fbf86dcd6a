"""NCMEC's report and fileDetails documents as data: element order, cardinality and enumerations.

ISPWS rejects a document whose elements are out of the XSD sequence (responseCode 4100), so the
order is the contract. It is written down once here, from NCMEC's published element tree (XSD
Appendix B for ``report``, Appendix C for ``fileDetails``), and both the builder and the checker
follow it: ``check`` is run on every document before it leaves the process.
"""

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, datetime

from childsafe.vocabulary.taxonomy import NcmecIncidentType

UNBOUNDED = 1_000_000
MAX_TEXT = 3000

INCIDENT_TYPES = frozenset(t.value for t in NcmecIncidentType)
# Incident types NCMEC accepts without any uploaded file (the message thread is the evidence).
TEXT_ONLY_INCIDENT_TYPES = frozenset({
    NcmecIncidentType.ONLINE_ENTICEMENT.value, NcmecIncidentType.MISLEADING_WORDS_OR_IMAGES.value,
    NcmecIncidentType.MISLEADING_DOMAIN_NAME.value, NcmecIncidentType.UNSOLICITED_OBSCENE_MATERIAL.value,
})
IP_EVENT_NAMES = frozenset({"Login", "Registration", "Purchase", "Upload", "Other", "Unknown"})
EMAIL_TYPES = frozenset({"Home", "Work", "Business"})
INDUSTRY_CLASSIFICATIONS = frozenset({"A1", "A2", "B1", "B2"})
FILE_RELEVANCE = frozenset({"Reported", "Supplemental Reported"})
HASH_TYPES = frozenset({"MD5", "SHA1", "SHA256", "PDQ", "PhotoDNA"})
DETAIL_TYPES = frozenset({"EXIF", "HASH"})
FILE_ANNOTATIONS = ("animeDrawingVirtualHentai", "potentialMeme", "viral", "possibleSelfProduction", "physicalHarm",
                    "violenceGore", "bestiality", "liveStreaming", "infant", "generativeAi")

# Simple content types.
TEXT, LONG_TEXT, DATETIME, PAST_DATETIME, BOOLEAN, INTEGER, EMPTY = (
    "text", "longtext", "datetime", "pastdatetime", "boolean", "integer", "empty")
ENUMS: dict[str, frozenset[str]] = {
    "incidentType": INCIDENT_TYPES, "eventName": IP_EVENT_NAMES, "industryClassification": INDUSTRY_CLASSIFICATIONS,
    "fileRelevance": FILE_RELEVANCE,
}


@dataclass(frozen=True)
class Child:
    name: str
    type: str  # a simple type above, "enum:<key>", or the name of a complex type in TYPES
    min: int = 0
    max: int = 1


def _seq(*children: Child) -> tuple[Child, ...]:
    return children


def one(name: str, type_: str) -> Child:
    return Child(name, type_, 1, 1)


def opt(name: str, type_: str) -> Child:
    return Child(name, type_, 0, 1)


def many(name: str, type_: str) -> Child:
    return Child(name, type_, 0, UNBOUNDED)


_IP_EVENT = _seq(one("ipAddress", TEXT), one("eventName", "enum:eventName"), one("dateTime", DATETIME),
                 opt("port", INTEGER), opt("possibleProxy", BOOLEAN))
_DEVICE_ID = _seq(one("idType", TEXT), one("idValue", TEXT), opt("eventName", "enum:eventName"),
                  opt("dateTime", DATETIME))
_PERSON = _seq(opt("firstName", TEXT), opt("lastName", TEXT), opt("phone", TEXT), many("email", "Email"),
               many("deviceId", "DeviceId"))
_ACCOUNT_TAIL = (opt("espIdentifier", TEXT), opt("espService", TEXT), opt("screenName", TEXT),
                 many("displayName", TEXT), many("profileUrl", TEXT), many("ipCaptureEvent", "IpCaptureEvent"),
                 many("deviceId", "DeviceId"))

# Complex types: a sequence of children, or (for internetDetails) a choice of exactly one.
TYPES: dict[str, tuple[Child, ...]] = {
    "report": _seq(one("incidentSummary", "IncidentSummary"), many("internetDetails", "InternetDetails"),
                   opt("lawEnforcement", "LawEnforcement"), one("reporter", "Reporter"),
                   opt("personOrUserReported", "PersonOrUserReported"),
                   many("intendedRecipient", "IntendedRecipient"), many("victim", "Victim"),
                   opt("additionalInfo", LONG_TEXT)),
    "IncidentSummary": _seq(one("incidentType", "enum:incidentType"), opt("escalateToHighPriority", LONG_TEXT),
                            one("incidentDateTime", PAST_DATETIME), opt("incidentDateTimeDescription", LONG_TEXT)),
    "InternetDetails": _seq(opt("webPageIncident", "WebPageIncident"), opt("emailIncident", "EmailIncident"),
                            opt("newsgroupIncident", "NewsgroupIncident"), opt("chatImIncident", "ChatImIncident"),
                            opt("onlineGamingIncident", "OnlineGamingIncident"),
                            opt("cellPhoneIncident", "CellPhoneIncident"),
                            opt("nonInternetIncident", "NonInternetIncident"),
                            opt("peer2peerIncident", "Peer2PeerIncident")),
    "WebPageIncident": _seq(opt("url", TEXT), opt("additionalInfo", LONG_TEXT),
                            opt("thirdPartyHostedContent", BOOLEAN)),
    "EmailIncident": _seq(many("emailAddress", TEXT), opt("content", LONG_TEXT), opt("additionalInfo", LONG_TEXT)),
    "NewsgroupIncident": _seq(opt("name", TEXT), many("emailAddress", TEXT), opt("content", LONG_TEXT),
                              opt("additionalInfo", LONG_TEXT)),
    "ChatImIncident": _seq(opt("chatClient", TEXT), opt("chatRoomName", TEXT), opt("content", LONG_TEXT),
                           opt("additionalInfo", LONG_TEXT)),
    "OnlineGamingIncident": _seq(opt("gameName", TEXT), opt("console", TEXT), opt("content", LONG_TEXT),
                                 opt("additionalInfo", LONG_TEXT)),
    "CellPhoneIncident": _seq(opt("phoneNumber", TEXT), opt("latitude", TEXT), opt("longitude", TEXT),
                              opt("additionalInfo", LONG_TEXT)),
    "NonInternetIncident": _seq(opt("locationName", TEXT), many("incidentAddress", TEXT),
                                opt("additionalInfo", LONG_TEXT)),
    "Peer2PeerIncident": _seq(opt("client", TEXT), many("ipCaptureEvent", "IpCaptureEvent"),
                              opt("additionalInfo", LONG_TEXT)),
    "LawEnforcement": _seq(one("agencyName", TEXT), opt("caseNumber", TEXT), one("officerContact", "Person"),
                           opt("reportedToLe", BOOLEAN), opt("servedLegalProcessDomestic", BOOLEAN),
                           opt("servedLegalProcessInternational", BOOLEAN)),
    "Reporter": _seq(one("reportingPerson", "ReportingPerson"), opt("contactPerson", "Person"),
                     opt("companyTemplate", TEXT), opt("termsOfService", LONG_TEXT), opt("legalURL", TEXT)),
    "Person": _PERSON,
    # The reporting person must carry an e-mail address (NCMEC contacts the reporter there).
    "ReportingPerson": _seq(opt("firstName", TEXT), opt("lastName", TEXT), opt("phone", TEXT),
                            Child("email", "Email", 1, UNBOUNDED), many("deviceId", "DeviceId")),
    "Email": (),  # text content with attributes, checked in _check_email
    "IpCaptureEvent": _IP_EVENT,
    "DeviceId": _DEVICE_ID,
    "PersonOrUserReported": _seq(opt("personOrUserReportedPerson", "Person"), opt("vehicleDescription", TEXT),
                                 *_ACCOUNT_TAIL, opt("thirdPartyUserReported", BOOLEAN),
                                 many("priorCTReports", INTEGER), opt("groupIdentifier", TEXT),
                                 opt("estimatedLocation", TEXT), opt("additionalInfo", LONG_TEXT)),
    "IntendedRecipient": _seq(one("intendedRecipientPerson", "Person"), *_ACCOUNT_TAIL,
                              many("priorCTReports", INTEGER), opt("accountTemporarilyDisabled", BOOLEAN),
                              opt("accountPermanentlyDisabled", BOOLEAN), opt("estimatedLocation", TEXT),
                              opt("additionalInfo", LONG_TEXT)),
    "Victim": _seq(one("victimPerson", "Person"), *_ACCOUNT_TAIL, opt("schoolName", TEXT),
                   many("priorCTReports", INTEGER), opt("estimatedLocation", TEXT), opt("additionalInfo", LONG_TEXT)),
    "fileDetails": _seq(one("reportId", INTEGER), one("fileId", TEXT), opt("originalFileName", TEXT),
                        opt("locationOfFile", TEXT), opt("fileViewedByEsp", BOOLEAN),
                        opt("exifViewedByEsp", BOOLEAN), opt("publiclyAvailable", BOOLEAN),
                        opt("fileRelevance", "enum:fileRelevance"), opt("fileAnnotations", "FileAnnotations"),
                        opt("industryClassification", "enum:industryClassification"),
                        many("originalFileHash", "OriginalFileHash"), many("ipCaptureEvent", "IpCaptureEvent"),
                        many("deviceId", "DeviceId"), many("details", "Details"), many("additionalInfo", LONG_TEXT)),
    "FileAnnotations": tuple(opt(name, EMPTY) for name in FILE_ANNOTATIONS),
    "OriginalFileHash": (),  # text content with a hashType attribute, checked in _check_hash
    "Details": _seq(Child("nameValuePair", "NameValuePair", 1, UNBOUNDED), opt("type", "enum:detailType")),
    "NameValuePair": _seq(one("name", TEXT), one("value", TEXT)),
}
ENUMS["detailType"] = DETAIL_TYPES
CHOICE_TYPES = frozenset({"InternetDetails"})  # exactly one child
ROOTS = {"report": "report", "fileDetails": "fileDetails"}

_INTEGER = re.compile(r"^-?[0-9]+$")
_HEX = re.compile(r"^[0-9a-fA-F]+$")


def parse_datetime(value: str) -> datetime | None:
    """An xs:dateTime with an explicit zone (NCMEC needs the time zone), else None."""
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def parse(document: bytes | str) -> ET.Element:
    """Parse XML that carries no DTD. ISPWS documents never have one, and refusing it up front rules
    out entity expansion (the billion-laughs kind) from whoever sent the document."""
    raw = document.encode() if isinstance(document, str) else document
    if b"<!DOCTYPE" in raw or b"<!ENTITY" in raw:
        raise ET.ParseError("a document type declaration is not allowed")
    return ET.fromstring(raw)  # noqa: S314 - no DTD, so no entities to expand; expat resolves no external ones


def check(document: bytes | str, *, now: datetime | None = None) -> list[str]:
    """Every way the document breaks the contract, as ``path: problem`` lines (empty when valid)."""
    try:
        root = parse(document)
    except ET.ParseError as exc:
        return [f"not well-formed XML: {exc}"]
    if root.tag not in ROOTS:
        return [f"unknown root element <{root.tag}>; expected <report> or <fileDetails>"]
    problems: list[str] = []
    _check_element(root, ROOTS[root.tag], root.tag, problems, now or datetime.now(UTC))
    return problems


def _check_element(element: ET.Element, type_name: str, path: str, problems: list[str], now: datetime) -> None:
    if type_name == "Email":
        _check_email(element, path, problems)
        return
    if type_name == "OriginalFileHash":
        _check_hash(element, path, problems)
        return
    spec = TYPES[type_name]
    if (element.text or "").strip():
        problems.append(f"{path}: unexpected text in a complex element")
    children = list(element)
    if type_name in CHOICE_TYPES and len(children) != 1:
        problems.append(f"{path}: exactly one of {', '.join(c.name for c in spec)} is required")
    position = 0
    for child in spec:
        count = 0
        while position < len(children) and children[position].tag == child.name:
            _check_value(children[position], child, f"{path}/{child.name}", problems, now)
            position += 1
            count += 1
        if count < child.min and type_name not in CHOICE_TYPES:
            problems.append(f"{path}: required element <{child.name}> is missing")
        if count > child.max:
            problems.append(f"{path}: <{child.name}> may appear at most {child.max} time(s)")
    if position < len(children):
        tag = children[position].tag
        known = {c.name for c in spec}
        problems.append(f"{path}: <{tag}> is out of order" if tag in known else f"{path}: unknown element <{tag}>")


def _check_value(element: ET.Element, child: Child, path: str, problems: list[str], now: datetime) -> None:
    kind = child.type
    if kind in TYPES:
        _check_element(element, kind, path, problems, now)
        return
    if len(element):
        problems.append(f"{path}: a simple element may not contain elements")
        return
    text = (element.text or "").strip()
    if kind == EMPTY:
        if text:
            problems.append(f"{path}: must be empty")
        return
    if not text:
        problems.append(f"{path}: must not be blank")
    elif kind.startswith("enum:"):
        allowed = ENUMS[kind.removeprefix("enum:")]
        if text not in allowed:
            problems.append(f"{path}: {text!r} is not one of {sorted(allowed)}")
    elif kind in (DATETIME, PAST_DATETIME):
        when = parse_datetime(text)
        if when is None:
            problems.append(f"{path}: not an ISO 8601 date and time with a time zone")
        elif kind == PAST_DATETIME and when > now:
            problems.append(f"{path}: must be in the past")
    elif kind == BOOLEAN and text not in ("true", "false"):
        problems.append(f"{path}: must be true or false")
    elif kind == INTEGER and not _INTEGER.match(text):
        problems.append(f"{path}: must be an integer")
    elif kind == LONG_TEXT and len(text) > MAX_TEXT:
        problems.append(f"{path}: longer than {MAX_TEXT} characters")


def _check_email(element: ET.Element, path: str, problems: list[str]) -> None:
    text = (element.text or "").strip()
    if not text or "@" not in text:
        problems.append(f"{path}: not an e-mail address")
    kind = element.get("type")
    if kind is not None and kind not in EMAIL_TYPES:
        problems.append(f"{path}: type {kind!r} is not one of {sorted(EMAIL_TYPES)}")
    verified = element.get("verified")
    if verified is not None and verified not in ("true", "false"):
        problems.append(f"{path}: verified must be true or false")


def _check_hash(element: ET.Element, path: str, problems: list[str]) -> None:
    kind = element.get("hashType")
    if kind not in HASH_TYPES:
        problems.append(f"{path}: hashType {kind!r} is not one of {sorted(HASH_TYPES)}")
    text = (element.text or "").strip()
    if not text or (kind != "PhotoDNA" and not _HEX.match(text)):
        problems.append(f"{path}: not a hexadecimal hash")
