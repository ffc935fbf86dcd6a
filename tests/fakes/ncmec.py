"""A local stand-in for NCMEC's CyberTipline Reporting API (ISPWS), for tests only.

A real HTTP server on a free loopback port that keeps ISPWS's protocol: basic auth (responseCode
2000), schema-valid XML in element order with required fields and enumerations (4100), the step
sequence (upload and fileinfo only on an open report, fileinfo only for a file uploaded to that
report, finish once: 5102 after, retract only before finish), and NCMEC-style XML answers. It can
fail on purpose: HTTP 5xx, a response slower than the client's timeout, a connection dropped after
the request was processed, a refusal (HTTP 400 with a responseCode), and parking a request until the
test releases it, either before processing it or after processing it while holding back the answer.
"""

import base64
import hashlib
import itertools
import re
import threading
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs
from xml.etree import ElementTree as ET

OK, SERVER_ERROR, AUTH_REQUIRED, VALIDATION_FAILED, NO_REPORT, ALREADY_FINISHED = 0, 1000, 2000, 4100, 5001, 5102


@dataclass
class FakeReport:
    id: int
    xml: bytes
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    finished: bool = False
    retracted: bool = False


@dataclass
class Fault:
    mode: str  # "500" | "timeout" | "drop_after" | "reject" | "park" | "hold_answer"
    remaining: int
    delay: float = 0.0
    after: int | None = None  # only once this many requests to the endpoint were processed
    parked: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)


