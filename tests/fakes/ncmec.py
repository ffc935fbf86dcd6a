"""A local stand-in for NCMEC's CyberTipline Reporting API (ISPWS), for tests only.

A real HTTP server on a free loopback port that keeps ISPWS's protocol: basic auth (responseCode
2000), schema-valid XML in element order with required fields and enumerations (4100), the step
sequence (upload and fileinfo only on an open report, fileinfo only for a file uploaded to that
report, finish once: 5102 after, retract only before finish), and NCMEC-style XML answers. It can
fail on purpose: HTTP 5xx, a response slower than the client's timeout, a connection dropped after
the request was processed, and parking a request (before processing it) until the test releases it.
"""

import base64
import hashlib
import itertools
import threading
import uuid
from collections import Counter
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs
from xml.etree import ElementTree as ET

from childsafe.referrals.cybertip.schema import check, parse

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
    mode: str  # "500" | "timeout" | "drop_after" | "park"
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
                if fault is not None and fault.mode == "500":
                    self._answer(503, b"<html>Service Unavailable</html>", "text/html")
                    return
                if fault is not None and fault.mode == "timeout":
                    threading.Event().wait(fault.delay)
                    self._answer(500, b"", "text/plain")
                    return
                status, answer = fake._process(method, endpoint, body, self.headers.get("Content-Type", ""))
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
        problems = check(body)
        if problems or parse(body).tag != "report":
            return 400, _response(VALIDATION_FAILED, "; ".join(problems) or "root must be <report>")
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
        problems = check(body)
        if problems or parse(body).tag != "fileDetails":
            return 400, _response(VALIDATION_FAILED, "; ".join(problems) or "root must be <fileDetails>")
        root = parse(body)
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
