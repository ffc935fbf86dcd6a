"""A client for NCMEC's CyberTipline Reporting API (ISPWS): HTTPS, basic auth, XML both ways.

Failures are sorted into two kinds because they need opposite handling: ``NcmecUnavailable``
(5xx, timeouts, dropped connections, responseCode 1000) is retried later, ``NcmecRejected`` (other
4xx, any other non-zero responseCode) will fail the same way again and goes to the specialist.
``NcmecNotAuthorised`` (401, 403, 429, or no credentials configured) is a kind of unavailability:
the report is fine, the platform's access is not, so the report waits for an operator to fix it.
"""

import ssl
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlsplit

import certifi
import httpx

from childsafe.config import Settings
from childsafe.referrals.cybertip.schema import parse

PRODUCTION_URL = "https://report.cybertip.org/ispws"
TEST_URL = "https://exttest.cybertip.org/ispws"
SERVER_ERROR = 1000
ALREADY_FINISHED = 5102
OPERATOR_FAULTS = frozenset({401, 403, 429})  # access refused or rate limited: not the report's fault
_LOOPBACK = {"127.0.0.1", "::1", "localhost"}


class NcmecError(Exception):
    pass


class NcmecUnavailable(NcmecError):
    """Worth retrying: the request may not have been processed."""


class NcmecNotAuthorised(NcmecUnavailable):
    """Our side's fault (credentials missing or refused, rate limited): retrying at once will not help,
    but the report must not be rejected for it; it waits in the outbox while an operator is alerted."""


class NcmecRejected(NcmecError):
    """NCMEC answered and refused; sending the same again will not help."""

    def __init__(self, message: str, *, code: int | None = None, http_status: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.http_status = http_status


@dataclass(frozen=True)
class Answer:
    code: int
    description: str
    report_id: str | None
    file_id: str | None


def base_url(settings: Settings) -> str:
    if settings.ncmec_url:
        return settings.ncmec_url.rstrip("/")
    return PRODUCTION_URL if settings.ncmec_environment == "production" else TEST_URL


@cache
def _tls() -> ssl.SSLContext:
    """httpx's default verification (the certifi CA bundle), built once: loading the bundle takes about
    0.1 s, which every job would otherwise spend before its first request."""
    return ssl.create_default_context(cafile=certifi.where())


class IspwsClient:
    def __init__(self, url: str, username: str, password: str, *, timeout: float = 30.0,
                 transport: httpx.BaseTransport | None = None) -> None:
        parts = urlsplit(url)
        if parts.scheme != "https" and not (parts.scheme == "http" and parts.hostname in _LOOPBACK):
            raise ValueError("the CyberTipline API is reached over HTTPS only")
        self._http = httpx.Client(base_url=url.rstrip("/") + "/", auth=(username, password),
                                  timeout=timeout, transport=transport, verify=_tls())

    @classmethod
    def from_settings(cls, settings: Settings) -> "IspwsClient":
        if not settings.ncmec_username or not settings.ncmec_password:
            raise NcmecNotAuthorised("NCMEC credentials are not configured (CHILDSAFE_NCMEC_USERNAME, "
                                     "CHILDSAFE_NCMEC_PASSWORD)")
        return cls(base_url(settings), settings.ncmec_username, settings.ncmec_password,
                   timeout=settings.ncmec_timeout_seconds)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "IspwsClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def status(self) -> Answer:
        return self._call("GET", "status")

    def submit(self, report: bytes) -> str:
        answer = self._call("POST", "submit", content=report, headers={"Content-Type": "text/xml; charset=utf-8"})
        if not answer.report_id:
            raise NcmecRejected("NCMEC accepted the report but returned no reportId", code=answer.code)
        return answer.report_id

    def upload(self, report_id: str, filename: str, data: bytes, content_type: str) -> str:
        answer = self._call("POST", "upload", data={"id": report_id}, files={"file": (filename, data, content_type)})
        if not answer.file_id:
            raise NcmecRejected("NCMEC accepted the upload but returned no fileId", code=answer.code)
        return answer.file_id

    def file_info(self, details: bytes) -> None:
        self._call("POST", "fileinfo", content=details, headers={"Content-Type": "text/xml; charset=utf-8"})

    def finish(self, report_id: str) -> bool:
        """Close the report. True if this call closed it, False if it was closed already (a retried finish)."""
        try:
            self._call("POST", "finish", data={"id": report_id})
        except NcmecRejected as exc:
            if exc.code == ALREADY_FINISHED:
                return False
            raise
        return True

    def retract(self, report_id: str) -> None:
        self._call("POST", "retract", data={"id": report_id})

    def _call(self, method: str, path: str, **kwargs: object) -> Answer:
        try:
            response = self._http.request(method, path, **kwargs)  # type: ignore[arg-type]
        except httpx.TransportError as exc:  # timeouts, refused and dropped connections
            raise NcmecUnavailable(f"{path}: {type(exc).__name__}") from exc
        if response.status_code >= 500:
            raise NcmecUnavailable(f"{path}: HTTP {response.status_code}")
        answer = _parse(response.content)
        if response.status_code in OPERATOR_FAULTS:
            detail = f" (responseCode {answer.code}: {answer.description})" if answer else ""
            raise NcmecNotAuthorised(f"{path}: HTTP {response.status_code}{detail}")
        if response.status_code >= 400:
            detail = f" (responseCode {answer.code}: {answer.description})" if answer else ""
            raise NcmecRejected(f"{path}: HTTP {response.status_code}{detail}", http_status=response.status_code,
                                code=answer.code if answer else None)
        if answer is None:
            raise NcmecUnavailable(f"{path}: the answer was not NCMEC's XML")
        if answer.code == SERVER_ERROR:
            raise NcmecUnavailable(f"{path}: responseCode {answer.code} ({answer.description})")
        if answer.code != 0:
            raise NcmecRejected(f"{path}: responseCode {answer.code} ({answer.description})", code=answer.code,
                                http_status=response.status_code)
        return answer


def _parse(body: bytes) -> Answer | None:
    """A reportResponse / reportDoneResponse, or None if the body is not one."""
    try:
        root = parse(body)
    except ET.ParseError:
        return None
    code = root.findtext("responseCode")
    if code is None or not code.strip().lstrip("-").isdigit():
        return None
    return Answer(int(code), (root.findtext("responseDescription") or "").strip(),
                  (root.findtext("reportId") or "").strip() or None, (root.findtext("fileId") or "").strip() or None)