class FakeNcmec:
    def __init__(self, username: str = "esp-user", password: str = "esp-secret") -> None:
        self.username, self.password = username, password
        self.reports: dict[int, FakeReport] = {}
        self.calls: Counter[str] = Counter()  # endpoint -> requests fully processed
        self.requests: Counter[str] = Counter()  # endpoint -> requests received
        self.rejections: list[tuple[str, int, str]] = []
        self._faults: dict[str, list[Fault]] = {}
        self._ids = itertools.count(4_564_654)
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="fake-ncmec", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/ispws"

    def start(self) -> "FakeNcmec":
        self._thread.start()
        return self

    def stop(self) -> None:
        for faults in self._faults.values():
            for fault in faults:
                fault.release.set()
        self._server.shutdown()
        self._server.server_close()

    # --- failure injection ---------------------------------------------------------------------

    def fail(self, endpoint: str, mode: str, times: int = 1, delay: float = 0.0) -> Fault:
        fault = Fault(mode, times, delay)
        self._faults.setdefault(endpoint, []).append(fault)
        return fault

    def park(self, endpoint: str, after: int = 0) -> Fault:
        """Hold the request to ``endpoint`` that follows ``after`` processed ones, before processing it;
        it is dropped when released (the client that sent it is meant to be dead by then)."""
        fault = Fault("park", 1, after=after)
        self._faults.setdefault(endpoint, []).append(fault)
        return fault

    def hold_answer(self, endpoint: str, after: int = 0) -> Fault:
        """Process the request to ``endpoint`` that follows ``after`` processed ones, then hold its answer
        until released, and drop it: the window after NCMEC acted but before the client learnt so."""
        fault = Fault("hold_answer", 1, after=after)
        self._faults.setdefault(endpoint, []).append(fault)
        return fault

    def _fault_for(self, endpoint: str) -> Fault | None:
        with self._lock:
            for fault in self._faults.get(endpoint, []):
                if fault.remaining > 0 and (fault.after is None or fault.after == self.calls[endpoint]):
                    fault.remaining -= 1
                    return fault
        return None

    # --- what tests assert on ------------------------------------------------------------------

    def finished_reports(self) -> list[FakeReport]:
        return [r for r in self.reports.values() if r.finished]

    # --- the protocol --------------------------------------------------------------------------

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                return

            def do_GET(self) -> None:
                self._serve("GET")

            def do_POST(self) -> None:
                self._serve("POST")

            def _serve(self, method: str) -> None:
                endpoint = self.path.split("?")[0].removeprefix("/ispws/").strip("/")
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                fake.requests[endpoint] += 1
                if not self._authorised():
                    self._answer(401, _response(AUTH_REQUIRED, "Authentication Required"))
                    return
                fault = fake._fault_for(endpoint)
                if fault is not None and fault.mode == "park":
                    fault.parked.set()
                    fault.release.wait(30)
                    self.close_connection = True  # the client is gone (killed); nothing is processed
                    return
                if fault is not None and fault.mode == "reject":
                    self._answer(400, _response(VALIDATION_FAILED, "Refused on purpose by the test"))
                    return
                if fault is not None and fault.mode == "500":
                    self._answer(503, b"<html>Service Unavailable</html>", "text/html")
                    return
                if fault is not None and fault.mode == "timeout":
                    threading.Event().wait(fault.delay)
                    self._answer(500, b"", "text/plain")
                    return
                status, answer = fake._process(method, endpoint, body, self.headers.get("Content-Type", ""))
                if fault is not None and fault.mode == "hold_answer":
                    fault.parked.set()
                    fault.release.wait(30)
                    self.close_connection = True  # processed, and the client that asked is gone
                    return
                if fault is not None and fault.mode == "drop_after":
                    self.close_connection = True  # processed, but the answer never arrives
                    return
                self._answer(status, answer)

            def _authorised(self) -> bool:
                header = self.headers.get("Authorization", "")
                if not header.startswith("Basic "):
                    return False
                try:
                    user, _, password = base64.b64decode(header[6:]).decode().partition(":")
                except ValueError:
                    return False
                return (user, password) == (fake.username, fake.password)

            def _answer(self, status: int, body: bytes, content_type: str = "text/xml") -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass  # the client gave up waiting

        return Handler

    def _process(self, method: str, endpoint: str, body: bytes, content_type: str) -> tuple[int, bytes]:
        with self._lock:
            if (method, endpoint) == ("GET", "status"):
                return 200, _response(OK, "Success")
            handler = {"submit": self._submit, "upload": self._upload, "fileinfo": self._fileinfo,
                       "finish": self._finish, "retract": self._retract}.get(endpoint)
            if method != "POST" or handler is None:
                return 404, _response(NO_REPORT, f"unknown endpoint {endpoint}")
            status, answer = handler(body, content_type)
            if status == 200:
                self.calls[endpoint] += 1
            else:
                self.rejections.append((endpoint, status, answer.decode()))
            return status, answer

    def _open_report(self, raw: str | None) -> tuple[FakeReport | None, tuple[int, bytes] | None]:
        try:
            report = self.reports.get(int(raw or ""))
        except ValueError:
            report = None
        if report is None or report.retracted:
            return None, (400, _response(NO_REPORT, "Report does not exist"))
        if report.finished:
            return None, (400, _response(ALREADY_FINISHED, "Report has already been finished", report.id))
        return report, None

    def _submit(self, body: bytes, content_type: str) -> tuple[int, bytes]:
        if not content_type.startswith("text/xml"):
            return 400, _response(VALIDATION_FAILED, "Content-Type must be text/xml")
        problems = check_document(body, "report")
        if problems:
            return 400, _response(VALIDATION_FAILED, "; ".join(problems))
        report = FakeReport(next(self._ids), body)
        self.reports[report.id] = report
        return 200, _response(OK, "Success", report.id)

    def _upload(self, body: bytes, content_type: str) -> tuple[int, bytes]:
        fields = _multipart(body, content_type)
        if "id" not in fields or "file" not in fields:
            return 400, _response(VALIDATION_FAILED, "multipart fields id and file are required")
        report, error = self._open_report(fields["id"][1].decode())
        if error:
            return error
        assert report is not None
        filename, data = fields["file"]
        file_id = uuid.uuid4().hex
        report.files[file_id] = {"name": filename, "data": data, "md5": hashlib.md5(data).hexdigest(), "details": None}
        return 200, _response(OK, "Success", report.id, file_id=file_id, md5=report.files[file_id]["md5"])

    def _fileinfo(self, body: bytes, content_type: str) -> tuple[int, bytes]:
        problems = check_document(body, "fileDetails")
        if problems:
            return 400, _response(VALIDATION_FAILED, "; ".join(problems))
        root = ET.fromstring(body)  # check_document refused any DTD
        report, error = self._open_report(root.findtext("reportId"))
        if error:
            return error
        assert report is not None
        file_id = root.findtext("fileId") or ""
        if file_id not in report.files:
            return 400, _response(VALIDATION_FAILED, f"file {file_id} was not uploaded to report {report.id}")
        report.files[file_id]["details"] = body
        return 200, _response(OK, "Success", report.id)

    def _finish(self, body: bytes, content_type: str) -> tuple[int, bytes]:
        report, error = self._open_report(_form(body).get("id"))
        if error:
            return error
        assert report is not None
        report.finished = True
        files = "".join(f"<fileId>{f}</fileId>" for f in report.files)
        return 200, (f"<?xml version='1.0' encoding='UTF-8'?><reportDoneResponse><responseCode>0</responseCode>"
                     f"<reportId>{report.id}</reportId><files>{files}</files></reportDoneResponse>").encode()

    def _retract(self, body: bytes, content_type: str) -> tuple[int, bytes]:
        report, error = self._open_report(_form(body).get("id"))
        if error:
            return error
        assert report is not None
        report.retracted = True
        return 200, _response(OK, "Success", report.id)


def _response(code: int, description: str, report_id: int | None = None, *, file_id: str | None = None,
              md5: str | None = None) -> bytes:
    root = ET.Element("reportResponse")
    ET.SubElement(root, "responseCode").text = str(code)
    ET.SubElement(root, "responseDescription").text = description
    if report_id is not None:
        ET.SubElement(root, "reportId").text = str(report_id)
    if file_id is not None:
        ET.SubElement(root, "fileId").text = file_id
        ET.SubElement(root, "hash").text = md5
    return ET.tostring(root, encoding="UTF-8", xml_declaration=True)


def _form(body: bytes) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(body.decode(errors="replace")).items()}


def _multipart(body: bytes, content_type: str) -> dict[str, tuple[str | None, bytes]]:
    if not content_type.startswith("multipart/form-data"):
        return {}
    message = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body)
    fields: dict[str, tuple[str | None, bytes]] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if name:
            fields[str(name)] = (part.get_filename(), part.get_payload(decode=True) or b"")
    return fields


# --- the documents, as the fake reads them ------------------------------------------------------
# The fake ISPWS's own reading of NCMEC's report and fileDetails documents, for tests only.
#
# Written independently of childsafe.referrals.cybertip.schema (nothing is imported from it), straight
# from the reference's element tree and enumerations (shared/reference/workflow.md §4.3-4.5: XSD
# Appendix B for report, Appendix C for fileDetails), so a wrong order, a missing required element or
# a wrong enumeration value in the code under test is refused here instead of agreeing with itself.
#
# Notation: ``name`` exactly once, ``name?`` optional, ``name*`` any number, ``name+`` at least once;
# ``:type`` names a simple kind or another complex type (default: text).
# Where the reference lists a type's fields without a sequence (Person), only names and counts are checked.



INCIDENT_TYPES = {
    "Child Pornography (possession, manufacture, and distribution)", "Child Sex Trafficking", "Child Sex Tourism",
    "Child Sexual Molestation", "Misleading Domain Name", "Misleading Words or Digital Images on the Internet",
    "Online Enticement of Children for Sexual Acts", "Unsolicited Obscene Material Sent to a Child",
}
ENUMERATIONS = {
    "incidentType": INCIDENT_TYPES,
    "industryClassification": {"A1", "A2", "B1", "B2"},
    "eventName": {"Login", "Registration", "Purchase", "Upload", "Other", "Unknown"},
    "fileRelevance": {"Reported", "Supplemental Reported"},
    "detailType": {"EXIF", "HASH"},
}
EMAIL_TYPES = {"Home", "Work", "Business"}
LONG = 3000

_ACCOUNT = "espIdentifier? espService? screenName? displayName* profileUrl* ipCaptureEvent*:Ip deviceId*:Device"
SEQUENCES = {
    "report": "incidentSummary:Summary internetDetails*:Internet lawEnforcement?:Le reporter:Reporter "
              "personOrUserReported?:Reported intendedRecipient*:Recipient victim*:Victim additionalInfo?:long",
    "Summary": "incidentType:incidentType escalateToHighPriority?:long incidentDateTime:past "
               "incidentDateTimeDescription?:long",
    "Internet": "webPageIncident?:Web emailIncident?:Mail newsgroupIncident?:News chatImIncident?:Chat "
                "onlineGamingIncident?:Game cellPhoneIncident?:Cell nonInternetIncident?:NonNet "
                "peer2peerIncident?:P2p",
    "Web": "url? additionalInfo?:long thirdPartyHostedContent?:bool",
    "Mail": "emailAddress* content?:long additionalInfo?:long",
    "News": "name? emailAddress* content?:long additionalInfo?:long",
    "Chat": "chatClient? chatRoomName? content?:long additionalInfo?:long",
    "Game": "gameName? console? content?:long additionalInfo?:long",
    "Cell": "phoneNumber? latitude? longitude? additionalInfo?:long",
    "NonNet": "locationName? incidentAddress* additionalInfo?:long",
    "P2p": "client? ipCaptureEvent*:Ip additionalInfo?:long",
    "Le": "agencyName caseNumber? officerContact:Person reportedToLe?:bool servedLegalProcessDomestic?:bool "
          "servedLegalProcessInternational?:bool",
    "Reporter": "reportingPerson:ReportingPerson contactPerson?:Person companyTemplate? termsOfService?:long "
                "legalURL?",
    "Reported": f"personOrUserReportedPerson?:Person vehicleDescription? {_ACCOUNT} thirdPartyUserReported?:bool "
                "priorCTReports*:int groupIdentifier? estimatedLocation? additionalInfo?:long",
    "Recipient": f"intendedRecipientPerson:Person {_ACCOUNT} priorCTReports*:int "
                 "accountTemporarilyDisabled?:bool accountPermanentlyDisabled?:bool estimatedLocation? "
                 "additionalInfo?:long",
    "Victim": f"victimPerson:Person {_ACCOUNT} schoolName? priorCTReports*:int estimatedLocation? "
              "additionalInfo?:long",
    "Ip": "ipAddress eventName:eventName dateTime:when port?:int possibleProxy?:bool",
    "Device": "idType idValue eventName:eventName dateTime:when",
    "fileDetails": "reportId:int fileId originalFileName? locationOfFile? fileViewedByEsp?:bool "
                   "exifViewedByEsp?:bool publiclyAvailable?:bool fileRelevance?:fileRelevance "
                   "fileAnnotations?:Annotations industryClassification?:industryClassification "
                   "originalFileHash*:hash ipCaptureEvent*:Ip deviceId*:Device details*:Details "
                   "additionalInfo*:long",
    "Annotations": "animeDrawingVirtualHentai?:empty potentialMeme?:empty viral?:empty possibleSelfProduction?:empty "
                   "physicalHarm?:empty violenceGore?:empty bestiality?:empty liveStreaming?:empty infant?:empty "
                   "generativeAi?:empty",
    "Details": "nameValuePair+:Pair type?:detailType",
    "Pair": "name value",
}
UNORDERED = {  # the reference lists Person's fields as a set; the reporting person's e-mail is required
    "Person": "firstName? lastName? phone? email*:email deviceId*:Device",
    "ReportingPerson": "firstName? lastName? phone? email+:email deviceId*:Device",
}
ONE_OF = {"Internet"}


def _fields(spec: str) -> list[tuple[str, str, int, float]]:
    out = []
    for token in spec.split():
        name, _, kind = token.partition(":")
        low, high = {"?": (0, 1), "*": (0, float("inf")), "+": (1, float("inf"))}.get(name[-1], (1, 1))
        out.append((name.rstrip("?*+"), kind or "text", low, high))
    return out


def check_document(body: bytes, root_name: str) -> list[str]:
    if b"<!DOCTYPE" in body or b"<!ENTITY" in body:
        return ["a document type declaration is not allowed"]
    try:
        root = ET.fromstring(body)  # no DTD (refused above), so no entities to expand
    except ET.ParseError as exc:
        return [f"not well-formed: {exc}"]
    if root.tag != root_name:
        return [f"root must be <{root_name}>, not <{root.tag}>"]
    problems: list[str] = []
    _complex(root, root_name, root_name, problems)
    return problems


def _complex(element: ET.Element, type_name: str, path: str, problems: list[str]) -> None:
    children = list(element)
    if type_name in UNORDERED:
        fields = _fields(UNORDERED[type_name])
        known = {name for name, *_ in fields}
        problems.extend(f"{path}: unknown element <{c.tag}>" for c in children if c.tag not in known)
        for name, kind, low, high in fields:
            found = [c for c in children if c.tag == name]
            if not low <= len(found) <= high:
                problems.append(f"{path}/{name}: appears {len(found)} times")
            for child in found:
                _value(child, kind, f"{path}/{name}", problems)
        return
    fields = _fields(SEQUENCES[type_name])
    if type_name in ONE_OF and len(children) != 1:
        problems.append(f"{path}: exactly one incident kind")
    at = 0
    for name, kind, low, high in fields:
        count = 0
        while at < len(children) and children[at].tag == name:
            _value(children[at], kind, f"{path}/{name}", problems)
            at, count = at + 1, count + 1
        if not (type_name in ONE_OF or low <= count) or count > high:
            problems.append(f"{path}/{name}: appears {count} times")
    if at < len(children):
        problems.append(f"{path}: <{children[at].tag}> is out of sequence or unknown")


def _value(element: ET.Element, kind: str, path: str, problems: list[str]) -> None:
    if kind in SEQUENCES or kind in UNORDERED:
        _complex(element, kind, path, problems)
        return
    text = (element.text or "").strip()
    if len(element):
        problems.append(f"{path}: must not contain elements")
    elif kind == "empty":
        if text:
            problems.append(f"{path}: must be empty")
    elif not text:
        problems.append(f"{path}: blank")
    elif kind in ENUMERATIONS and text not in ENUMERATIONS[kind]:
        problems.append(f"{path}: {text!r} is not an allowed value")
    elif kind in ("when", "past") and not _moment(text, past=kind == "past"):
        problems.append(f"{path}: not a zoned ISO 8601 date and time" + (" in the past" if kind == "past" else ""))
    elif kind == "bool" and text not in ("true", "false"):
        problems.append(f"{path}: not a boolean")
    elif kind == "int" and not re.fullmatch(r"-?\d+", text):
        problems.append(f"{path}: not an integer")
    elif kind == "long" and len(text) > LONG:
        problems.append(f"{path}: over {LONG} characters")
    elif kind == "email":
        if "@" not in text or element.get("type", "Home") not in EMAIL_TYPES or \
                element.get("verified", "true") not in ("true", "false"):
            problems.append(f"{path}: not an e-mail address with a valid type and verified flag")
    elif kind == "hash" and not element.get("hashType"):
        problems.append(f"{path}: hashType is required")


def _moment(text: str, *, past: bool) -> bool:
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return False
    return when.tzinfo is not None and not (past and when > datetime.now(UTC))
